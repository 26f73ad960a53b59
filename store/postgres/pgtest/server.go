package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoServer is StartServer's error when no PostgreSQL server binary is
// installed: tests that need one skip with it (the Debian package
// postgresql provides it; .ci/run installs it).
var ErrNoServer = errors.New("pgtest: no PostgreSQL server binaries (initdb, postgres): install the Debian package postgresql")

// StartServer runs a real PostgreSQL server (the installed one: initdb and
// postgres on PATH or under /usr/lib/postgresql/*/bin) in a temporary
// directory, on a free local port, and returns its URL and stop, which
// kills it and removes the directory. It has no pgvector; it is for what
// PGlite cannot show: NOTIFY across connections, advisory locks, real
// concurrency. PostgreSQL refuses to run as root, so as root the server
// runs as nobody. It dies with the test binary (on Linux).
func StartServer(ctx context.Context) (url string, stop func(), err error) {
	initdb, postgres, err := serverBinaries()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "faro-pg-")
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: server directory: %w", err)
	}
	root := os.Geteuid() == 0
	if root {
		if err := nobodyOwns(dir); err != nil {
			_ = os.RemoveAll(dir)
			return "", nil, err
		}
	}
	// as runs name as nobody when root, directly (not through runuser or
	// su, whose session would outlive a killed test binary).
	as := func(name string, args ...string) (*exec.Cmd, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir // nobody may not enter the test's directory
		setProcessGroup(cmd)
		if root {
			if err := asNobody(cmd); err != nil {
				return nil, err
			}
		}
		return cmd, nil
	}
	data := filepath.Join(dir, "data")
	init, err := as(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	if out, err := init.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("pgtest: initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}
	port, err := freePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	cmd, err := as(postgres, "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	var output syncBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			stopServer(cmd.Process.Pid, exited)
			_ = os.RemoveAll(dir)
		})
	}
	url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return awaitServer(ctx, "postgres", url, 100*time.Millisecond, exited, stop, &output)
}

func serverBinaries() (initdb, postgres string, err error) {
	if i, err1 := exec.LookPath("initdb"); err1 == nil {
		if p, err2 := exec.LookPath("postgres"); err2 == nil {
			return i, p, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- { // the newest version last in glob order
		i1, p := filepath.Join(dirs[i], "initdb"), filepath.Join(dirs[i], "postgres")
		if _, err := os.Stat(i1); err == nil {
			if _, err := os.Stat(p); err == nil {
				return i1, p, nil
			}
		}
	}
	return "", "", ErrNoServer
}
