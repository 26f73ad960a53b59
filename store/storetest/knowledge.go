package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// requireSameDocument compares two documents: timestamps as instants, tags
// as a set. Chunks is compared only when countChunks is set, because the
// contract fills it "on read" and says nothing of what PutDocument returns.
func requireSameDocument(t *testing.T, want, got store.Document, countChunks bool, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.Tags, got.Tags = sortedStrings(want.Tags), sortedStrings(got.Tags)
	if !countChunks {
		want.Chunks, got.Chunks = 0, 0
	}
	require.Equal(t, want, got, what)
}

// requireSameChunk compares a chunk read back with the one given to
// PutDocument: the store fills ID and DocumentID, and the language falls
// back to the document's. Embeddings are compared after normalisation, as a
// store may keep only the direction (all that cosine similarity uses).
func requireSameChunk(t *testing.T, want, got store.Chunk, doc store.Document, what string) {
	t.Helper()
	require.NotEmpty(t, got.ID, "%s: the store must give the chunk an ID", what)
	require.Equal(t, doc.ID, got.DocumentID, "%s: DocumentID", what)
	if want.Language == "" {
		want.Language = doc.Language
	}
	requireSameDirection(t, want.Embedding, got.Embedding, what+": Embedding")
	want.ID, want.DocumentID, want.Embedding = got.ID, doc.ID, nil
	got.Embedding = nil
	require.Equal(t, want, got, what)
}

// requireSameDirection checks that two vectors are equal after
// normalisation, component by component, up to float32 rounding.
func requireSameDirection(t *testing.T, want, got []float32, what string) {
	t.Helper()
	require.Len(t, got, len(want), "%s: dimension", what)
	w, g := normalized(want), normalized(got)
	for i := range w {
		require.InDelta(t, w[i], g[i], 1e-5, "%s: component %d of the normalised vector (want %v, got %v)", what, i, w, g)
	}
}

// setIndex records an embedder and fails the test if that is not possible.
func (b *testBundle) setIndex(t *testing.T, embedder string, dim int) {
	t.Helper()
	require.NoError(t, b.store.SetKnowledgeIndex(b.ctx, store.IndexInfo{Embedder: embedder, Dimension: dim}), "SetKnowledgeIndex %s/%d", embedder, dim)
}

// putDocument stores a document and fails the test if that is not possible.
func (b *testBundle) putDocument(t *testing.T, d store.Document, chunks []store.Chunk) store.Document {
	t.Helper()
	got, err := b.store.PutDocument(b.ctx, d, chunks)
	require.NoError(t, err, "PutDocument %q", d.Source)
	return got
}

// chunks reads a document's chunks and fails the test if that is not
// possible.
func (b *testBundle) chunks(t *testing.T, documentID string) []store.Chunk {
	t.Helper()
	got, err := b.store.Chunks(b.ctx, documentID)
	require.NoError(t, err, "Chunks of %s", documentID)
	return got
}

func exerciseKnowledge(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Collections", func(t *testing.T) {
		b := setup(t, open)
		cs, err := b.store.KnowledgeCollections(b.ctx)
		require.NoError(t, err, "KnowledgeCollections of a new store")
		require.Empty(t, cs, "KnowledgeCollections of a new store")

		a, err := b.store.AddKnowledgeCollection(b.ctx, "/srv/a/docs", "docs")
		require.NoError(t, err, "AddKnowledgeCollection")
		require.Equal(t, "docs", a.Name)
		require.Equal(t, "/srv/a/docs", a.Root)
		require.False(t, a.CreatedAt.IsZero(), "CreatedAt is set")
		again, err := b.store.AddKnowledgeCollection(b.ctx, "/srv/a/docs", "other")
		require.NoError(t, err, "AddKnowledgeCollection of a known root")
		require.Equal(t, "docs", again.Name, "a known root keeps its name")
		requireSameTime(t, a.CreatedAt, again.CreatedAt, "a known root keeps its CreatedAt")

		// Another folder of the same name gets a name of its own.
		for i, want := range []string{"docs-2", "docs-3"} {
			c, err := b.store.AddKnowledgeCollection(b.ctx, fmt.Sprintf("/srv/b%d/docs", i), "docs")
			require.NoError(t, err, "AddKnowledgeCollection of a second docs folder")
			require.Equal(t, want, c.Name, "the first free name")
		}
		cs, err = b.store.KnowledgeCollections(b.ctx)
		require.NoError(t, err, "KnowledgeCollections")
		var names []string
		for _, c := range cs {
			names = append(names, c.Name+"="+c.Root)
		}
		require.Equal(t, []string{"docs=/srv/a/docs", "docs-2=/srv/b0/docs", "docs-3=/srv/b1/docs"}, names, "ordered by name")

		for _, bad := range [][2]string{{"", "x"}, {"/srv/x", ""}, {"/srv/x", "a/b"}} {
			_, err := b.store.AddKnowledgeCollection(b.ctx, bad[0], bad[1])
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("AddKnowledgeCollection(%q, %q)", bad[0], bad[1]))
		}
	})
	t.Run("IndexInfo", func(t *testing.T) {
		b := setup(t, open)
		info, err := b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex of a new store")
		require.Zero(t, info, "KnowledgeIndex of a new store: the zero IndexInfo")

		b.setIndex(t, "offline-ngram-v1", 4)
		info, err = b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex")
		require.Equal(t, store.IndexInfo{Embedder: "offline-ngram-v1", Dimension: 4}, info, "KnowledgeIndex after SetKnowledgeIndex")

		// With no chunks yet, nothing stands in the way of a new dimension.
		b.setIndex(t, "other", 8)
		b.setIndex(t, "offline-ngram-v1", 4)
		b.setIndex(t, "offline-ngram-v1", 4) // again: the same info is no change

		doc := b.putDocument(t, store.Document{Source: "faq.md", Title: "FAQ", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "uno", Embedding: []float32{1, 0, 0, 0}}})

		err = b.store.SetKnowledgeIndex(b.ctx, store.IndexInfo{Embedder: "bigger", Dimension: 8})
		requireErrorIs(t, err, store.ErrConflict, "SetKnowledgeIndex changing the dimension while embedded chunks exist")
		info, err = b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex after a refused change")
		require.Equal(t, store.IndexInfo{Embedder: "offline-ngram-v1", Dimension: 4}, info, "a refused SetKnowledgeIndex must change nothing")

		// Only the dimension is guarded: a new name for the same dimension
		// (a renamed or re-versioned embedder) is recorded.
		b.setIndex(t, "offline-ngram-v2", 4)
		info, err = b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex after renaming the embedder")
		require.Equal(t, store.IndexInfo{Embedder: "offline-ngram-v2", Dimension: 4}, info, "SetKnowledgeIndex with the same dimension and embedded chunks")
		b.setIndex(t, "offline-ngram-v1", 4)

		_, err = b.store.PutDocument(b.ctx, store.Document{Source: "wrong.md", Title: "Wrong", Language: "es"},
			[]store.Chunk{
				{Position: 0, Text: "bien", Embedding: []float32{1, 0, 0, 0}},
				{Position: 1, Text: "mal", Embedding: []float32{1, 0, 0}},
			})
		requireErrorIs(t, err, store.ErrInvalid, "PutDocument with an embedding of the wrong dimension")
		_, err = b.store.DocumentBySource(b.ctx, "wrong.md")
		requireErrorIs(t, err, store.ErrNotFound, "a refused PutDocument must store no document")

		// Replacing with a bad chunk must leave the old version whole: one
		// transaction.
		_, err = b.store.PutDocument(b.ctx, store.Document{Source: "faq.md", Title: "FAQ v2", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "dos", Embedding: []float32{0, 1, 0, 0, 0}}})
		requireErrorIs(t, err, store.ErrInvalid, "PutDocument replacing a document with a wrong-dimension embedding")
		got, err := b.store.DocumentBySource(b.ctx, "faq.md")
		require.NoError(t, err, "DocumentBySource after a refused replacement")
		require.Equal(t, "FAQ", got.Title, "a refused replacement must keep the old document")
		chunks := b.chunks(t, doc.ID)
		require.Len(t, chunks, 1, "a refused replacement must keep the old chunks")
		require.Equal(t, "uno", chunks[0].Text, "a refused replacement must keep the old chunks")

		// Once the embedded chunks are gone, the dimension may change.
		require.NoError(t, b.store.DeleteDocument(b.ctx, doc.ID), "DeleteDocument")
		b.setIndex(t, "bigger", 8)
		info, err = b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex")
		require.Equal(t, store.IndexInfo{Embedder: "bigger", Dimension: 8}, info, "KnowledgeIndex after deleting every document and changing the dimension")
		b.putDocument(t, store.Document{Source: "faq.md", Title: "FAQ", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "ocho", Embedding: []float32{0, 0, 0, 0, 0, 0, 0, 1}}})
	})

	t.Run("DocumentRoundTrip", func(t *testing.T) {
		b := setup(t, open)
		b.setIndex(t, "test", 4)
		in := store.Document{
			Source: "cursos/ia-101.md", Title: "IA 101: Introducción", Language: "es",
			ContentHash: "sha256:0f1e2d", URL: "https://example.com/cursos/ia-101", Tags: []string{"ia", "curso"},
		}
		// Given out of order: Chunks must come back by position.
		chunks := []store.Chunk{
			{Position: 2, Heading: "Precios > Descuentos", Text: "20 % de descuento para equipos.", Link: "cursos/ia-101.md#descuentos", Embedding: []float32{0, 0, 3, 4}},
			{Position: 0, Heading: "IA 101", Text: "Un curso práctico de inteligencia artificial.", Link: "cursos/ia-101.md", Embedding: []float32{1, 0, 0, 0}},
			{Position: 1, Heading: "IA 101 > Syllabus", Text: "The syllabus is in English.", Language: "en", Link: "cursos/ia-101.md#syllabus", Embedding: []float32{0.5, -0.25, 2, 0.125}},
		}
		before := time.Now()
		put, err := b.store.PutDocument(b.ctx, in, chunks)
		after := time.Now()
		require.NoError(t, err, "PutDocument")
		require.NotEmpty(t, put.ID, "PutDocument must give the document an ID")
		requireStoreTime(t, put.CreatedAt, before, after, "PutDocument: CreatedAt")
		requireStoreTime(t, put.UpdatedAt, before, after, "PutDocument: UpdatedAt")
		want := in
		want.ID, want.CreatedAt, want.UpdatedAt, want.Chunks = put.ID, put.CreatedAt, put.UpdatedAt, len(chunks)
		requireSameDocument(t, want, put, false, "PutDocument returns what it stored")

		got, err := b.store.Document(b.ctx, put.ID)
		require.NoError(t, err, "Document by id")
		requireSameDocument(t, want, got, true, "Document(id): what PutDocument stored, with Chunks counted")
		again, err := b.store.Document(b.ctx, put.ID)
		require.NoError(t, err, "Document by id, second read")
		requireSameDocument(t, got, again, true, "two reads of one document")
		got, err = b.store.DocumentBySource(b.ctx, in.Source)
		require.NoError(t, err, "DocumentBySource")
		requireSameDocument(t, want, got, true, "DocumentBySource")

		stored := b.chunks(t, put.ID)
		require.Len(t, stored, len(chunks), "Chunks returns every chunk")
		byPosition := slices.Clone(chunks)
		slices.SortFunc(byPosition, func(a, b store.Chunk) int { return a.Position - b.Position })
		ids := map[string]bool{}
		for i := range stored {
			requireSameChunk(t, byPosition[i], stored[i], put, fmt.Sprintf("Chunks[%d] (ordered by position)", i))
			require.False(t, ids[stored[i].ID], "chunk ID %s given twice", stored[i].ID)
			ids[stored[i].ID] = true
		}

		_, err = b.store.Document(b.ctx, "no-such-document")
		requireErrorIs(t, err, store.ErrNotFound, "Document of a missing id")
		_, err = b.store.DocumentBySource(b.ctx, "cursos/ia-999.md")
		requireErrorIs(t, err, store.ErrNotFound, "DocumentBySource of an unknown source")
		none, err := b.store.Chunks(b.ctx, "no-such-document")
		requireEmptyOrNotFound(t, len(none), err, "Chunks of a missing document")

		// The same source again replaces the document and all its chunks.
		// It stays the same document (same ID, same CreatedAt): a re-ingest
		// of a changed file is an edit, not a new source.
		time.Sleep(5 * time.Millisecond)
		in2 := store.Document{Source: in.Source, Title: "IA 101 (2ª edición)", Language: "es", ContentHash: "sha256:aaaa", Tags: []string{"ia"}}
		chunks2 := []store.Chunk{
			{Position: 0, Heading: "IA 101", Text: "Segunda edición del curso.", Embedding: []float32{0, 1, 0, 0}},
			{Position: 1, Heading: "IA 101 > Fechas", Text: "Empieza en abril.", Embedding: []float32{0, 0, 0, 1}},
		}
		before = time.Now()
		replaced, err := b.store.PutDocument(b.ctx, in2, chunks2)
		after = time.Now()
		require.NoError(t, err, "PutDocument replacing a source")
		require.Equal(t, put.ID, replaced.ID, "PutDocument with a known source replaces that document: same ID")
		requireSameTime(t, put.CreatedAt, replaced.CreatedAt, "PutDocument replacing keeps CreatedAt")
		requireStoreTime(t, replaced.UpdatedAt, before, after, "PutDocument replacing: UpdatedAt")
		want2 := in2
		want2.ID, want2.CreatedAt, want2.UpdatedAt, want2.Chunks = put.ID, put.CreatedAt, replaced.UpdatedAt, len(chunks2)
		got, err = b.store.Document(b.ctx, put.ID)
		require.NoError(t, err, "Document after replacement")
		requireSameDocument(t, want2, got, true, "Document after PutDocument replaced it (URL cleared, tags replaced)")
		stored = b.chunks(t, put.ID)
		require.Len(t, stored, len(chunks2), "Chunks after replacement: only the new chunks")
		for i := range stored {
			requireSameChunk(t, chunks2[i], stored[i], replaced, fmt.Sprintf("Chunks[%d] after replacement", i))
		}
		list, err := b.store.ListDocuments(b.ctx, 0, 10)
		require.NoError(t, err, "ListDocuments")
		require.Len(t, list, 1, "replacing a source must not add a document")

		// A document may have no chunks (an empty page) and no tags.
		empty := b.putDocument(t, store.Document{Source: "vacio.md", Title: "Vacío", Language: "es"}, nil)
		got, err = b.store.Document(b.ctx, empty.ID)
		require.NoError(t, err, "Document without chunks")
		require.Equal(t, 0, got.Chunks, "Document without chunks: Chunks")
		require.Empty(t, got.Tags, "Document without tags: Tags")
		require.Empty(t, b.chunks(t, empty.ID), "Chunks of a document without chunks")
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		b := setup(t, open)
		b.setIndex(t, "test", 4)
		list, err := b.store.ListDocuments(b.ctx, 0, 10)
		require.NoError(t, err, "ListDocuments on an empty store")
		require.Empty(t, list, "ListDocuments on an empty store")

		// Stored out of order; all lower case ASCII, so that byte order and
		// any database collation agree on "ordered by source".
		sources := []string{"faq/precios.md", "cursos/ia-101.md", "blog/novedades.md", "cursos/ia-102.md", "cursos.md"}
		docs := map[string]store.Document{}
		for i, src := range sources {
			docs[src] = b.putDocument(t, store.Document{Source: src, Title: src, Language: "es"}, []store.Chunk{
				{Position: 0, Text: "texto " + src, Embedding: []float32{float32(i + 1), 1, 0, 0}},
				{Position: 1, Text: "más texto " + src, Embedding: []float32{0, 0, float32(i + 1), 1}},
			})
		}
		ordered := slices.Sorted(slices.Values(sources))
		list, err = b.store.ListDocuments(b.ctx, 0, 10)
		require.NoError(t, err, "ListDocuments")
		var got []string
		for _, d := range list {
			got = append(got, d.Source)
			require.Equal(t, 2, d.Chunks, "ListDocuments: Chunks of %s", d.Source)
		}
		require.Equal(t, ordered, got, "ListDocuments is ordered by source")
		page, err := b.store.ListDocuments(b.ctx, 2, 2)
		require.NoError(t, err, "ListDocuments offset 2 limit 2")
		got = nil
		for _, d := range page {
			got = append(got, d.Source)
		}
		require.Equal(t, ordered[2:4], got, "ListDocuments offset 2 limit 2")
		page, err = b.store.ListDocuments(b.ctx, 1, 0)
		require.NoError(t, err, "ListDocuments limit 0")
		require.Len(t, page, len(sources)-1, "ListDocuments offset 1 limit 0: limit 0 means no cap")
		for _, p := range [][2]int{{-1, 3}, {0, -1}} {
			_, err = b.store.ListDocuments(b.ctx, p[0], p[1])
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("ListDocuments offset %d limit %d", p[0], p[1]))
		}

		victim := docs["cursos/ia-101.md"]
		victimChunks := b.chunks(t, victim.ID)
		require.NoError(t, b.store.DeleteDocument(b.ctx, victim.ID), "DeleteDocument")
		_, err = b.store.Document(b.ctx, victim.ID)
		requireErrorIs(t, err, store.ErrNotFound, "Document after DeleteDocument")
		_, err = b.store.DocumentBySource(b.ctx, victim.Source)
		requireErrorIs(t, err, store.ErrNotFound, "DocumentBySource after DeleteDocument")
		gone, err := b.store.Chunks(b.ctx, victim.ID)
		requireEmptyOrNotFound(t, len(gone), err, "Chunks after DeleteDocument")
		err = b.store.DeleteDocument(b.ctx, victim.ID)
		requireErrorIs(t, err, store.ErrNotFound, "DeleteDocument twice")

		// Its chunks must be gone from search too, even when asked for with
		// their own vectors.
		for _, c := range victimChunks {
			hits, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: c.Embedding, K: 10})
			require.NoError(t, err, "SearchVector after DeleteDocument")
			require.Len(t, hits, 8, "SearchVector with K above the corpus returns every remaining chunk")
			for _, h := range hits {
				require.NotEqual(t, victim.ID, h.Chunk.DocumentID, "SearchVector returned chunk %s of a deleted document", h.Chunk.ID)
			}
		}
		hits, err := b.store.SearchText(b.ctx, store.TextQuery{Text: "texto", K: 20})
		require.NoError(t, err, "SearchText after DeleteDocument")
		require.Len(t, hits, 8, "SearchText after DeleteDocument: the remaining chunks, all of which say \"texto\"")
		for _, h := range hits {
			require.NotEqual(t, victim.ID, h.Chunk.DocumentID, "SearchText returned chunk %s of a deleted document", h.Chunk.ID)
		}

		for _, src := range sources {
			if src == victim.Source {
				continue
			}
			require.Len(t, b.chunks(t, docs[src].ID), 2, "deleting one document must leave the chunks of %s", src)
		}
		list, err = b.store.ListDocuments(b.ctx, 0, 10)
		require.NoError(t, err, "ListDocuments after delete")
		require.Len(t, list, len(sources)-1, "ListDocuments after delete")
	})

	t.Run("Invalid", func(t *testing.T) {
		b := setup(t, open)
		err := b.store.SetKnowledgeIndex(b.ctx, store.IndexInfo{Embedder: "test", Dimension: 0})
		requireErrorIs(t, err, store.ErrInvalid, "SetKnowledgeIndex with dimension 0")
		err = b.store.SetKnowledgeIndex(b.ctx, store.IndexInfo{Embedder: "test", Dimension: -4})
		requireErrorIs(t, err, store.ErrInvalid, "SetKnowledgeIndex with a negative dimension")
		err = b.store.SetKnowledgeIndex(b.ctx, store.IndexInfo{Embedder: "", Dimension: 3})
		requireErrorIs(t, err, store.ErrInvalid, "SetKnowledgeIndex with an empty embedder name")
		info, err := b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex")
		require.Zero(t, info, "a refused SetKnowledgeIndex records nothing")

		// Embeddings before any embedder is recorded: no dimension to check
		// them against, and no name to check queries against later.
		_, err = b.store.PutDocument(b.ctx, store.Document{Source: "pronto.md", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "x", Embedding: []float32{1, 0, 0}}})
		requireErrorIs(t, err, store.ErrInvalid, "PutDocument with an embedding before SetKnowledgeIndex")
		info, err = b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex")
		require.Zero(t, info, "a refused PutDocument records no index")
		_, err = b.store.DocumentBySource(b.ctx, "pronto.md")
		requireErrorIs(t, err, store.ErrNotFound, "a refused PutDocument stores no document")
		// Without embeddings there is nothing to check: text only.
		textOnly := b.putDocument(t, store.Document{Source: "texto.md", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "solo texto"}})
		require.NoError(t, b.store.DeleteDocument(b.ctx, textOnly.ID), "DeleteDocument")

		b.setIndex(t, "test", 3)
		doc := store.Document{Title: "Sin fuente", Language: "es"}
		_, err = b.store.PutDocument(b.ctx, doc, []store.Chunk{{Position: 0, Text: "x", Embedding: []float32{1, 0, 0}}})
		requireErrorIs(t, err, store.ErrInvalid, "PutDocument without a source")
		doc.Source = "a.md"
		nan := float32(math.NaN())
		inf := float32(math.Inf(1))
		// No direction, no cosine similarity (pgvector answers NaN): refused
		// wherever a vector is given.
		noDirection := map[string][]float32{"NaN": {1, nan, 0}, "+Inf": {inf, 0, 0}, "all zeros": {0, 0, 0}}
		for what, v := range noDirection {
			_, err = b.store.PutDocument(b.ctx, doc, []store.Chunk{{Position: 0, Text: "x", Embedding: v}})
			requireErrorIs(t, err, store.ErrInvalid, "PutDocument with an embedding of "+what)
		}
		_, err = b.store.PutDocument(b.ctx, doc, []store.Chunk{
			{Position: 0, Text: "x", Embedding: []float32{1, 0, 0}},
			{Position: 0, Text: "y", Embedding: []float32{0, 1, 0}},
		})
		requireErrorIs(t, err, store.ErrInvalid, "PutDocument with two chunks at one position")
		list, err := b.store.ListDocuments(b.ctx, 0, 10)
		require.NoError(t, err, "ListDocuments")
		require.Empty(t, list, "refused documents must not be stored")

		stored := b.putDocument(t, doc, []store.Chunk{{Position: 0, Text: "x", Embedding: []float32{1, 0, 0}}})
		for _, k := range []int{0, -1} {
			_, err = b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: []float32{1, 0, 0}, K: k})
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("SearchVector with K=%d", k))
			_, err = b.store.SearchText(b.ctx, store.TextQuery{Text: "x", K: k})
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("SearchText with K=%d", k))
		}
		for what, v := range noDirection {
			_, err = b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: v, K: 1})
			requireErrorIs(t, err, store.ErrInvalid, "SearchVector with a query of "+what)
		}
		chunks := b.chunks(t, stored.ID)
		for what, v := range noDirection {
			err = b.store.ReplaceEmbeddings(b.ctx, store.IndexInfo{Embedder: "test", Dimension: 3}, map[string][]float32{chunks[0].ID: v})
			requireErrorIs(t, err, store.ErrInvalid, "ReplaceEmbeddings with a vector of "+what)
		}
		err = b.store.ReplaceEmbeddings(b.ctx, store.IndexInfo{Embedder: "", Dimension: 3}, map[string][]float32{chunks[0].ID: {0, 1, 0}})
		requireErrorIs(t, err, store.ErrInvalid, "ReplaceEmbeddings with an empty embedder name")
		requireSameDirection(t, []float32{1, 0, 0}, b.chunks(t, chunks[0].DocumentID)[0].Embedding, "refused ReplaceEmbeddings keep the vector")
	})

	t.Run("ReplaceEmbeddings", func(t *testing.T) {
		b := setup(t, open)
		b.setIndex(t, "old", 4)
		d1 := b.putDocument(t, store.Document{Source: "a.md", Title: "A", Language: "es"}, []store.Chunk{
			{Position: 0, Text: "a0", Embedding: []float32{1, 0, 0, 0}},
			{Position: 1, Text: "a1", Embedding: []float32{0, 1, 0, 0}},
		})
		d2 := b.putDocument(t, store.Document{Source: "b.md", Title: "B", Language: "en"}, []store.Chunk{
			{Position: 0, Text: "b0", Embedding: []float32{0, 0, 1, 0}},
		})
		var all []store.Chunk
		all = append(all, b.chunks(t, d1.ID)...)
		all = append(all, b.chunks(t, d2.ID)...)
		require.Len(t, all, 3, "chunks stored")

		// New vectors of another dimension: each chunk gets its own axis,
		// in reverse order, so a search can tell old from new.
		vectors := map[string][]float32{}
		for i, c := range all {
			v := make([]float32, 3)
			v[2-i] = 2
			vectors[c.ID] = v
		}
		requireUnchanged := func(what string) {
			t.Helper()
			info, err := b.store.KnowledgeIndex(b.ctx)
			require.NoError(t, err, "KnowledgeIndex")
			require.Equal(t, store.IndexInfo{Embedder: "old", Dimension: 4}, info, "%s: a refused ReplaceEmbeddings must keep the index info", what)
			for _, c := range all {
				now := b.chunks(t, c.DocumentID)
				i := slices.IndexFunc(now, func(x store.Chunk) bool { return x.ID == c.ID })
				require.GreaterOrEqual(t, i, 0, "%s: chunk %s disappeared", what, c.ID)
				requireSameDirection(t, c.Embedding, now[i].Embedding, what+": a refused ReplaceEmbeddings must keep the old vectors")
			}
		}

		partial := map[string][]float32{all[0].ID: vectors[all[0].ID], all[1].ID: vectors[all[1].ID]}
		err := b.store.ReplaceEmbeddings(b.ctx, store.IndexInfo{Embedder: "new", Dimension: 3}, partial)
		requireErrorIs(t, err, store.ErrInvalid, "ReplaceEmbeddings missing a chunk")
		requireUnchanged("missing a chunk")

		wrongDim := map[string][]float32{all[0].ID: vectors[all[0].ID], all[1].ID: vectors[all[1].ID], all[2].ID: {1, 2}}
		err = b.store.ReplaceEmbeddings(b.ctx, store.IndexInfo{Embedder: "new", Dimension: 3}, wrongDim)
		requireErrorIs(t, err, store.ErrInvalid, "ReplaceEmbeddings with a vector not of info.Dimension")
		requireUnchanged("a vector of the wrong dimension")

		extra := map[string][]float32{"no-such-chunk": {1, 1, 1}}
		for id, v := range vectors {
			extra[id] = v
		}
		err = b.store.ReplaceEmbeddings(b.ctx, store.IndexInfo{Embedder: "new", Dimension: 3}, extra)
		requireErrorIs(t, err, store.ErrInvalid, "ReplaceEmbeddings with a vector for a chunk that does not exist")
		requireUnchanged("a vector for an unknown chunk")

		require.NoError(t, b.store.ReplaceEmbeddings(b.ctx, store.IndexInfo{Embedder: "new", Dimension: 3}, vectors), "ReplaceEmbeddings")
		info, err := b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err, "KnowledgeIndex after ReplaceEmbeddings")
		require.Equal(t, store.IndexInfo{Embedder: "new", Dimension: 3}, info, "ReplaceEmbeddings records the new embedder")
		for _, c := range all {
			now := b.chunks(t, c.DocumentID)
			i := slices.IndexFunc(now, func(x store.Chunk) bool { return x.ID == c.ID })
			require.GreaterOrEqual(t, i, 0, "chunk %s disappeared in ReplaceEmbeddings", c.ID)
			requireSameDirection(t, vectors[c.ID], now[i].Embedding, "Chunks after ReplaceEmbeddings: the new vector")
			require.Equal(t, c.Text, now[i].Text, "ReplaceEmbeddings must change only vectors")
		}
		for _, c := range all {
			hits, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: vectors[c.ID], K: 1})
			require.NoError(t, err, "SearchVector with a vector of the new dimension")
			require.Len(t, hits, 1, "SearchVector K=1 after ReplaceEmbeddings")
			require.Equal(t, c.ID, hits[0].Chunk.ID, "SearchVector after ReplaceEmbeddings must search the new vectors")
			require.InDelta(t, 1.0, hits[0].Score, 1e-4, "cosine of a vector with itself")
		}

		_, err = b.store.PutDocument(b.ctx, store.Document{Source: "c.md", Title: "C", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "c0", Embedding: []float32{1, 0, 0, 0}}})
		requireErrorIs(t, err, store.ErrInvalid, "PutDocument with the old dimension after ReplaceEmbeddings")
		b.putDocument(t, store.Document{Source: "c.md", Title: "C", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "c0", Embedding: []float32{1, 1, 0}}})
	})

	t.Run("ChunkWithoutVector", func(t *testing.T) {
		b := setup(t, open)
		b.setIndex(t, "test", 3)
		doc := b.putDocument(t, store.Document{Source: "mixto.md", Title: "Mixto", Language: "es"}, []store.Chunk{
			{Position: 0, Text: "tiene vector y habla de becas", Embedding: []float32{1, 0, 0}},
			{Position: 1, Text: "solo texto sobre becas y horarios"},
		})
		stored := b.chunks(t, doc.ID)
		require.Len(t, stored, 2, "Chunks")
		require.Empty(t, stored[1].Embedding, "a chunk stored without a vector reads back without one")

		hits, err := b.store.SearchText(b.ctx, store.TextQuery{Text: "horarios", K: 5})
		require.NoError(t, err, "SearchText")
		require.Len(t, hits, 1, "SearchText finds the chunk without a vector")
		require.Equal(t, stored[1].ID, hits[0].Chunk.ID, "SearchText finds the chunk without a vector")
		hits, err = b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: []float32{0, 1, 1}, K: 5})
		require.NoError(t, err, "SearchVector")
		require.Len(t, hits, 1, "SearchVector returns only chunks with a vector")
		require.Equal(t, stored[0].ID, hits[0].Chunk.ID, "SearchVector returns only chunks with a vector")
	})

	// Enough chunks that a database plans and builds a vector index over
	// them for real: a PostgreSQL bug (the new dimension's HNSW index built
	// over the replaced row versions, failing to cast them) hid behind the
	// three chunks above. Up and down in dimension, every chunk must be
	// found by its new vector.
	t.Run("ReplaceEmbeddingsManyChunks", func(t *testing.T) {
		b := setup(t, open)
		const docs, perDoc = 4, 5 // 20 chunks
		b.setIndex(t, "small", 8)
		var all []store.Chunk
		for d := range docs {
			cs := make([]store.Chunk, perDoc)
			for i := range cs {
				v := make([]float32, 8)
				v[(d*perDoc+i)%8] = 1
				v[(d*perDoc+i+3)%8] = float32(d + 1)
				cs[i] = store.Chunk{Position: i, Text: fmt.Sprintf("trozo %d del documento %d", i, d), Embedding: v}
			}
			doc := b.putDocument(t, store.Document{Source: fmt.Sprintf("many/%d.md", d), Title: "Many", Language: "es"}, cs)
			all = append(all, b.chunks(t, doc.ID)...)
		}
		require.Len(t, all, docs*perDoc, "chunks stored")

		for _, dim := range []int{24, 6} {
			info := store.IndexInfo{Embedder: fmt.Sprintf("switch-%d", dim), Dimension: dim}
			vectors := map[string][]float32{}
			for i, c := range all {
				// One axis for each of the first dim chunks, then two axes:
				// every vector is a distinct direction.
				v := make([]float32, dim)
				v[i%dim] = 1
				if i >= dim {
					v[(i/dim+i)%dim] += 2
				}
				vectors[c.ID] = v
			}
			require.NoError(t, b.store.ReplaceEmbeddings(b.ctx, info, vectors), "ReplaceEmbeddings of %d chunks to dimension %d", len(all), dim)
			got, err := b.store.KnowledgeIndex(b.ctx)
			require.NoError(t, err, "KnowledgeIndex")
			require.Equal(t, info, got, "ReplaceEmbeddings records the new embedder")
			for _, c := range all {
				now := b.chunks(t, c.DocumentID)
				i := slices.IndexFunc(now, func(x store.Chunk) bool { return x.ID == c.ID })
				require.GreaterOrEqual(t, i, 0, "chunk %s disappeared in ReplaceEmbeddings", c.ID)
				requireSameDirection(t, vectors[c.ID], now[i].Embedding, fmt.Sprintf("Chunks after ReplaceEmbeddings to dimension %d", dim))
				hits, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: vectors[c.ID], K: 1})
				require.NoError(t, err, "SearchVector of dimension %d", dim)
				require.Len(t, hits, 1, "SearchVector K=1 after ReplaceEmbeddings to dimension %d", dim)
				require.Equal(t, c.ID, hits[0].Chunk.ID, "SearchVector after ReplaceEmbeddings to dimension %d: the chunk's own vector finds it", dim)
				require.InDelta(t, 1.0, hits[0].Score, 1e-4, "cosine of a vector with itself")
			}
			hits, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: vectors[all[0].ID], K: len(all) + 5})
			require.NoError(t, err, "SearchVector with K above the corpus")
			require.Len(t, hits, len(all), "SearchVector with K above the corpus returns every chunk after ReplaceEmbeddings to dimension %d", dim)
		}
	})
}
