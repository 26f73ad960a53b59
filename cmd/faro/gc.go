package main

import "runtime/debug"

// serveGOGC is the garbage collector's target the server runs with unless
// GOGC says otherwise. A turn allocates a few hundred kilobytes that die
// with it, while the heap that lives is mostly sockets and caches: letting
// the heap grow to three times the live part instead of twice halves the
// collections. Measured with `faro loadtest` (800 visitors, 108 questions,
// ~365 turns/s): server CPU per turn 0.91x, p99 50–58 ms instead of
// 86–92 ms; memory per held connection unchanged (44.9 vs 44.6 KiB with
// 5,000 held).
const serveGOGC = 200

// tuneGC sets serveGOGC unless the operator set GOGC (the runtime read it
// already); it reports the percentage set.
func tuneGC(getenv func(string) string) (int, bool) {
	if getenv("GOGC") != "" {
		return 0, false
	}
	debug.SetGCPercent(serveGOGC)
	return serveGOGC, true
}
