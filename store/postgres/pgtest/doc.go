// Package pgtest gives tests a real PostgreSQL with pgvector: the server
// named by FARO_TEST_DATABASE_URL, or else PGlite (PostgreSQL compiled to
// WebAssembly, with the real pgvector) started from the repository's
// node_modules. It is an ordinary package so tests of any package can use
// it; typically once per package, in TestMain:
//
//	func TestMain(m *testing.M) {
//		url, stop, err := pgtest.Start(context.Background())
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1) // fail, never skip: the PostgreSQL backend must be tested
//		}
//		code := m.Run()
//		stop()
//		os.Exit(code)
//	}
//
// and [Reset] between tests.
//
// What PGlite is not, and what that means for a test (pglite-server
// multiplexes its clients onto one backend session):
//   - One database: CREATE DATABASE succeeds but every connection lands in
//     the same one, so tests of a package share it and run one after the
//     other.
//   - Connection parameters (database, search_path, any setting in the
//     URL) are ignored, and SET by one connection is seen by all: set what
//     a transaction needs with SET LOCAL.
//   - Queries of concurrent connections interleave message by message, and
//     prepared statements outlive their connection: the URL Start returns
//     for PGlite makes pgx use the simple protocol (one message a query),
//     which is safe; do not override default_query_exec_mode on it unless
//     one connection at a time is used.
//   - One transaction at a time: the others wait, so a transaction that
//     waits on a second connection before committing hangs.
//   - No COPY (pgx CopyFrom wedges the server).
package pgtest
