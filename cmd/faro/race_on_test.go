//go:build race

package main

// raceEnabled: the race detector makes CPU-heavy tests 5-10x slower, so the
// tests that only show scale use smaller inputs under it.
const raceEnabled = true
