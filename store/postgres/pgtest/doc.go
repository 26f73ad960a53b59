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
// and [Reset] between tests. PGlite is one database in one backend: tests
// of a package that share it run one after the other.
package pgtest
