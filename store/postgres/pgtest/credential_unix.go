//go:build unix

package pgtest

import (
	"fmt"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"time"
)

// asNobody makes cmd run as the user nobody (PostgreSQL refuses root).
// Call it after setProcessGroup: it keeps what that set.
func asNobody(cmd *exec.Cmd) error {
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("pgtest: root must run PostgreSQL as another user, and there is no nobody: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("pgtest: user nobody: uid %q, gid %q", u.Uid, u.Gid)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return nil
}

// nobodyOwns gives path to nobody.
func nobodyOwns(path string) error {
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("pgtest: no user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return syscall.Chown(path, uid, gid)
}

// stopServer asks PostgreSQL for a fast shutdown (SIGINT: sessions are
// ended, not waited for) and kills its group if it has not ended in five
// seconds. exited is closed once it is reaped.
func stopServer(pid int, exited <-chan struct{}) {
	_ = syscall.Kill(-pid, syscall.SIGINT)
	select {
	case <-exited:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-exited
}
