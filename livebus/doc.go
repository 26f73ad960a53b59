// Package livebus tells the servers that share a database that a
// conversation has new messages, so that each delivers them to the sockets
// it holds for that conversation.
//
// The store is the truth: a note says only "conversation X has messages up
// to seq N", and a server reads from the store what its sockets have not
// received, by sequence number. A missed or late note therefore loses
// nothing; it only delays.
//
// Two implementations share one contract:
//
//   - [Hub] keeps everything in the process: the embedded (SQLite) server,
//     and tests that run several handlers in one process.
//   - [Postgres] uses PostgreSQL: NOTIFY is the wake-up (one dedicated
//     LISTEN connection, reconnected with backoff, followed by a catch-up),
//     and a poll of a small table of each conversation's newest seq, every
//     PollInterval, makes delivery correct without notifications (PGlite
//     delivers none across connections) and after a dropped listener.
//
// Besides the notes, a bus knows which servers hold sockets for a
// conversation (Hold) and how far they delivered it (Received), so that the
// server that stored a staff reply can tell whether any connection got it
// (Reached), instead of guessing from its own sockets.
package livebus
