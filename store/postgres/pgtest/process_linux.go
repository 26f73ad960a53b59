package pgtest

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the server in a process group of its own, so stop
// can end it with whatever it spawned, and has the kernel kill it if the
// test binary dies first (a test timeout never runs stop).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
