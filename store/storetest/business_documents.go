package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseGeneratedDocuments(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		content := []byte("%PDF-1.3 certificado de Íñigo\x00\xff binary")
		in := store.GeneratedDocument{
			Template: "certificate", Format: "pdf", Language: "es",
			Variables: json.RawMessage(`{"student_name":"Íñigo","course_title":"IA 101"}`),
			Content:   content, ContentType: "application/pdf", Filename: "certificado-inigo.pdf",
			CreatedBy: "contact-1", ForContact: "contact-1", ConversationID: "conv-1",
			Size: 1, SHA256: "wrong", // computed by the store
		}
		before := time.Now()
		d, created, err := s.SaveGeneratedDocument(ctx, in)
		after := time.Now()
		require.NoError(t, err, "SaveGeneratedDocument")
		require.True(t, created)
		require.NotEmpty(t, d.ID)
		sum := sha256.Sum256(content)
		require.Equal(t, hex.EncodeToString(sum[:]), d.SHA256, "the store computes the digest")
		require.Equal(t, int64(len(content)), d.Size)
		require.Equal(t, content, d.Content)
		requireStoreTime(t, d.CreatedAt, before, after, "SaveGeneratedDocument: CreatedAt")
		require.JSONEq(t, string(in.Variables), string(d.Variables))
		require.Equal(t, "certificate", d.Template)
		require.Equal(t, "pdf", d.Format)
		require.Equal(t, "es", d.Language)
		require.Equal(t, "application/pdf", d.ContentType)
		require.Equal(t, "certificado-inigo.pdf", d.Filename)
		require.Equal(t, "contact-1", d.CreatedBy)
		require.Equal(t, "contact-1", d.ForContact)
		require.Equal(t, "conv-1", d.ConversationID)

		got, err := s.GeneratedDocument(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, content, got.Content, "the bytes come back exactly")
		requireSameTime(t, d.CreatedAt, got.CreatedAt, "GeneratedDocument: CreatedAt")
		got.CreatedAt, got.Variables = d.CreatedAt, d.Variables
		require.Equal(t, d, got)

		_, err = s.GeneratedDocument(ctx, "no-such-document")
		requireErrorIs(t, err, store.ErrNotFound, "GeneratedDocument of an unknown id")

		// Optional fields stay empty; empty variables are {}.
		p, created, err := s.SaveGeneratedDocument(ctx, store.GeneratedDocument{Template: "proposal", Format: "html",
			Content: []byte("<p>x</p>"), ContentType: "text/html; charset=utf-8", CreatedBy: "api:sales"})
		require.NoError(t, err)
		require.True(t, created)
		require.Empty(t, p.ForContact)
		require.Empty(t, p.ConversationID)
		require.JSONEq(t, `{}`, string(p.Variables))

		for name, bad := range map[string]store.GeneratedDocument{
			"no template":     {Format: "pdf", Content: content, ContentType: "application/pdf", CreatedBy: "x"},
			"no format":       {Template: "t", Content: content, ContentType: "application/pdf", CreatedBy: "x"},
			"no content":      {Template: "t", Format: "pdf", ContentType: "application/pdf", CreatedBy: "x"},
			"no content type": {Template: "t", Format: "pdf", Content: content, CreatedBy: "x"},
			"no creator":      {Template: "t", Format: "pdf", Content: content, ContentType: "application/pdf"},
			"variables array": {Template: "t", Format: "pdf", Content: content, ContentType: "application/pdf", CreatedBy: "x", Variables: json.RawMessage(`[1]`)},
			"variables bad":   {Template: "t", Format: "pdf", Content: content, ContentType: "application/pdf", CreatedBy: "x", Variables: json.RawMessage(`{`)},
		} {
			_, _, err := s.SaveGeneratedDocument(ctx, bad)
			requireErrorIs(t, err, store.ErrInvalid, "SaveGeneratedDocument: "+name)
		}
	})

	t.Run("Dedupe", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		in := store.GeneratedDocument{Template: "proposal", Format: "pdf", Content: []byte("first"),
			ContentType: "application/pdf", CreatedBy: "c1", DedupeKey: "k1"}
		first, created, err := s.SaveGeneratedDocument(ctx, in)
		require.NoError(t, err)
		require.True(t, created)
		in.Content = []byte("second")
		again, created, err := s.SaveGeneratedDocument(ctx, in)
		require.NoError(t, err)
		require.False(t, created, "the same key stores nothing new")
		require.Equal(t, first.ID, again.ID)
		require.Equal(t, []byte("first"), again.Content, "the stored document comes back, with its content")

		in.DedupeKey = "k2"
		other, created, err := s.SaveGeneratedDocument(ctx, in)
		require.NoError(t, err)
		require.True(t, created)
		require.NotEqual(t, first.ID, other.ID)
		in.DedupeKey = ""
		for range 2 {
			_, created, err := s.SaveGeneratedDocument(ctx, in)
			require.NoError(t, err)
			require.True(t, created, "no key: never de-duplicated")
		}
	})

	// Concurrent saves of one key store one document. On PGlite they run
	// one at a time; this proves it on SQLite and a real server.
	t.Run("Concurrent", func(t *testing.T) {
		b := setup(t, open)
		const n = 10
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			ids     = map[string]int{}
			created int
		)
		for range n {
			wg.Go(func() {
				d, c, err := b.store.SaveGeneratedDocument(b.ctx, store.GeneratedDocument{Template: "invoice", Format: "markdown",
					Content: []byte("# Factura"), ContentType: "text/markdown", CreatedBy: "c1", DedupeKey: "same"})
				mu.Lock()
				defer mu.Unlock()
				if !assertNoError(t, err) {
					return
				}
				ids[d.ID]++
				if c {
					created++
				}
			})
		}
		wg.Wait()
		require.Len(t, ids, 1, "one document for one key")
		require.Equal(t, 1, created)
	})

	t.Run("List", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		save := func(tmpl, by, forC string) store.GeneratedDocument {
			d, _, err := s.SaveGeneratedDocument(ctx, store.GeneratedDocument{Template: tmpl, Format: "pdf", Content: []byte(tmpl + by),
				ContentType: "application/pdf", CreatedBy: by, ForContact: forC})
			require.NoError(t, err)
			return d
		}
		c1 := save("certificate", "student-1", "student-1")
		p1 := save("proposal", "staff-1", "")
		p2 := save("proposal", "staff-2", "")
		all, err := s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{p2.ID, p1.ID, c1.ID}, genDocIDs(all), "newest first")
		for _, d := range all {
			require.Nil(t, d.Content, "lists leave the content out")
			require.Positive(t, d.Size, "but keep its size")
		}
		page, err := s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{}, 1, 1)
		require.NoError(t, err)
		require.Equal(t, []string{p1.ID}, genDocIDs(page))
		got, err := s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{Template: "proposal"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{p2.ID, p1.ID}, genDocIDs(got))
		got, err = s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{CreatedBy: "staff-1"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{p1.ID}, genDocIDs(got))
		got, err = s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{ForContact: "student-1"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{c1.ID}, genDocIDs(got))
		got, err = s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{Template: "nothing"}, 0, 0)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
		_, err = s.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{}, -1, 0)
		requireErrorIs(t, err, store.ErrInvalid, "negative offset")
	})
}

func genDocIDs(ds []store.GeneratedDocument) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// assertNoError reports err without stopping the test, for goroutines.
func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
