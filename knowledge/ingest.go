package knowledge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/faroai/faro/store"
)

// IngestOptions tune one Ingest. The zero value is a sensible default.
type IngestOptions struct {
	// Prune removes stored documents that the source no longer holds:
	// those of the collections of the folders it lists (or under
	// Source.Prefix, when set), those fetched from URLs when it lists URL
	// files. Nothing is pruned if a path of the source cannot be listed.
	Prune bool
	// DryRun changes nothing: the report says what the source holds and,
	// with Prune, lists in WouldPrune what would be removed.
	DryRun bool
	// Reembed first re-embeds every stored chunk with this Base's embedder
	// and records it as the index's embedder: the way to switch embedders.
	Reembed bool
	// Force re-ingests documents whose content has not changed, which is
	// how new chunk sizes reach documents already stored.
	Force bool
	// Chunking sizes the chunks.
	Chunking ChunkOptions
	// BatchSize is how many texts go to the embedder in one call (default 64).
	BatchSize int
	// Concurrency is how many documents are read, embedded and stored at
	// once (default: the number of CPUs, at least 2 so that reading one
	// document overlaps with storing another).
	Concurrency int
	// ProgressFunc, when set, is called after each document, one call at a
	// time, from the goroutine that called Ingest.
	ProgressFunc func(Progress)
}

// Progress is reported after each document of an Ingest.
type Progress struct {
	Done, Total int
	Source      string
	Status      Status
	Chunks      int   // chunks stored for this document
	Err         error // why it failed, when Status is StatusFailed
}

// Status is what happened to one document.
type Status string

// The document statuses.
const (
	StatusAdded     Status = "added"
	StatusUpdated   Status = "updated"
	StatusUnchanged Status = "unchanged"
	StatusFailed    Status = "failed"
)

// Failure is a document (or path) that could not be ingested, and why.
type Failure struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// IngestReport sums up an Ingest.
type IngestReport struct {
	Found      int          `json:"found"`      // documents the source lists
	Added      int          `json:"added"`      // new documents stored
	Updated    int          `json:"updated"`    // changed documents whose chunks were replaced
	Skipped    int          `json:"skipped"`    // unchanged documents left as they were
	Chunks     int          `json:"chunks"`     // chunks stored by this ingest
	Pruned     int          `json:"pruned"`     // documents removed because their source is gone
	Reembedded int          `json:"reembedded"` // stored chunks re-embedded
	Failed     []Failure    `json:"failed"`
	Roots      []RootReport `json:"roots,omitempty"`       // what each path of the source held
	WouldPrune []string     `json:"would_prune,omitempty"` // with DryRun and Prune: the sources that would go
	// DurationMS is how long it took, in milliseconds: the unit in the
	// name, and a number people read, unlike time.Duration's nanoseconds.
	DurationMS int64 `json:"duration_ms"`
}

// Duration is how long the ingest took.
func (r IngestReport) Duration() time.Duration { return time.Duration(r.DurationMS) * time.Millisecond }

func since(start time.Time) int64 { return time.Since(start).Milliseconds() }

// RootReport is how many documents one path of a Source held: a folder
// that holds none is worth saying, since nothing else would.
type RootReport struct {
	Path       string `json:"path"`
	Collection string `json:"collection,omitempty"` // the name its documents' source ids start with
	Found      int    `json:"found"`                // files, or URLs of a URL list
}

// Read is the number of documents read successfully, changed or not.
func (r IngestReport) Read() int { return r.Added + r.Updated + r.Skipped }

const (
	defaultBatchSize = 64
	listPage         = 500
)

func (o IngestOptions) withDefaults() (IngestOptions, error) {
	var err error
	if o.Chunking, err = o.Chunking.withDefaults(); err != nil {
		return o, err
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultBatchSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = max(runtime.GOMAXPROCS(0), 2)
	}
	return o, nil
}

// Ingest reads the documents of src, cuts them into chunks, embeds them and
// stores them, one document per transaction. It is idempotent: a document
// whose content hash is unchanged is skipped, a changed one has its chunks
// replaced. A document that cannot be read or parsed is listed in the
// report's Failed and the others go on; the error is for what stops the
// whole ingest (the embedder changed, the context ended, the store failed
// while pruning or re-embedding).
func (b *Base) Ingest(ctx context.Context, src Source, opts IngestOptions) (IngestReport, error) {
	b.changed()
	defer b.changed()
	start := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return IngestReport{}, fmt.Errorf("ingest: %w", err)
	}
	names, err := b.collect(ctx, &src, opts.DryRun)
	if err != nil {
		return IngestReport{}, err
	}
	items, failed, sc, complete := src.enumerate(ctx)
	var rep IngestReport
	if opts.DryRun {
		rep.Found = len(items)
	} else {
		rep, err = b.run(ctx, items, opts)
	}
	rep.Failed = append(failed, rep.Failed...)
	rep.Roots = make([]RootReport, len(src.Paths))
	for i, p := range src.Paths {
		rep.Roots[i] = RootReport{Path: p, Collection: names[p]}
		for _, it := range items {
			if it.root == p {
				rep.Roots[i].Found++
			}
		}
	}
	if err != nil {
		rep.DurationMS = since(start)
		return rep, err
	}
	if opts.Prune {
		if !complete {
			b.log.Warn("ingest: not pruning, since a path could not be listed")
		} else {
			keep := make(map[string]bool, len(items))
			for _, it := range items {
				keep[it.source] = true
			}
			if opts.DryRun {
				rep.WouldPrune, err = b.pruneList(ctx, sc, keep)
			} else {
				rep.Pruned, err = b.prune(ctx, sc, keep)
			}
		}
	}
	b.compactAfter(ctx, rep)
	rep.DurationMS = since(start)
	return rep, err
}

// IngestData stores one document from its content, as if read from a file
// named source (whose extension picks the loader): what an upload through
// the admin API calls. An unchanged document is left as it is.
func (b *Base) IngestData(ctx context.Context, source string, data []byte, opts IngestOptions) (IngestReport, error) {
	b.changed()
	defer b.changed()
	start := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return IngestReport{}, fmt.Errorf("ingest: %w", err)
	}
	it := item{source: source, rel: source, name: lastSegment(source), format: formatOf(source),
		read: func(context.Context) ([]byte, string, error) { return data, "", nil }}
	if it.format == formatUnknown {
		return IngestReport{Found: 1, Failed: []Failure{{Source: source, Reason: unsupportedReason(source)}}}, nil
	}
	if store.HasControl(source) {
		return IngestReport{Found: 1, Failed: []Failure{{Source: source, Reason: "the source holds a control character"}}}, nil
	}
	rep, err := b.run(ctx, []item{it}, opts)
	b.compactAfter(ctx, rep)
	rep.DurationMS = since(start)
	return rep, err
}

func lastSegment(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// LoadIfEmpty ingests src when the knowledge base holds no document yet, and
// says whether it did: how `faro serve` loads the demo knowledge base on its
// first start only, so that it never comes back over an operator's own
// documents.
func (b *Base) LoadIfEmpty(ctx context.Context, src Source, opts IngestOptions) (IngestReport, bool, error) {
	docs, err := b.store.ListDocuments(ctx, 0, 1)
	if err != nil {
		return IngestReport{}, false, fmt.Errorf("ingest: list documents: %w", err)
	}
	if len(docs) > 0 {
		return IngestReport{}, false, nil
	}
	rep, err := b.Ingest(ctx, src, opts)
	return rep, true, err
}

// Documents lists stored documents ordered by source, offset/limit
// paginated, each with its number of chunks.
func (b *Base) Documents(ctx context.Context, offset, limit int) ([]store.Document, error) {
	docs, err := b.store.ListDocuments(ctx, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	return docs, nil
}

// Delete removes a document and its chunks; store.ErrNotFound (wrapped) if
// there is none with that id.
func (b *Base) Delete(ctx context.Context, id string) error {
	b.changed()
	defer b.changed()
	if err := b.store.DeleteDocument(ctx, id); err != nil {
		return fmt.Errorf("delete document %s: %w", id, err)
	}
	b.compact(ctx)
	return nil
}

// outcome is what a worker did with one item.
type outcome struct {
	source string
	status Status
	chunks int
	err    error
}

// run ingests items with opts.Concurrency workers, after checking (or
// switching, with Reembed) the embedder of the index.
func (b *Base) run(ctx context.Context, items []item, opts IngestOptions) (IngestReport, error) {
	rep := IngestReport{Found: len(items)}
	dim, err := b.dimension(ctx)
	if err != nil {
		return rep, err
	}
	if opts.Reembed {
		if rep.Reembedded, err = b.reembed(ctx, dim, opts); err != nil {
			return rep, err
		}
	} else if err := b.checkIndex(ctx, dim); err != nil {
		return rep, err
	}
	if len(items) == 0 {
		return rep, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan item)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range min(opts.Concurrency, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				results <- b.ingestOne(ctx, it, opts, dim)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, it := range items {
			select {
			case jobs <- it:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	done := 0
	for o := range results {
		done++
		switch o.status {
		case StatusAdded:
			rep.Added++
			rep.Chunks += o.chunks
		case StatusUpdated:
			rep.Updated++
			rep.Chunks += o.chunks
		case StatusUnchanged:
			rep.Skipped++
		case StatusFailed:
			if ctx.Err() == nil {
				rep.Failed = append(rep.Failed, Failure{Source: o.source, Reason: o.err.Error()})
			}
		}
		if o.status == StatusFailed {
			b.log.Debug("ingest: failed", "source", o.source, "err", o.err)
		}
		if opts.ProgressFunc != nil {
			opts.ProgressFunc(Progress{Done: done, Total: len(items), Source: o.source, Status: o.status, Chunks: o.chunks, Err: o.err})
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("ingest: %w", err)
	}
	return rep, nil
}

// textCompacter is a store whose full-text index answers faster once the
// pieces a batch of writes left are merged (SQLite's FTS5).
type textCompacter interface {
	CompactText(ctx context.Context) error
}

// compactAfter compacts when the batch rep reports changed the text.
func (b *Base) compactAfter(ctx context.Context, rep IngestReport) {
	if rep.Added+rep.Updated+rep.Pruned > 0 && ctx.Err() == nil {
		b.compact(ctx)
	}
}

// compact merges the store's full-text index after a batch of writes. A
// failure costs search speed, not data: it is logged, not returned.
func (b *Base) compact(ctx context.Context) {
	c, ok := b.store.(textCompacter)
	if !ok {
		return
	}
	if err := c.CompactText(ctx); err != nil {
		b.log.Warn("knowledge: full-text index not compacted; searches are slower until the next ingest", "err", err)
	}
}

// ingestOne reads, parses, chunks, embeds and stores one document.
func (b *Base) ingestOne(ctx context.Context, it item, opts IngestOptions, dim int) outcome {
	o := outcome{source: it.source, status: StatusFailed}
	raw, ctype, err := it.read(ctx)
	if err != nil {
		o.err = errors.New(readReason(err))
		return o
	}
	f := it.format
	if it.url != "" {
		f = formatOfContentType(ctype, it.name)
	}
	hash := contentHash(raw)
	status := StatusAdded
	old, err := b.store.DocumentBySource(ctx, it.source)
	switch {
	case err == nil:
		if old.ContentHash == hash && !opts.Force {
			o.status = StatusUnchanged
			return o
		}
		status = StatusUpdated
	case !errors.Is(err, store.ErrNotFound):
		o.err = fmt.Errorf("look up stored document: %w", err)
		return o
	}
	l, err := build(it, raw, f, opts.Chunking)
	if err != nil {
		o.err = err
		return o
	}
	texts := make([]string, len(l.chunks))
	for i, c := range l.chunks {
		texts[i] = embeddingText(c)
	}
	vecs, err := b.embed(ctx, texts, opts.BatchSize, dim)
	if err != nil {
		o.err = err
		return o
	}
	for i := range l.chunks {
		// A vector with no direction is ErrInvalid to the store; the chunk
		// is kept, found by text only.
		if hasDirection(vecs[i]) {
			l.chunks[i].Embedding = vecs[i]
		}
	}
	if _, err := b.store.PutDocument(ctx, l.doc, l.chunks); err != nil {
		// The report is shown to whoever uploaded the document; the
		// database's own words are for the log only.
		b.log.Warn("ingest: store", "source", it.source, "err", err)
		o.err = errors.New("the store refused it")
		if !errors.Is(err, store.ErrInvalid) {
			o.err = errors.New("it could not be stored; see the server's log")
		}
		return o
	}
	o.status, o.chunks = status, len(l.chunks)
	return o
}

// hasDirection reports whether v can be compared by cosine similarity: not
// all zeros, and finite.
func hasDirection(v []float32) bool {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	return sum > 0 && !math.IsInf(sum, 0) && !math.IsNaN(sum)
}

// embeddingText is what is embedded for a chunk: its heading path gives a
// passage the context its own words may lack ("Horario" under "Fundamentos
// de IA > Horario"). The stored text stays the passage alone.
func embeddingText(c store.Chunk) string {
	if c.Heading == "" {
		return c.Text
	}
	return c.Heading + "\n\n" + c.Text
}

// embed embeds texts in batches and checks what comes back.
func (b *Base) embed(ctx context.Context, texts []string, batch, dim int) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += batch {
		part := texts[i:min(i+batch, len(texts))]
		vecs, err := b.embedder.EmbedDocuments(ctx, part)
		if err != nil {
			return nil, fmt.Errorf("embed with %s: %w", b.embedderName, err)
		}
		if len(vecs) != len(part) {
			return nil, fmt.Errorf("embed with %s: %d vectors for %d texts", b.embedderName, len(vecs), len(part))
		}
		for _, v := range vecs {
			if len(v) != dim {
				return nil, fmt.Errorf("embed with %s: a vector of dimension %d, expected %d", b.embedderName, len(v), dim)
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// dimension asks the embedder for one vector to learn its dimension.
func (b *Base) dimension(ctx context.Context) (int, error) {
	vecs, err := b.embedder.EmbedDocuments(ctx, []string{"dimension"})
	if err != nil {
		return 0, fmt.Errorf("ingest: embed with %s: %w", b.embedderName, err)
	}
	if len(vecs) != 1 || len(vecs[0]) == 0 {
		return 0, fmt.Errorf("ingest: embedder %s returned no vector", b.embedderName)
	}
	return len(vecs[0]), nil
}

// checkIndex makes sure stored vectors and new ones come from the same
// embedder, recording this one when the index is new or empty. Another
// embedder's index is ErrEmbedderMismatch (wrapped).
func (b *Base) checkIndex(ctx context.Context, dim int) error {
	want := store.IndexInfo{Embedder: b.embedderName, Dimension: dim}
	info, err := b.store.KnowledgeIndex(ctx)
	if err != nil {
		return fmt.Errorf("ingest: read knowledge index: %w", err)
	}
	if info == want {
		return nil
	}
	if info != (store.IndexInfo{}) {
		docs, err := b.store.ListDocuments(ctx, 0, 1)
		if err != nil {
			return fmt.Errorf("ingest: list documents: %w", err)
		}
		if len(docs) > 0 {
			// The same error as Search's, so both say what to run.
			return fmt.Errorf("ingest: %w", errMismatch(info, want.Embedder, want.Dimension))
		}
	}
	if err := b.store.SetKnowledgeIndex(ctx, want); err != nil {
		return fmt.Errorf("ingest: record embedder %s: %w", want.Embedder, err)
	}
	return nil
}

// Reembed embeds every stored chunk again with this Base's embedder and
// records it as the index's embedder, all in one transaction of the store;
// it returns the number of chunks. Use it after changing embedder.
func (b *Base) Reembed(ctx context.Context, opts IngestOptions) (int, error) {
	b.changed()
	defer b.changed()
	opts, err := opts.withDefaults()
	if err != nil {
		return 0, fmt.Errorf("reembed: %w", err)
	}
	dim, err := b.dimension(ctx)
	if err != nil {
		return 0, err
	}
	return b.reembed(ctx, dim, opts)
}

func (b *Base) reembed(ctx context.Context, dim int, opts IngestOptions) (int, error) {
	docs, err := b.allDocuments(ctx)
	if err != nil {
		return 0, fmt.Errorf("reembed: %w", err)
	}
	vectors := map[string][]float32{}
	for _, d := range docs {
		chunks, err := b.store.Chunks(ctx, d.ID)
		if err != nil {
			return 0, fmt.Errorf("reembed: chunks of %s: %w", d.Source, err)
		}
		texts := make([]string, len(chunks))
		for i, c := range chunks {
			texts[i] = embeddingText(c)
		}
		vecs, err := b.embed(ctx, texts, opts.BatchSize, dim)
		if err != nil {
			return 0, fmt.Errorf("reembed %s: %w", d.Source, err)
		}
		for i, c := range chunks {
			vectors[c.ID] = vecs[i]
		}
	}
	info := store.IndexInfo{Embedder: b.embedderName, Dimension: dim}
	if err := b.store.ReplaceEmbeddings(ctx, info, vectors); err != nil {
		return 0, fmt.Errorf("reembed: store %d vectors: %w", len(vectors), err)
	}
	b.log.Info("knowledge re-embedded", "embedder", info.Embedder, "dimension", dim, "chunks", len(vectors))
	return len(vectors), nil
}

// pruneList lists the sources of the stored documents in scope that are
// not in keep.
func (b *Base) pruneList(ctx context.Context, sc scope, keep map[string]bool) ([]string, error) {
	docs, err := b.allDocuments(ctx)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	var out []string
	for _, d := range docs {
		if !keep[d.Source] && sc.covers(d.Source) {
			out = append(out, d.Source)
		}
	}
	return out, nil
}

// prune deletes the stored documents in scope that are not in keep.
func (b *Base) prune(ctx context.Context, sc scope, keep map[string]bool) (int, error) {
	docs, err := b.allDocuments(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	n := 0
	for _, d := range docs {
		if keep[d.Source] || !sc.covers(d.Source) {
			continue
		}
		if err := b.store.DeleteDocument(ctx, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, fmt.Errorf("prune %s: %w", d.Source, err)
		}
		b.log.Info("knowledge document pruned", "source", d.Source)
		n++
	}
	return n, nil
}

// allDocuments lists every stored document, a page at a time.
func (b *Base) allDocuments(ctx context.Context) ([]store.Document, error) {
	var all []store.Document
	for offset := 0; ; offset += listPage {
		page, err := b.store.ListDocuments(ctx, offset, listPage)
		if err != nil {
			return nil, fmt.Errorf("list documents: %w", err)
		}
		all = append(all, page...)
		if len(page) < listPage {
			return all, nil
		}
	}
}

// collect puts, with src.Collections, each folder of the operating system
// that src lists (and the folder of each single file) in a collection of
// the store, named after the folder (docs, docs-2… when another folder has
// that name), and makes its name the prefix of the source ids of its
// files: two folders holding faq.md store two documents, the same folder
// again the same ones, and pruning one folder touches nothing of
// another's. URL lists keep their own naming. It returns the collection of
// each path; dryRun records nothing (a folder new to the store shows the
// name it would get).
func (b *Base) collect(ctx context.Context, src *Source, dryRun bool) (map[string]string, error) {
	names := map[string]string{}
	if !src.Collections || src.FS != nil || src.Prefix != "" {
		return names, nil
	}
	var known []store.Collection
	if dryRun {
		var err error
		if known, err = b.store.KnowledgeCollections(ctx); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	src.collections = map[string]string{}
	for _, p := range src.Paths {
		if isURLList(p) {
			continue
		}
		root, err := collectionRoot(p)
		if err != nil {
			continue // enumerate reports it
		}
		want := filepath.Base(root)
		if want == string(filepath.Separator) || want == "." || want == "" {
			want = "root"
		}
		var name string
		if dryRun {
			name = proposedCollection(known, root, want)
		} else {
			c, err := b.store.AddKnowledgeCollection(ctx, root, want)
			if err != nil {
				return nil, fmt.Errorf("ingest: collection of %s: %w", p, err)
			}
			name = c.Name
		}
		names[p] = name
		src.collections[p] = name + "/"
	}
	return names, nil
}

// collectionRoot is the folder whose collection p belongs to: p itself
// when a folder, else p's folder; absolute, symbolic links resolved, so
// that every way of naming a folder finds one collection.
func collectionRoot(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		abs = filepath.Dir(abs)
	}
	return abs, nil
}

// proposedCollection is the name AddKnowledgeCollection would give root.
func proposedCollection(known []store.Collection, root, want string) string {
	taken := map[string]bool{}
	for _, c := range known {
		if c.Root == root {
			return c.Name
		}
		taken[c.Name] = true
	}
	for n := 1; ; n++ {
		if name := store.CollectionName(want, n); !taken[name] {
			return name
		}
	}
}
