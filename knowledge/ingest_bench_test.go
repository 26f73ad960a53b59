package knowledge

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store/sqlite"
)

// BenchmarkIngest measures a first ingest of generated Markdown (100 and 700
// documents of 15 chunks of ~600 characters: 1,500 and 10,500 chunks) into
// a fresh SQLite store with the offline embedder at its default dimension:
// reading, parsing, chunking, embedding and storing, as `faro ingest` does.
// It reports chunks/s; with -benchmem, the memory allocated per ingest.
//
//	go test ./knowledge -run '^$' -bench Ingest -benchmem -benchtime 3x
func BenchmarkIngest(b *testing.B) {
	for _, docs := range []int{100, 700} {
		b.Run(fmt.Sprintf("docs=%d", docs), func(b *testing.B) {
			ctx := context.Background()
			fsys := generatedCorpus(docs, 5)
			emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
			if err != nil {
				b.Fatal(err)
			}
			chunks := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("bench-%d.db", i)))
				if err != nil {
					b.Fatal(err)
				}
				base := New(st, emb, emb.Name(), nil)
				b.StartTimer()
				rep, err := base.Ingest(ctx, Source{FS: fsys, Paths: []string{"."}}, IngestOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Failed) > 0 || rep.Added != docs {
					b.Fatalf("ingest: %+v", rep)
				}
				chunks += rep.Chunks
				b.StopTimer()
				_ = st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
			b.ReportMetric(float64(chunks)/float64(b.N), "chunks/op")
		})
	}
}
