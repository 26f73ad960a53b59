//go:build !unix

package pgtest

import (
	"errors"
	"os/exec"
)

func asNobody(*exec.Cmd) error {
	return errors.New("pgtest: cannot run PostgreSQL as another user here")
}

func nobodyOwns(string) error { return errors.New("pgtest: cannot give files to another user here") }

func stopServer(pid int, exited <-chan struct{}) { killGroup(pid, exited) }
