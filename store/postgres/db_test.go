package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a plain connection to the test database, for looking
// behind the store.
func connect(t *testing.T, ctx context.Context, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err, "connect")
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestMigrate(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	applied, err := db.Migrate(ctx)
	require.NoError(t, err, "Migrate on a migrated database")
	require.Empty(t, applied, "Migrate on a migrated database applies nothing")
	applied, err = Migrate(ctx, testURL)
	require.NoError(t, err, "package Migrate on a migrated database")
	require.Empty(t, applied, "package Migrate on a migrated database applies nothing")

	// Dropping every table stands for a new database (PGlite has only one,
	// and ignores a search_path given when connecting): the migrations run
	// from the start, and a second time not.
	require.NoError(t, db.Close())
	conn := connect(t, ctx, testURL)
	_, err = conn.Exec(ctx, `DROP TABLE web_signals, staff_sessions, staff_accounts, staff_threads, handoff_events, deliveries, knowledge_collections, subscriptions, generated_documents, outbox_events, ticket_notes, tickets, enrollments, courses, lead_stage_changes, leads, token_usage, knowledge_index, chunks, documents, messages, conversations, identities, contacts, goose_db_version`)
	require.NoError(t, err, "drop the schema")
	applied, err = Migrate(ctx, testURL)
	require.NoError(t, err, "Migrate an empty database")
	require.Equal(t, []string{"00001_init.sql", "00002_usage.sql", "00003_business.sql", "00004_subscriptions.sql", "00005_documents.sql", "00006_knowledge_collections.sql", "00007_deliveries.sql", "00008_handoffs.sql", "00009_staff.sql", "00010_web_signals.sql", "00011_waitlist.sql"}, applied, "Migrate an empty database")
	applied, err = Migrate(ctx, testURL)
	require.NoError(t, err, "Migrate again")
	require.Empty(t, applied, "Migrate again")
}

func TestReset(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	c, err := db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "e", Dimension: 3}))

	require.NoError(t, pgtest.Reset(ctx, testURL), "Reset")
	_, err = db.Contact(ctx, c.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "Reset empties the tables")
	info, err := db.KnowledgeIndex(ctx)
	require.NoError(t, err)
	require.Zero(t, info, "Reset empties the knowledge index")
	applied, err := db.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, applied, "Reset keeps goose's record of the schema")
}

func TestAppendMessageDefaults(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	c, err := db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	require.Equal(t, store.RoleProspect, c.Role, "a contact without a role is a prospect")
	conv, err := db.CreateConversation(ctx, store.Conversation{ContactID: c.ID, Channel: "telegram", ExternalID: "1"})
	require.NoError(t, err)

	// No channel: the conversation's, so that the platform id still
	// dedupes.
	m, created, err := db.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser,
		PlatformID: "u1", Meta: json.RawMessage(`{ "b" : [1, 2],  "a" : null }`)})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "telegram", m.Channel, "a message without a channel takes the conversation's")
	require.JSONEq(t, `{"a":null,"b":[1,2]}`, string(m.Meta))
	require.Equal(t, `{"a":null,"b":[1,2]}`, string(m.Meta), "jsonb comes back compact (keys in jsonb's order)")
	require.Nil(t, m.ToolCalls, "no JSON stays nil")

	again, created, err := db.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser, PlatformID: "u1"})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, m.ID, again.ID)

	_, _, err = db.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser, ToolCalls: json.RawMessage(`{"a":`)})
	require.ErrorIs(t, err, store.ErrInvalid, "JSON that is not JSON")
	_, _, err = db.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: "bot"})
	require.ErrorIs(t, err, store.ErrInvalid, "an unknown author")
	got, err := db.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.LastSeq, "refused and duplicate appends take no seq")
}

func TestErrorsSayWhat(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	_, err := db.CreateContact(ctx, store.Contact{Name: "A", Email: "a@example.com"})
	require.NoError(t, err)
	_, err = db.CreateContact(ctx, store.Contact{Name: "B", Email: "A@example.com"})
	require.ErrorIs(t, err, store.ErrConflict)
	require.Contains(t, err.Error(), "postgres: create contact: email belongs to another contact")

	_, err = db.SearchVector(ctx, store.VectorQuery{Embedding: []float32{1}, K: 0})
	require.ErrorIs(t, err, store.ErrInvalid, "K 0")
	_, err = db.SearchText(ctx, store.TextQuery{Text: "x", K: -1})
	require.ErrorIs(t, err, store.ErrInvalid, "K negative")
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "e", Dimension: 2}))
	_, err = db.SearchVector(ctx, store.VectorQuery{Embedding: []float32{0, 0}, K: 1})
	require.ErrorIs(t, err, store.ErrInvalid, "a zero vector has no direction")
	_, err = db.PutDocument(ctx, store.Document{Source: "a"}, []store.Chunk{{Position: 1}, {Position: 1}})
	require.ErrorIs(t, err, store.ErrInvalid, "positions repeat")
}

// vectorIndexes lists the HNSW indexes on chunks with their definitions.
func vectorIndexes(t *testing.T, ctx context.Context, conn *pgx.Conn) map[string]string {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'chunks' AND indexname LIKE 'chunks\_embedding\_hnsw\_%'`)
	require.NoError(t, err)
	out := map[string]string{}
	for rows.Next() {
		var name, def string
		require.NoError(t, rows.Scan(&name, &def))
		out[name] = def
	}
	require.NoError(t, rows.Err())
	return out
}

// TestVectorIndexUsed checks that a search goes through the HNSW index of
// its dimension (an ORDER BY that differs from the index expression by a
// cast would silently scan every row) and that changing the dimension
// swaps the index.
func TestVectorIndexUsed(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	conn := connect(t, ctx, testURL)
	for _, dim := range []int{16, 2500} {
		require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "e", Dimension: dim}))
		indexes := vectorIndexes(t, ctx, conn)
		require.Len(t, indexes, 1, "one HNSW index, for the dimension recorded")
		def := indexes[vectorIndexName(dim)]
		cast, _, _ := vectorIndexCast(dim)
		require.Contains(t, def, "hnsw", "index of dimension %d", dim)
		require.Contains(t, def, cast, "index of dimension %d", dim)

		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `SET LOCAL enable_seqscan = off`)
		require.NoError(t, err)
		q := make([]float32, dim)
		q[0] = 1
		v, err := unit("test", q)
		require.NoError(t, err)
		rows, err := tx.Query(ctx, "EXPLAIN "+vectorSearchSQL(dim), append([]any{v, 5}, filterArgs(store.SearchFilter{})...)...)
		require.NoError(t, err)
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.NoError(t, tx.Rollback(ctx))
		require.Contains(t, strings.Join(plan, "\n"), vectorIndexName(dim), "the search of dimension %d must use its index:\n%s", dim, strings.Join(plan, "\n"))
	}
}

// TestWideVectors stores and finds vectors wider than an HNSW index of
// vector holds (halfvec index) and wider than any HNSW index (exact).
func TestWideVectors(t *testing.T) {
	for _, dim := range []int{2048, 4096} {
		t.Run(fmt.Sprint(dim), func(t *testing.T) {
			ctx := testCtx(t)
			db := openDB(t, testURL)
			require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "wide", Dimension: dim}))
			rng := rand.New(rand.NewPCG(1, uint64(dim)))
			var chunks []store.Chunk
			for i := range 20 {
				v := make([]float32, dim)
				for k := range v {
					v[k] = float32(rng.NormFloat64())
				}
				chunks = append(chunks, store.Chunk{Position: i, Text: fmt.Sprint(i), Embedding: v})
			}
			_, err := db.PutDocument(ctx, store.Document{Source: "wide.md"}, chunks)
			require.NoError(t, err)
			for i, c := range chunks {
				hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: c.Embedding, K: 3})
				require.NoError(t, err)
				require.Len(t, hits, 3)
				require.Equal(t, fmt.Sprint(i), hits[0].Chunk.Text, "a stored vector finds itself first")
				require.InDelta(t, 1, hits[0].Score, 1e-5, "score at full precision even through a halfvec index")
			}
		})
	}
}

// TestReplaceEmbeddingsNewDimension switches 12 chunks to another
// dimension: the new HNSW index is built in the transaction that rewrote
// them, and the build reads the replaced row versions too (the conformance
// suite's three chunks fit HOT updates and did not show it).
func TestReplaceEmbeddingsNewDimension(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "a", Dimension: 64}))
	vec := func(dim, i int) []float32 { v := make([]float32, dim); v[i%dim] = 1; v[(i+1)%dim] = 0.5; return v }
	for d := range 3 {
		var cs []store.Chunk
		for i := range 4 {
			cs = append(cs, store.Chunk{Position: i, Text: fmt.Sprint(i), Embedding: vec(64, d*4+i)})
		}
		_, err := db.PutDocument(ctx, store.Document{Source: fmt.Sprint(d)}, cs)
		require.NoError(t, err)
	}
	docs, err := db.ListDocuments(ctx, 0, 0)
	require.NoError(t, err)
	vectors := map[string][]float32{}
	for _, d := range docs {
		cs, err := db.Chunks(ctx, d.ID)
		require.NoError(t, err)
		for i, c := range cs {
			vectors[c.ID] = vec(128, i)
		}
	}
	require.NoError(t, db.ReplaceEmbeddings(ctx, store.IndexInfo{Embedder: "b", Dimension: 128}, vectors))
	hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: vec(128, 0), K: 3})
	require.NoError(t, err)
	require.Len(t, hits, 3)
	require.InDelta(t, 1, hits[0].Score, 1e-6)
}

func TestTsvectorLiteral(t *testing.T) {
	require.Equal(t, "", tsvectorLiteral(nil))
	require.Equal(t, `'curs':1,3 'ia':2 'it''s':4 'a\\b':5`, tsvectorLiteral([]string{"curs", "ia", "curs", "it's", `a\b`}))
	long := strings.Repeat("x", maxLexemeBytes+1)
	require.Equal(t, `'a':2`, tsvectorLiteral([]string{long, "a"}), "a word too long for a lexeme is left out; positions stay")
	many := make([]string, maxPositions+10)
	for i := range many {
		many[i] = "w"
	}
	require.Equal(t, maxPositions, strings.Count(tsvectorLiteral(many), ",")+1, "positions are capped per lexeme")
}

func TestTsvectorLiteralReadsBack(t *testing.T) {
	ctx := testCtx(t)
	conn := connect(t, ctx, testURL)
	terms := []string{"curs", "ia", "curs", "it's", `a\b`, "日本語", "mp3", "3d"}
	var got []string
	rows, err := conn.Query(ctx, `SELECT lexeme FROM unnest($1::text::tsvector) ORDER BY lexeme`, tsvectorLiteral(terms))
	require.NoError(t, err)
	got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"curs", "ia", "it's", `a\b`, "日本語", "mp3", "3d"}, got,
		"the literal is read without the text parser: every term is one lexeme, as given")
}

func TestWithVersion(t *testing.T) {
	require.True(t, versionAtLeast("0.8.7", 0, 8))
	require.True(t, versionAtLeast("1.0", 0, 8))
	require.False(t, versionAtLeast("0.7.4", 0, 8))
	require.False(t, versionAtLeast("dev", 0, 8))
}
