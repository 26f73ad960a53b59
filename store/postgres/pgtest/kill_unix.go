//go:build unix

package pgtest

import (
	"syscall"
	"time"
)

// killGroup asks the server's process group to end, and kills it if it
// has not within five seconds. exited is closed once the server is reaped.
func killGroup(pid int, exited <-chan struct{}) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-exited:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-exited
}
