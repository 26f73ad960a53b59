package discord_test

import (
	"os"
	"testing"

	"github.com/faroai/faro/channels/discord/discordtest"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// pg is the package's PostgreSQL for its tests (see pgtest.Shared), and
// platform its Discord: one per process, since discordgo's endpoints are
// (see discordtest).
var (
	pg       pgtest.Shared
	platform discordtest.Shared
)

func TestMain(m *testing.M) {
	code := m.Run()
	platform.Close()
	pg.Stop()
	os.Exit(code)
}

// backends are the stores the end-to-end tests run on.
var backends = channeltest.Backends(&pg, "the Discord tests")

func forEachBackend(t *testing.T, f func(t *testing.T, open func(t testing.TB) store.Store)) {
	channeltest.ForEachBackend(t, backends, f)
}
