package pgtest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Shared is one test package's PostgreSQL: started by the first test that
// asks for it, emptied for every test, and held by one test at a time,
// since PGlite is one database behind its connections. A package keeps
// one in a variable and stops it from TestMain:
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) { code := m.Run(); pg.Stop(); os.Exit(code) }
type Shared struct {
	once sync.Once
	url  string
	stop func()
	err  error
	mu   sync.Mutex
}

// URL returns the database's URL, empty, held by t until it ends. It fails
// t, never skips it, when no PostgreSQL can be had: what names the missing
// part says so.
func (s *Shared) URL(t testing.TB, what string) string {
	t.Helper()
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s.url, s.stop, s.err = Start(ctx)
	})
	if s.err != nil {
		t.Fatalf("PostgreSQL for %s (PGlite from node_modules, or %s): %v", what, EnvURL, s.err)
	}
	s.mu.Lock()
	t.Cleanup(s.mu.Unlock)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Reset(ctx, s.url); err != nil {
		t.Fatalf("empty the test database: %v", err)
	}
	return s.url
}

// Stop removes the database, if one was started.
func (s *Shared) Stop() {
	if s.stop != nil {
		s.stop()
	}
}

// Started is the database's URL once a test has asked for it, "" before:
// for code of a test that already holds it through URL.
func (s *Shared) Started() string {
	if s.err != nil {
		return ""
	}
	return s.url
}
