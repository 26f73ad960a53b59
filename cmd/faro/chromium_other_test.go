//go:build !linux

package main

import "os/exec"

// ownProcessGroup leaves Chromium's process as it is where process groups
// are not Linux's (see chromium_linux_test.go).
func ownProcessGroup(*exec.Cmd) {}
