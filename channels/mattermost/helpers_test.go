package mattermost_test

import (
	"os"
	"testing"

	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// pg is the package's PostgreSQL for its tests (see pgtest.Shared).
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// backends are the stores the end-to-end tests run on.
var backends = channeltest.Backends(&pg, "the Mattermost tests")

func forEachBackend(t *testing.T, f func(t *testing.T, open func(t testing.TB) store.Store)) {
	channeltest.ForEachBackend(t, backends, f)
}
