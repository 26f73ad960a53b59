// Package postgres stores Faro's data in PostgreSQL with the pgvector
// extension: the backend chosen by setting FARO_DATABASE_URL, and the one
// that lets any number of servers share one database.
//
// Vectors are searched through an HNSW index per embedding dimension
// (approximate, high recall); full text through a tsvector column whose
// terms are folded and stemmed in Go by [fulltext], ranked with BM25 so that
// rarer words weigh more, as in the SQLite twin.
//
// The schema is migrated by [Open] (and by [Migrate] for `faro migrate`)
// from SQL files embedded in the binary.
//
// Everything here also runs on PGlite, the PostgreSQL compiled to
// WebAssembly that the tests use (see [github.com/faroai/faro/store/postgres/pgtest]):
// no COPY, only SET LOCAL, and no transaction that waits on a second
// pooled connection before it commits.
package postgres
