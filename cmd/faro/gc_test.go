package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// Not parallel: it changes the process's collector setting, and puts it
// back.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	_, tuned := tuneGC(envOf(map[string]string{"GOGC": "50"}))
	require.False(t, tuned, "the operator's GOGC wins")
	require.Equal(t, 100, debug.SetGCPercent(100), "left as it was")

	pct, tuned := tuneGC(envOf(nil))
	require.True(t, tuned)
	require.Equal(t, serveGOGC, pct)
	require.Equal(t, serveGOGC, debug.SetGCPercent(100))
}
