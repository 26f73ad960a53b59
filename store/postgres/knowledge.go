package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/fulltext"
)

// knowledgeLock is the advisory lock (a transaction lock) that orders
// writes of chunks against changes of the recorded embedder: documents are
// written under it shared, the index changed under it exclusive, so no
// vector of the old dimension lands after the dimension changed.
const knowledgeLock int64 = 0x6661726f6b6e6f77 // "faroknow"

// Limits of pgvector and PostgreSQL that shape how vectors are indexed.
const (
	maxVectorDims  = 16000 // vector type
	maxHNSWVector  = 2000  // HNSW on vector; above it we index halfvec
	maxHNSWHalfvec = 4000  // HNSW on halfvec; above it search is exact
	maxEfSearch    = 1000
	// minEfSearch trades speed for recall; the target is recall@10 of at
	// least 0.95 against exact search. On 10,000 random 384-dim vectors
	// (the hardest case: no structure) with pgvector's default graph (m
	// 16, ef_construction 64), recall@10 is 0.62 at 100, 0.80-0.83 at
	// 200, 0.94-0.96 at 400 (0.93 with a filter keeping half), so 400
	// has no margin; learned embeddings, which have structure, do better.
	// efPerK keeps the candidate list as generous for a larger K.
	minEfSearch = 600
	efPerK      = 30

	maxLexemeBytes = 2047  // longer words cannot be tsvector lexemes
	maxPosition    = 16383 // tsvector positions stop here
	maxPositions   = 256   // positions kept per lexeme
	insertBatch    = 1000  // rows per multi-row INSERT/UPDATE
)

// KnowledgeIndex says which embedder built the stored vectors; the zero
// IndexInfo (and no error) when none was recorded yet.
func (db *DB) KnowledgeIndex(ctx context.Context) (store.IndexInfo, error) {
	var info store.IndexInfo
	err := db.pool.QueryRow(ctx, `SELECT embedder, dimension FROM knowledge_index`).Scan(&info.Embedder, &info.Dimension)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.IndexInfo{}, nil
	}
	if err != nil {
		return store.IndexInfo{}, dbErr("knowledge index", err)
	}
	return info, nil
}

func checkIndexInfo(op string, info store.IndexInfo) error {
	if info.Embedder == "" {
		return invalid(op, "embedder is empty")
	}
	if info.Dimension <= 0 || info.Dimension > maxVectorDims {
		return invalid(op, "dimension %d is not within 1..%d", info.Dimension, maxVectorDims)
	}
	return nil
}

// SetKnowledgeIndex records the embedder and makes the HNSW index for its
// dimension, dropping the index of the dimension it replaces. Changing the
// dimension while chunks with embeddings exist is ErrConflict.
func (db *DB) SetKnowledgeIndex(ctx context.Context, info store.IndexInfo) error {
	op := fmt.Sprintf("set knowledge index %s/%d", info.Embedder, info.Dimension)
	if err := checkIndexInfo(op, info); err != nil {
		return err
	}
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, knowledgeLock); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT dimension FROM knowledge_index), 0)`).Scan(&current); err != nil {
			return err
		}
		if current != info.Dimension {
			var embedded bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chunks WHERE embedding IS NOT NULL)`).Scan(&embedded); err != nil {
				return err
			}
			if embedded {
				return fmt.Errorf("chunks hold %d-dimension embeddings: re-embed them with ReplaceEmbeddings or delete the documents: %w",
					current, store.ErrConflict)
			}
		}
		return recordIndex(ctx, tx, info)
	})
	if err != nil {
		return dbErr(op, err)
	}
	return nil
}

// recordIndex writes info and makes sure the HNSW index of its dimension,
// and no other, exists. Building it on rows already stored is the slow
// part (seconds for ten thousand vectors).
func recordIndex(ctx context.Context, tx pgx.Tx, info store.IndexInfo) error {
	if _, err := tx.Exec(ctx, `INSERT INTO knowledge_index (singleton, embedder, dimension) VALUES (true, $1, $2)
		ON CONFLICT (singleton) DO UPDATE SET embedder = excluded.embedder, dimension = excluded.dimension`,
		info.Embedder, info.Dimension); err != nil {
		return err
	}
	if err := dropVectorIndexes(ctx, tx, info.Dimension); err != nil {
		return err
	}
	cast, opclass, ok := vectorIndexCast(info.Dimension)
	if !ok {
		return nil
	}
	// Partial: rows of another dimension are left out rather than cast,
	// which would fail. They exist while ReplaceEmbeddings rewrites every
	// vector in the transaction that then builds this index, whose build
	// also reads the row versions being replaced.
	_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON chunks USING hnsw ((embedding::%s) %s)
		WHERE vector_dims(embedding) = %d`,
		vectorIndexName(info.Dimension), cast, opclass, info.Dimension))
	return err
}

// dropVectorIndexes drops the HNSW indexes of dimensions other than keep,
// which no search uses any more and every write would keep up to date.
func dropVectorIndexes(ctx context.Context, tx pgx.Tx, keep int) error {
	rows, err := tx.Query(ctx, `SELECT indexname FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'chunks' AND indexname LIKE 'chunks\_embedding\_hnsw\_%'`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		if name == vectorIndexName(keep) {
			continue
		}
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

func vectorIndexName(dim int) string {
	return "chunks_embedding_hnsw_" + strconv.Itoa(dim)
}

// vectorIndexCast is the type a dimension is indexed and searched as: the
// index is on embedding cast to it, and only a query ordering by the same
// expression uses the index. ok is false when no HNSW index can hold the
// dimension; search is then exact.
func vectorIndexCast(dim int) (cast, opclass string, ok bool) {
	switch {
	case dim <= maxHNSWVector:
		return fmt.Sprintf("vector(%d)", dim), "vector_cosine_ops", true
	case dim <= maxHNSWHalfvec:
		return fmt.Sprintf("halfvec(%d)", dim), "halfvec_cosine_ops", true
	}
	return fmt.Sprintf("vector(%d)", dim), "", false
}

// unit returns v scaled to length 1, so both backends store, return and
// compare the same vectors, in pgvector's text form: it reads the same
// over pgx's binary and simple protocols (the tests run PGlite on the
// latter), and prints every float32 exactly. A zero or non-finite vector
// has no direction and is refused.
func unit(op string, v []float32) (string, error) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	norm := math.Sqrt(sum)
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return "", invalid(op, "embedding has no direction (zero, NaN or infinite values)")
	}
	out := make([]float32, len(v))
	for k, x := range v {
		out[k] = float32(float64(x) / norm)
	}
	return pgvector.NewVector(out).String(), nil
}

// tsvectorLiteral writes terms as a tsvector literal ('term':1,4 'other':2)
// that PostgreSQL reads without its text parser, so the indexed lexemes
// are exactly the terms fulltext made, whatever the parser would split.
func tsvectorLiteral(terms []string) string {
	type entry struct {
		term string
		pos  []int
	}
	index := map[string]int{}
	var entries []entry
	for i, t := range terms {
		if t == "" || len(t) > maxLexemeBytes {
			continue
		}
		k, ok := index[t]
		if !ok {
			k = len(entries)
			index[t] = k
			entries = append(entries, entry{term: t})
		}
		p := min(i+1, maxPosition)
		e := &entries[k]
		if len(e.pos) < maxPositions && (len(e.pos) == 0 || e.pos[len(e.pos)-1] != p) {
			e.pos = append(e.pos, p)
		}
	}
	var b strings.Builder
	for k, e := range entries {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(e.term))
		for j, p := range e.pos {
			if j == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// quoteLexeme quotes a lexeme for tsvector and tsquery input.
func quoteLexeme(t string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), `'`, `''`) + "'"
}

// chunkRows is a batch of chunks as column arrays for INSERT … unnest.
type chunkRows struct {
	ids, headings, texts, languages, links, terms []string
	positions, termCounts                         []int32
	embeddings                                    []string // "" for none
	dims                                          []int    // of each embedding, 0 if none
}

func (r *chunkRows) slice(from, to int) []any {
	return []any{r.ids[from:to], r.positions[from:to], r.headings[from:to], r.texts[from:to], r.languages[from:to],
		r.links[from:to], r.embeddings[from:to], r.terms[from:to], r.termCounts[from:to]}
}

// PutDocument creates or replaces the document with d.Source and all of
// its chunks, in one transaction. A replaced document keeps its ID and
// CreatedAt; its chunks get new IDs. Chunks are given back by Position
// (which must not repeat); a chunk without a language takes the
// document's. Every embedding must have the recorded dimension (ErrInvalid
// otherwise, and when no dimension is recorded yet); a chunk may have none.
func (db *DB) PutDocument(ctx context.Context, d store.Document, chunks []store.Chunk) (store.Document, error) {
	op := fmt.Sprintf("put document %q", d.Source)
	if d.Source == "" {
		return store.Document{}, invalid(op, "source is empty")
	}
	docID, err := newID()
	if err != nil {
		return store.Document{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	rows := chunkRows{}
	positions := map[int]bool{}
	for i, c := range chunks {
		if positions[c.Position] {
			return store.Document{}, invalid(op, "chunk %d: position %d given twice", i, c.Position)
		}
		positions[c.Position] = true
		id, err := newID()
		if err != nil {
			return store.Document{}, fmt.Errorf("postgres: %s: %w", op, err)
		}
		lang := c.Language
		if lang == "" {
			lang = d.Language
		}
		terms := fulltext.DocumentTerms(c.Heading+" "+c.Text, lang)
		var emb string
		if len(c.Embedding) > 0 {
			if emb, err = unit(fmt.Sprintf("%s: chunk %d", op, i), c.Embedding); err != nil {
				return store.Document{}, err
			}
		}
		rows.ids = append(rows.ids, id)
		rows.positions = append(rows.positions, int32(c.Position))
		rows.headings = append(rows.headings, c.Heading)
		rows.texts = append(rows.texts, c.Text)
		rows.languages = append(rows.languages, lang)
		rows.links = append(rows.links, c.Link)
		rows.embeddings = append(rows.embeddings, emb)
		rows.dims = append(rows.dims, len(c.Embedding))
		rows.terms = append(rows.terms, tsvectorLiteral(terms))
		rows.termCounts = append(rows.termCounts, int32(len(terms)))
	}
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	var out store.Document
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, knowledgeLock); err != nil {
			return err
		}
		var dim int
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT dimension FROM knowledge_index), 0)`).Scan(&dim); err != nil {
			return err
		}
		for i, n := range rows.dims {
			if n != 0 && n != dim {
				if dim == 0 {
					return fmt.Errorf("chunk %d has an embedding but no embedder is recorded (SetKnowledgeIndex): %w", i, store.ErrInvalid)
				}
				return fmt.Errorf("chunk %d: embedding has dimension %d, the index %d: %w", i, n, dim, store.ErrInvalid)
			}
		}
		t := now()
		var err error
		out, err = scanDocument(tx.QueryRow(ctx, `INSERT INTO documents AS d
			(id, source, title, language, content_hash, url, tags, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
			ON CONFLICT (source) DO UPDATE SET title = excluded.title, language = excluded.language,
				content_hash = excluded.content_hash, url = excluded.url, tags = excluded.tags, updated_at = excluded.updated_at
			RETURNING `+documentColumns+`, 0`,
			docID, d.Source, d.Title, d.Language, d.ContentHash, d.URL, tags, t))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM chunks WHERE document_id = $1`, out.ID); err != nil {
			return err
		}
		// Multi-row INSERT … SELECT FROM unnest, not COPY: COPY FROM STDIN
		// wedges PGlite.
		for from := 0; from < len(rows.ids); from += insertBatch {
			to := min(from+insertBatch, len(rows.ids))
			args := append([]any{out.ID}, rows.slice(from, to)...)
			if _, err := tx.Exec(ctx, `INSERT INTO chunks
				(id, document_id, position, heading, text, language, link, embedding, terms, term_count)
				SELECT u.id, $1, u.position, u.heading, u.text, u.language, u.link, NULLIF(u.embedding, '')::vector, u.terms::tsvector, u.term_count
				FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[])
					AS u(id, position, heading, text, language, link, embedding, terms, term_count)`, args...); err != nil {
				return err
			}
		}
		out.Chunks = len(rows.ids)
		return nil
	})
	if err != nil {
		return store.Document{}, dbErr(op, err)
	}
	return out, nil
}

const documentColumns = `d.id, d.source, d.title, d.language, d.content_hash, d.url, d.tags, d.created_at, d.updated_at`

// documentSelect reads documents aliased d with their number of chunks.
const documentSelect = `SELECT ` + documentColumns + `, (SELECT count(*) FROM chunks WHERE document_id = d.id) FROM documents d`

func scanDocument(row pgx.Row) (store.Document, error) {
	var d store.Document
	if err := row.Scan(&d.ID, &d.Source, &d.Title, &d.Language, &d.ContentHash, &d.URL, &d.Tags,
		&d.CreatedAt, &d.UpdatedAt, &d.Chunks); err != nil {
		return store.Document{}, err
	}
	// No tags reads back as nil, whatever was written, so a document
	// compares equal to itself across a round trip.
	if len(d.Tags) == 0 {
		d.Tags = nil
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// Document returns ErrNotFound if there is no document with that id.
func (db *DB) Document(ctx context.Context, id string) (store.Document, error) {
	d, err := scanDocument(db.pool.QueryRow(ctx, documentSelect+` WHERE d.id = $1`, id))
	if err != nil {
		return store.Document{}, dbErr(fmt.Sprintf("document %q", id), err)
	}
	return d, nil
}

// DocumentBySource returns ErrNotFound if no document has that source.
func (db *DB) DocumentBySource(ctx context.Context, source string) (store.Document, error) {
	d, err := scanDocument(db.pool.QueryRow(ctx, documentSelect+` WHERE d.source = $1`, source))
	if err != nil {
		return store.Document{}, dbErr(fmt.Sprintf("document by source %q", source), err)
	}
	return d, nil
}

// ListDocuments returns documents ordered by source; limit 0 means no cap.
func (db *DB) ListDocuments(ctx context.Context, offset, limit int) ([]store.Document, error) {
	const op = "list documents"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, documentSelect+` ORDER BY d.source OFFSET $1 LIMIT $2`, offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Document, error) { return scanDocument(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// DeleteDocument removes a document and its chunks; ErrNotFound if none.
func (db *DB) DeleteDocument(ctx context.Context, id string) error {
	op := fmt.Sprintf("delete document %q", id)
	tag, err := db.pool.Exec(ctx, `DELETE FROM documents WHERE id = $1`, id)
	if err != nil {
		return dbErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

const chunkColumns = `c.id, c.document_id, c.position, c.heading, c.text, c.language, c.link, c.embedding`

// chunkScan receives one chunk from a row.
type chunkScan struct {
	c   store.Chunk
	emb *pgvector.Vector // nil for NULL
}

// dest are the Scan destinations of chunkColumns.
func (s *chunkScan) dest() []any {
	return []any{&s.c.ID, &s.c.DocumentID, &s.c.Position, &s.c.Heading, &s.c.Text, &s.c.Language, &s.c.Link, &s.emb}
}

func (s *chunkScan) chunk() store.Chunk {
	if s.emb != nil {
		s.c.Embedding = s.emb.Slice()
	}
	return s.c
}

// Chunks returns a document's chunks by position, with their (unit)
// embeddings; ErrNotFound if the document does not exist.
func (db *DB) Chunks(ctx context.Context, documentID string) ([]store.Chunk, error) {
	op := fmt.Sprintf("chunks of document %q", documentID)
	rows, err := db.pool.Query(ctx, `SELECT `+chunkColumns+` FROM chunks c WHERE c.document_id = $1 ORDER BY c.position`, documentID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	chunks, err := collect(rows, func(r pgx.Rows) (store.Chunk, error) {
		var s chunkScan
		if err := r.Scan(s.dest()...); err != nil {
			return store.Chunk{}, err
		}
		return s.chunk(), nil
	})
	if err != nil {
		return nil, dbErr(op, err)
	}
	if len(chunks) == 0 {
		if _, err := db.Document(ctx, documentID); err != nil {
			return nil, err
		}
	}
	return chunks, nil
}

// ReplaceEmbeddings sets new vectors for all chunks at once (keyed by
// chunk id) and records info, in one transaction: the way to switch
// embedders. Chunks missing from vectors, and vectors for chunks that do
// not exist, are ErrInvalid. When the dimension changes, the old HNSW index
// is dropped before and the new one built after the vectors are written.
func (db *DB) ReplaceEmbeddings(ctx context.Context, info store.IndexInfo, vectors map[string][]float32) error {
	op := fmt.Sprintf("replace embeddings with %s/%d", info.Embedder, info.Dimension)
	if err := checkIndexInfo(op, info); err != nil {
		return err
	}
	ids := make([]string, 0, len(vectors))
	units := make([]string, 0, len(vectors))
	for id, v := range vectors {
		if len(v) != info.Dimension {
			return invalid(op, "chunk %q: embedding has dimension %d", id, len(v))
		}
		u, err := unit(fmt.Sprintf("%s: chunk %q", op, id), v)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		units = append(units, u)
	}
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, knowledgeLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM chunks`)
		if err != nil {
			return err
		}
		stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range stored {
			if _, ok := vectors[id]; !ok {
				return fmt.Errorf("chunk %q has no vector: %w", id, store.ErrInvalid)
			}
		}
		if len(stored) != len(vectors) {
			return fmt.Errorf("%d vectors are for chunks that do not exist: %w", len(vectors)-len(stored), store.ErrInvalid)
		}
		if err := dropVectorIndexes(ctx, tx, info.Dimension); err != nil {
			return err
		}
		for from := 0; from < len(ids); from += insertBatch {
			to := min(from+insertBatch, len(ids))
			if _, err := tx.Exec(ctx, `UPDATE chunks c SET embedding = u.embedding::vector
				FROM unnest($1::text[], $2::text[]) AS u(id, embedding) WHERE c.id = u.id`,
				ids[from:to], units[from:to]); err != nil {
				return err
			}
		}
		return recordIndex(ctx, tx, info)
	})
	if err != nil {
		return dbErr(op, err)
	}
	return nil
}

func checkK(op string, k int) error {
	if k <= 0 {
		return invalid(op, "k is %d, want at least 1", k)
	}
	return nil
}

// filterSQL narrows chunks c of documents d by a SearchFilter given as
// the arguments $n, $n+1 and $n+2.
func filterSQL(n int) string {
	return fmt.Sprintf(`($%d = '' OR c.language = $%[1]d)
		AND ($%d = '' OR starts_with(d.source, $%[2]d))
		AND d.tags @> $%d::text[]`, n, n+1, n+2)
}

func filterArgs(f store.SearchFilter) []any {
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	return []any{f.Language, f.SourcePrefix, tags}
}

const hitColumns = chunkColumns + `, d.source, d.title, d.url`

func scanHits(rows pgx.Rows) ([]store.Hit, error) {
	hits, err := collect(rows, func(r pgx.Rows) (store.Hit, error) {
		var (
			h store.Hit
			s chunkScan
		)
		if err := r.Scan(append(s.dest(), &h.Source, &h.Title, &h.URL, &h.Score)...); err != nil {
			return store.Hit{}, err
		}
		h.Chunk = s.chunk()
		return h, nil
	})
	// An index scan returns rows nearly, not always exactly, in order of
	// distance (halfvec rounds it): order by the exact score.
	slices.SortStableFunc(hits, func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
	for k := range hits {
		hits[k].Rank = k + 1
	}
	return hits, err
}

// SearchVector returns the K chunks nearest to the query by cosine
// similarity (the score, 1 - cosine distance), best first, through the HNSW
// index of the recorded dimension. Filters apply inside the index scan
// (pgvector's iterative scan, from 0.8), so a narrow filter still fills K
// when it can. The graph walk keeps efSearch(K) candidates, for recall@10
// of at least 0.95 against exact search. No recorded dimension: no hits.
// A query of another dimension, or with no direction, is ErrInvalid.
func (db *DB) SearchVector(ctx context.Context, q store.VectorQuery) ([]store.Hit, error) {
	const op = "search vector"
	if err := checkK(op, q.K); err != nil {
		return nil, err
	}
	query, err := unit(op, q.Embedding)
	if err != nil {
		return nil, err
	}
	var hits []store.Hit
	err = db.inTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// SET LOCAL, through set_config(…, true): PGlite shares session
		// settings between connections; a transaction's own do not leak.
		// One round trip with reading the dimension.
		var (
			dim      int
			ef, iter string
		)
		settings, dest := `SELECT coalesce((SELECT dimension FROM knowledge_index), 0), set_config('hnsw.ef_search', $1, true)`, []any{&dim, &ef}
		if db.iterativeScan {
			settings, dest = settings+`, set_config('hnsw.iterative_scan', 'strict_order', true)`, append(dest, &iter)
		}
		if err := tx.QueryRow(ctx, settings, strconv.Itoa(efSearch(q.K))).Scan(dest...); err != nil {
			return err
		}
		if dim == 0 {
			hits = []store.Hit{}
			return nil
		}
		if len(q.Embedding) != dim {
			return fmt.Errorf("query has dimension %d, the index %d: %w", len(q.Embedding), dim, store.ErrInvalid)
		}
		rows, err := tx.Query(ctx, vectorSearchSQL(dim), append([]any{query, q.K}, filterArgs(q.Filter)...)...)
		if err != nil {
			return err
		}
		hits, err = scanHits(rows)
		return err
	})
	if err != nil {
		return nil, dbErr(op, err)
	}
	return hits, nil
}

// efSearch is hnsw.ef_search for a search of k: the size of the candidate
// list the graph walk keeps, at least k (or the walk returns fewer).
func efSearch(k int) int {
	return min(max(minEfSearch, efPerK*k, k), maxEfSearch)
}

// vectorSearchSQL is the query of SearchVector for vectors of dim: $1 the
// query vector as text, $2 K, $3… the filter. The ORDER BY expression and
// the vector_dims condition are the index's expression and predicate, or
// the index goes unused; the score is computed apart, at full precision,
// for the K rows only.
func vectorSearchSQL(dim int) string {
	cast, _, _ := vectorIndexCast(dim)
	return `SELECT ` + hitColumns + `, 1 - (c.embedding <=> $1::text::vector)
		FROM chunks c JOIN documents d ON d.id = c.document_id
		WHERE vector_dims(c.embedding) = ` + strconv.Itoa(dim) + ` AND ` + filterSQL(3) + `
		ORDER BY c.embedding::` + cast + ` <=> $1::text::` + cast + `
		LIMIT $2`
}

// BM25 parameters, the usual ones (and SQLite FTS5's).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// textSearchSQL is the query of SearchText: $1 the query terms, $2 each as
// a tsquery, $3 all of them OR-ed as a tsquery, $4 K, $5… the filter.
//
// Candidates come from the GIN index (any term matches); each term's
// document frequency too. A term's frequency in a chunk is the number of
// its positions; setweight and ts_filter first cut each candidate's
// tsvector down to the query's terms, so only those are unnested (on
// 10,000 chunks, five to ten times faster than unnesting every lexeme).
var textSearchSQL = fmt.Sprintf(`WITH stats AS (
		SELECT count(*)::float8 AS n, coalesce(avg(term_count), 0)::float8 AS avgdl FROM chunks
	), q AS (
		SELECT t.term, ln(1 + (s.n - df.n + 0.5) / (df.n + 0.5)) AS idf
		FROM unnest($1::text[], $2::text[]) AS t(term, tsq)
		CROSS JOIN stats s
		CROSS JOIN LATERAL (SELECT count(*)::float8 AS n FROM chunks WHERE terms @@ t.tsq::tsquery) df
	), scored AS (
		SELECT c.id, sum(q.idf * (tf.n * (%[1]g + 1)) / (tf.n + %[1]g * (1 - %[2]g + %[2]g * c.term_count / s.avgdl))) AS score
		FROM chunks c
		JOIN documents d ON d.id = c.document_id
		CROSS JOIN stats s
		CROSS JOIN LATERAL unnest(ts_filter(setweight(c.terms, 'A', $1::text[]), '{a}')) AS u(lexeme, positions, weights)
		JOIN q ON q.term = u.lexeme
		CROSS JOIN LATERAL (SELECT coalesce(array_length(u.positions, 1), 1)::float8 AS n) tf
		WHERE c.terms @@ $3::tsquery AND %[3]s
		GROUP BY c.id
		ORDER BY score DESC, c.id
		LIMIT $4
	)
	SELECT `+hitColumns+`, scored.score
	FROM scored JOIN chunks c ON c.id = scored.id JOIN documents d ON d.id = c.document_id
	ORDER BY scored.score DESC, c.id`, bm25K1, bm25B, filterSQL(5))

// SearchText returns the K best full-text matches, best first. Any query
// term may match; the score is BM25 (higher is better): the sum over the
// matched terms of their rarity in the knowledge base times their
// saturating frequency in the chunk, normalised by chunk length.
func (db *DB) SearchText(ctx context.Context, q store.TextQuery) ([]store.Hit, error) {
	const op = "search text"
	if err := checkK(op, q.K); err != nil {
		return nil, err
	}
	var terms, termQueries []string
	for _, t := range fulltext.QueryTerms(q.Text, q.Language) {
		if len(t) > maxLexemeBytes {
			continue
		}
		terms = append(terms, t)
		termQueries = append(termQueries, quoteLexeme(t))
	}
	if len(terms) == 0 {
		return []store.Hit{}, nil
	}
	rows, err := db.pool.Query(ctx, textSearchSQL,
		append([]any{terms, termQueries, strings.Join(termQueries, " | "), q.K}, filterArgs(q.Filter)...)...)
	if err != nil {
		return nil, dbErr(op, err)
	}
	hits, err := scanHits(rows)
	if err != nil {
		return nil, dbErr(op, err)
	}
	return hits, nil
}
