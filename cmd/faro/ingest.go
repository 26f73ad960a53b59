package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/store"
)

const ingestUsage = `Usage: faro ingest [flags] PATH|URLFILE...

Loads documents into the knowledge base: folders (read recursively, hidden
files skipped), single files, and URL list files (*.urls, one http(s) URL a
line). Markdown, plain text, HTML, PDF and CSV question-answer lists.

Each folder given is a collection, named after the folder (docs, or docs-2
when another folder named docs was ingested before) and recorded in the
knowledge base: a document's source id is the collection, a slash and its
path relative to the folder (docs/faq.md), so folders holding the same file
names never overwrite each other; a single file joins its folder's
collection. A fetched page's source id is its URL. With --prefix, source ids
are that prefix and the path relative to the folder given instead.
Unchanged documents are skipped; changed ones have their chunks replaced.
The exit status is 1 when any document failed (the others are stored).

--prune makes the stored documents match the paths: it removes documents of
the collections of the folders given (or under --prefix) that those folders
no longer hold, and, when a URL list is given, fetched pages no longer
listed. Nothing else is touched (not the demo knowledge base, not other
folders' documents). It does nothing if a path cannot be read.

--dry-run changes nothing: it shows what the paths hold and, with --prune,
which stored documents would be removed.

--reembed re-embeds everything stored with the configured embedder
(FARO_EMBEDDER), which a change of embedder requires; it needs no path.

Flags:
`

// runIngest is `faro ingest`.
func runIngest(ctx context.Context, env *environment, args []string) error {
	fs, cfgPath := newFlagSet(env, "ingest")
	prune := fs.Bool("prune", false, "remove stored documents of the folders given that they no longer hold")
	dryRun := fs.Bool("dry-run", false, "change nothing: show what the paths hold and what --prune would remove")
	reembed := fs.Bool("reembed", false, "first re-embed every stored chunk with the configured embedder")
	force := fs.Bool("force", false, "re-ingest documents even if unchanged (after changing chunk sizes)")
	prefix := fs.String("prefix", "", "put in front of every file's source id (and limit --prune to it)")
	size := fs.Int("chunk-size", knowledge.DefaultChunkSize, "most characters in a chunk")
	overlap := fs.Int("chunk-overlap", knowledge.DefaultChunkOverlap, "characters repeated between consecutive chunks of a section")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), ingestUsage)
		fs.PrintDefaults()
	}
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 && !*reembed {
		fs.Usage()
		return &usageError{"faro ingest: give at least one folder, file or URL list (*.urls)"}
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env)
	embedder, name, err := llm.NewEmbedder(cfg.EmbedderConfig())
	if err != nil {
		return fmt.Errorf("embedder (FARO_EMBEDDER): %w", err)
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	base := knowledge.New(st, embedder, name, log)

	prog := newIngestMeter(env.stderr, log)
	opts := knowledge.IngestOptions{
		Prune:        *prune,
		DryRun:       *dryRun,
		Reembed:      *reembed,
		Force:        *force,
		Chunking:     knowledge.ChunkOptions{Size: *size, Overlap: *overlap},
		ProgressFunc: prog.update,
	}
	start := time.Now()
	var rep knowledge.IngestReport
	switch {
	case len(paths) == 0 && *dryRun:
		return &usageError{"faro ingest: --dry-run needs the paths to look at"}
	case len(paths) == 0:
		rep.Reembedded, err = base.Reembed(ctx, opts)
		rep.DurationMS = time.Since(start).Milliseconds()
	default:
		rep, err = base.Ingest(ctx, knowledge.Source{Paths: paths, Prefix: *prefix, Collections: true}, opts)
	}
	prog.finish()
	if err != nil {
		// A summary only if something was done before the error.
		if rep.Read()+rep.Reembedded+len(rep.Failed) > 0 {
			printIngestSummary(env.stdout, rep, name)
		}
		return err
	}
	if *dryRun {
		printDryRun(env.stdout, rep, *prune)
		return nil
	}
	printIngestSummary(env.stdout, rep, name)
	// Broken files are in the summary, and the others are stored; the exit
	// status still says that something failed, so a script notices.
	if len(paths) > 0 && rep.Read() == 0 {
		return fmt.Errorf("ingest: no document could be read from %s", strings.Join(paths, ", "))
	}
	switch n := len(rep.Failed); n {
	case 0:
		return nil
	case 1:
		return errors.New("ingest: 1 document could not be ingested (see failed: above)")
	default:
		return fmt.Errorf("ingest: %d documents could not be ingested (see failed: above)", n)
	}
}

// parseInterleaved parses flags wherever they are among the arguments
// (`faro ingest ./docs --prune`), which package flag alone does not.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// ingestMeter shows progress: a bar on a terminal, a log line per
// document otherwise (a file, a pipe, CI), so logs stay readable.
type ingestMeter struct {
	w   io.Writer
	tty bool
	log *slog.Logger
	bar *progressbar.ProgressBar
}

func newIngestMeter(w io.Writer, log *slog.Logger) *ingestMeter {
	f, ok := w.(*os.File)
	return &ingestMeter{w: w, tty: ok && term.IsTerminal(int(f.Fd())), log: log}
}

func (p *ingestMeter) update(u knowledge.Progress) {
	if !p.tty {
		attrs := []any{"done", u.Done, "total", u.Total, "source", u.Source, "status", string(u.Status)}
		if u.Status == knowledge.StatusFailed {
			p.log.Warn("ingest", append(attrs, "err", u.Err)...)
			return
		}
		p.log.Info("ingest", append(attrs, "chunks", u.Chunks)...)
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(u.Total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("ingest"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set(u.Done)
}

func (p *ingestMeter) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// printIngestSummary writes what an ingest did, the failures with their
// reasons last.
func printIngestSummary(w io.Writer, r knowledge.IngestReport, embedder string) {
	fmt.Fprintf(w, "documents: %d found, %d added, %d updated, %d unchanged (skipped), %d pruned, %d failed\n",
		r.Found, r.Added, r.Updated, r.Skipped, r.Pruned, len(r.Failed))
	fmt.Fprintf(w, "chunks:    %d stored", r.Chunks)
	if r.Reembedded > 0 {
		fmt.Fprintf(w, ", %d re-embedded", r.Reembedded)
	}
	fmt.Fprintf(w, " (embedder %s)\n", embedder)
	fmt.Fprintf(w, "took:      %s\n", r.Duration())
	if len(r.Roots) > 0 {
		fmt.Fprintln(w, "found in:")
		printRoots(w, r.Roots)
	}
	if len(r.Failed) > 0 {
		fmt.Fprintln(w, "failed:")
		for _, f := range r.Failed {
			fmt.Fprintf(w, "  %s: %s\n", f.Source, f.Reason)
		}
	}
}

// printRoots writes each path given with its collection and what it held.
func printRoots(w io.Writer, roots []knowledge.RootReport) {
	for _, root := range roots {
		what := "files"
		if strings.HasSuffix(strings.ToLower(root.Path), ".urls") {
			what = "URLs"
		}
		fmt.Fprintf(w, "  %s: %d %s", root.Path, root.Found, what)
		if root.Collection != "" {
			fmt.Fprintf(w, " (collection %s: %s/…)", root.Collection, root.Collection)
		}
		if root.Found == 0 {
			fmt.Fprint(w, " (supported: .md, .txt, .html, .pdf, .csv, .urls)")
		}
		fmt.Fprintln(w)
	}
}

// printDryRun writes what an ingest would find and, with prune, remove.
func printDryRun(w io.Writer, r knowledge.IngestReport, prune bool) {
	fmt.Fprintf(w, "dry run, nothing changed: %d documents found\n", r.Found)
	printRoots(w, r.Roots)
	if prune {
		fmt.Fprintf(w, "--prune would remove %d documents:\n", len(r.WouldPrune))
		for _, s := range r.WouldPrune {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	if len(r.Failed) > 0 {
		fmt.Fprintln(w, "cannot be read:")
		for _, f := range r.Failed {
			fmt.Fprintf(w, "  %s: %s\n", f.Source, f.Reason)
		}
	}
}

// loadDemoKnowledge ingests the demo knowledge base when the store has no
// document yet, so that a first `faro serve` answers real questions. It
// only logs on failure: an assistant without its demo documents still
// serves, and the log says why.
func loadDemoKnowledge(ctx context.Context, cfg Config, st store.Knowledge, log *slog.Logger) {
	embedder, name, err := llm.NewEmbedder(cfg.EmbedderConfig())
	if err != nil {
		log.Warn("demo knowledge base not loaded", "err", err)
		return
	}
	base := knowledge.New(st, embedder, name, log)
	rep, loaded, err := base.LoadIfEmpty(ctx, knowledge.Source{FS: demo.Knowledge, Paths: []string{"knowledge"}}, knowledge.IngestOptions{})
	if err != nil {
		log.Warn("demo knowledge base not loaded", "err", err)
		return
	}
	if !loaded {
		return
	}
	for _, f := range rep.Failed {
		log.Warn("demo knowledge document not loaded", "source", f.Source, "err", f.Reason)
	}
	log.Info("demo knowledge base loaded", "documents", rep.Added, "chunks", rep.Chunks, "embedder", name, "took", rep.Duration().String())
}
