// Package sqlite is Faro's embedded default store: one SQLite file through
// the pure-Go driver modernc.org/sqlite, implementing [store.Store].
//
// Layout of the work:
//   - every write runs in one BEGIN IMMEDIATE transaction, and writes of
//     this process queue on a semaphore first, so concurrent writers wait
//     their turn in Go instead of polling SQLite's busy handler;
//   - full text goes through FTS5 over terms folded and stemmed in Go by
//     [fulltext], ranked with bm25;
//   - vector search is exact: a flat in-memory matrix of unit-length
//     vectors held by the [DB], scanned in parallel and reloaded whenever
//     the knowledge generation (bumped by every knowledge write) changes.
//
// The schema lives in migrations/*.sql, embedded and applied by [Open] with
// goose.
package sqlite
