//go:build unix && !linux

package pgtest

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the server in a process group of its own, so stop
// can end it with whatever it spawned.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
