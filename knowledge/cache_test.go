package knowledge

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// countingStore counts the full-text searches that reach the real store.
type countingStore struct {
	store.Knowledge
	text atomic.Int64
}

func (c *countingStore) SearchText(ctx context.Context, q store.TextQuery) ([]store.Hit, error) {
	c.text.Add(1)
	return c.Knowledge.SearchText(ctx, q)
}

func TestSearchCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &countingStore{Knowledge: openSQLite(t)}
	b := New(st, newOffline(t, 0), "offline-hash", nil)
	b.CacheSearches(16, time.Minute)
	_, err := b.IngestData(ctx, "precios.md", []byte("# Precios\n\nEl curso de IA para marketing cuesta 249 USD."), IngestOptions{})
	require.NoError(t, err)

	q := Query{Text: "¿Cuánto cuesta el curso de marketing?", Language: "es", K: 3}
	first, err := b.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, first, 1)
	again, err := b.Search(ctx, q)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.EqualValues(t, 1, st.text.Load(), "the same question again: remembered")

	again[0].Chunk.Text = "changed by the caller"
	third, err := b.Search(ctx, q)
	require.NoError(t, err)
	require.Equal(t, first, third, "callers get copies")

	other := q
	other.K = 2
	_, err = b.Search(ctx, other)
	require.NoError(t, err)
	require.EqualValues(t, 2, st.text.Load(), "another K is another search")

	// A change through the Base is seen at once.
	_, err = b.IngestData(ctx, "descuentos.md", []byte("# Descuentos\n\nEl curso de marketing cuesta menos con el 20 % de descuento."), IngestOptions{})
	require.NoError(t, err)
	res, err := b.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, res, 2, "the new document is found")
	docs, err := b.Documents(ctx, 0, 10)
	require.NoError(t, err)
	for _, d := range docs {
		if d.Source == "descuentos.md" {
			require.NoError(t, b.Delete(ctx, d.ID))
		}
	}
	res, err = b.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, res, 1, "the deleted one is not")
}

// A change made elsewhere (faro ingest on the same database, another
// server) is seen once the entries expire.
func TestSearchCacheExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSQLite(t)
	b := New(db, newOffline(t, 0), "offline-hash", nil)
	b.CacheSearches(16, 100*time.Millisecond)
	elsewhere := New(db, newOffline(t, 0), "offline-hash", nil)
	_, err := b.IngestData(ctx, "a.md", []byte("# Becas\n\nOfrecemos becas para estudiantes."), IngestOptions{})
	require.NoError(t, err)
	q := Query{Text: "becas para estudiantes", Language: "es", K: 5}
	res, err := b.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, res, 1)

	_, err = elsewhere.IngestData(ctx, "b.md", []byte("# Más becas\n\nBecas para estudiantes de Brasil."), IngestOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		res, err := b.Search(ctx, q)
		return err == nil && len(res) == 2
	}, 5*time.Second, 20*time.Millisecond)
}

func TestSearchCacheOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &countingStore{Knowledge: openSQLite(t)}
	b := New(st, newOffline(t, 0), "offline-hash", nil)
	b.CacheSearches(0, time.Minute)
	_, err := b.IngestData(ctx, "a.md", []byte("# Becas\n\nOfrecemos becas."), IngestOptions{})
	require.NoError(t, err)
	for range 3 {
		_, err := b.Search(ctx, Query{Text: "becas", K: 3})
		require.NoError(t, err)
	}
	require.EqualValues(t, 3, st.text.Load())
}

// TestSearchCacheForgetsOnAnotherServersChange: another Base (another
// server) tells of its writes through OnChange; Forget on this one drops
// what it remembers, long before the TTL.
func TestSearchCacheForgetsOnAnotherServersChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSQLite(t)
	b := New(db, newOffline(t, 0), "offline-hash", nil)
	b.CacheSearches(16, time.Hour)
	elsewhere := New(db, newOffline(t, 0), "offline-hash", nil)
	var told atomic.Int64
	elsewhere.OnChange(func() { told.Add(1); b.Forget() }) // the bus, in one process
	_, err := b.IngestData(ctx, "a.md", []byte("# Becas\n\nOfrecemos becas para estudiantes."), IngestOptions{})
	require.NoError(t, err)
	q := Query{Text: "becas para estudiantes", Language: "es", K: 5}
	res, err := b.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, res, 1)

	_, err = elsewhere.IngestData(ctx, "b.md", []byte("# Más becas\n\nBecas para estudiantes de Brasil."), IngestOptions{})
	require.NoError(t, err)
	require.Positive(t, told.Load(), "the write was told")
	res, err = b.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, res, 2, "seen at once, though the TTL is an hour")
}
