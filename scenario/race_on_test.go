//go:build race

package scenario

// raceEnabled: the race detector makes the engine 5-10x slower, so the
// shipped scenarios run whole only without it (scripts/test runs them so).
const raceEnabled = true
