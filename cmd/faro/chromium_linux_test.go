package main

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup runs Chromium in a process group of its own, which the
// kernel kills if the test binary dies, and makes canceling its context
// kill the whole group: Chromium's renderer and helper processes outlive
// the browser process otherwise, still writing into the profile directory
// while the test's cleanup removes it ("directory not empty").
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
