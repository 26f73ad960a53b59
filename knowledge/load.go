package knowledge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Source says where Ingest reads documents from. Each path is a folder (read
// recursively, hidden files and folders skipped), a single file, or a URL
// list file (*.urls: one http(s) URL a line, blank lines and # comments
// ignored). Supported files: Markdown (.md, .markdown), plain text (.txt),
// HTML (.html, .htm), PDF (.pdf) and CSV question-answer lists (.csv).
//
// A file's source id is its path relative to the folder given (a single
// file's is its name), with / separators, after Prefix; a fetched page's
// source id is its URL. With Collections, each folder is a collection
// whose name comes first instead: "docs/faq.md".
type Source struct {
	// Paths are folders, files or URL list files.
	Paths []string
	// FS, when set, is read instead of the operating system's files, and
	// Paths are fs.FS paths within it ("." for all of it). This is how the
	// embedded demo knowledge base is read.
	FS fs.FS
	// Prefix goes in front of every file's source id ("manual/"). It also
	// bounds Prune: only file documents whose source starts with it are
	// candidates for removal.
	Prefix string
	// Client fetches the URLs of URL list files; nil means a plain
	// http.Client. FetchTimeout bounds each fetch either way.
	Client *http.Client
	// FetchTimeout bounds one URL fetch, body included (default 30s).
	FetchTimeout time.Duration
	// MaxBytes is the largest file or page read (default 20 MiB): a bigger
	// one is reported as failed instead of filling memory.
	MaxBytes int64
	// Collections makes each folder of the operating system in Paths (and
	// the folder of each single file) a collection recorded in the store,
	// named after the folder: its name and a slash start the source ids of
	// its files, and Prune removes only what that collection held, so
	// different folders never overwrite nor prune each other's documents.
	// Ignored with FS or Prefix. `faro ingest` sets it.
	Collections bool

	// collections are the source id prefixes of the paths that are (in)
	// a collection, by path, filled by Base.Ingest.
	collections map[string]string
}

// prefixOf is what goes before the source ids of the files of path p.
func (src Source) prefixOf(p string) string {
	if c, ok := src.collections[p]; ok {
		return c
	}
	return src.Prefix
}

const (
	defaultFetchTimeout = 30 * time.Second
	defaultMaxBytes     = 20 << 20
)

// format is the kind of a document, which picks its loader.
type format int

const (
	formatUnknown format = iota
	formatMarkdown
	formatText
	formatHTML
	formatPDF
	formatCSV
)

func (f format) String() string {
	switch f {
	case formatMarkdown:
		return "markdown"
	case formatText:
		return "text"
	case formatHTML:
		return "html"
	case formatPDF:
		return "pdf"
	case formatCSV:
		return "csv"
	}
	return "unknown"
}

// formatOf picks the format from a file name's extension.
func formatOf(name string) format {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".mdown", ".mkd":
		return formatMarkdown
	case ".txt", ".text":
		return formatText
	case ".html", ".htm", ".xhtml":
		return formatHTML
	case ".pdf":
		return formatPDF
	case ".csv":
		return formatCSV
	}
	return formatUnknown
}

// formatOfContentType picks the format from an HTTP Content-Type; servers
// often say text/plain or application/octet-stream for Markdown and CSV, so
// the URL's extension wins over those.
func formatOfContentType(ctype, name string) format {
	mt, _, _ := mime.ParseMediaType(ctype)
	byExt := formatOf(name)
	switch mt {
	case "text/html", "application/xhtml+xml":
		return formatHTML
	case "application/pdf":
		return formatPDF
	case "text/markdown", "text/x-markdown":
		return formatMarkdown
	case "text/csv":
		return formatCSV
	case "text/plain":
		if byExt != formatUnknown {
			return byExt
		}
		return formatText
	}
	if byExt != formatUnknown {
		return byExt
	}
	return formatHTML // what a URL without a recognisable type most often is
}

// item is one document to read: a file or a URL.
type item struct {
	root   string // the path of Source.Paths it was found under
	source string // the source id
	rel    string // path relative to its root ("" for URLs): language and tags come from it
	name   string // file name, or the URL's, for the title when the document has none
	url    string // for fetched pages
	format format // formatUnknown for URLs until the response says
	read   func(ctx context.Context) (data []byte, contentType string, err error)
}

// scope is which stored documents a pass of Prune may remove: those read
// from files under one of prefixes (the folders given, or Source.Prefix),
// and/or those fetched from URLs.
type scope struct {
	prefixes []string
	urls     bool
}

func (s scope) covers(source string) bool {
	if isURL(source) {
		return s.urls
	}
	for _, p := range s.prefixes {
		if strings.HasPrefix(source, p) {
			return true
		}
	}
	return false
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// enumerate lists the documents of src. Paths that cannot be listed are
// returned as failures; complete is false then, and Prune must not run,
// since a missing folder would otherwise empty the knowledge base.
func (src Source) enumerate(ctx context.Context) (items []item, failed []Failure, sc scope, complete bool) {
	complete = true
	fsys := src.FS
	seen := map[string]string{}
	add := func(it item, from string) {
		if prev, dup := seen[it.source]; dup {
			failed = append(failed, Failure{Source: it.source, Reason: fmt.Sprintf("same source id as in %s; skipped the one in %s", prev, from)})
			return
		}
		seen[it.source] = from
		items = append(items, it)
	}
	for _, p := range src.Paths {
		add := func(it item, from string) { it.root = p; add(it, from) }
		var info fs.FileInfo
		var err error
		if fsys != nil {
			info, err = fs.Stat(fsys, p)
		} else {
			info, err = os.Stat(p)
		}
		if err != nil {
			failed = append(failed, Failure{Source: p, Reason: readReason(err)})
			complete = false
			continue
		}
		switch {
		case info.IsDir():
			sc.prefixes = append(sc.prefixes, src.prefixOf(p))
			its, fails, err := src.walk(ctx, p)
			failed = append(failed, fails...)
			if err != nil {
				failed = append(failed, Failure{Source: p, Reason: readReason(err)})
				complete = false
			}
			for _, it := range its {
				if isURLList(it.name) {
					sc.urls = true
					urls, ok := src.urlItems(ctx, it, &failed)
					complete = complete && ok
					for _, u := range urls {
						add(u, it.source)
					}
					continue
				}
				add(it, p)
			}
		case isURLList(p):
			sc.urls = true
			it := src.fileItem(p, info.Name())
			urls, ok := src.urlItems(ctx, it, &failed)
			complete = complete && ok
			for _, u := range urls {
				add(u, p)
			}
		default:
			// A single file prunes nothing but what shares an explicit
			// Prefix with it: its folder holds more than was given.
			if _, ok := src.collections[p]; !ok {
				sc.prefixes = append(sc.prefixes, src.Prefix)
			}
			it := src.fileItem(p, info.Name())
			if it.format == formatUnknown {
				failed = append(failed, Failure{Source: it.source, Reason: unsupportedReason(info.Name())})
				continue
			}
			add(it, p)
		}
	}
	return items, failed, sc, complete
}

func unsupportedReason(name string) string {
	return fmt.Sprintf("unsupported file type %q (supported: .md, .txt, .html, .pdf, .csv, .urls)", path.Ext(name))
}

// walk lists the supported files (and URL list files) under root.
// Unsupported files are left out silently: folders hold images and the like.
func (src Source) walk(ctx context.Context, root string) ([]item, []Failure, error) {
	prefix := src.prefixOf(root)
	var items []item
	var failed []Failure
	visit := func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if p == root {
				return err
			}
			failed = append(failed, Failure{Source: p, Reason: readReason(err)})
			return nil
		}
		name := d.Name()
		if p != root && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		if formatOf(name) == formatUnknown && !isURLList(name) {
			return nil
		}
		rel := p
		if src.FS != nil {
			if root != "." {
				rel = strings.TrimPrefix(p, root+"/")
			}
		} else {
			r, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(r)
		}
		it := src.fileItem(p, name)
		it.rel = rel
		it.source = prefix + rel
		items = append(items, it)
		return nil
	}
	var err error
	if src.FS != nil {
		err = fs.WalkDir(src.FS, root, visit)
	} else {
		// WalkDir does not enter a root that is a symbolic link; the
		// folder it points to is what was meant.
		if resolved, rerr := filepath.EvalSymlinks(root); rerr == nil {
			root = resolved
		}
		err = filepath.WalkDir(root, visit)
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.source, b.source) })
	return items, failed, err
}

// fileItem is the item of one file; its source id is its name.
func (src Source) fileItem(p, name string) item {
	maxBytes := src.maxBytes()
	return item{
		source: src.prefixOf(p) + name,
		rel:    name,
		name:   name,
		format: formatOf(name),
		read: func(ctx context.Context) ([]byte, string, error) {
			if err := ctx.Err(); err != nil {
				return nil, "", err
			}
			var f io.ReadCloser
			var err error
			if src.FS != nil {
				f, err = src.FS.Open(p)
			} else {
				f, err = os.Open(p)
			}
			if err != nil {
				return nil, "", err
			}
			defer f.Close()
			data, err := readCapped(f, maxBytes)
			return data, "", err
		},
	}
}

func (src Source) maxBytes() int64 {
	if src.MaxBytes > 0 {
		return src.MaxBytes
	}
	return defaultMaxBytes
}

// errTooBig says a file or page is over Source.MaxBytes.
var errTooBig = errors.New("too big")

func readCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooBig, limit)
	}
	return data, nil
}

// urlItems reads a URL list file into one item per URL. ok is false when the
// list itself cannot be read.
func (src Source) urlItems(ctx context.Context, list item, failed *[]Failure) (items []item, ok bool) {
	data, _, err := list.read(ctx)
	if err != nil {
		*failed = append(*failed, Failure{Source: list.source, Reason: readReason(err)})
		return nil, false
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := url.Parse(line)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			*failed = append(*failed, Failure{Source: fmt.Sprintf("%s:%d", list.source, n+1), Reason: fmt.Sprintf("%q is not an http(s) URL", line)})
			continue
		}
		u.Fragment = ""
		items = append(items, src.urlItem(u.String()))
	}
	return items, true
}

func (src Source) urlItem(u string) item {
	name := path.Base(strings.TrimSuffix(mustPath(u), "/"))
	if name == "." || name == "/" || name == "" {
		name = u
	}
	return item{
		source: u,
		name:   name,
		url:    u,
		read: func(ctx context.Context) ([]byte, string, error) {
			return src.fetch(ctx, u)
		},
	}
}

func mustPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Path
}

// fetch GETs u within FetchTimeout and MaxBytes.
func (src Source) fetch(ctx context.Context, u string) ([]byte, string, error) {
	timeout := src.FetchTimeout
	if timeout <= 0 {
		timeout = defaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("User-Agent", "Faro knowledge ingest")
	req.Header.Set("Accept", "text/html, text/markdown, text/plain, application/pdf, text/csv;q=0.9, */*;q=0.5")
	client := src.Client
	if client == nil {
		client = &http.Client{}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("HTTP %s", resp.Status)
	}
	if resp.ContentLength > src.maxBytes() {
		return nil, "", fmt.Errorf("%w: %d bytes, more than %d", errTooBig, resp.ContentLength, src.maxBytes())
	}
	data, err := readCapped(resp.Body, src.maxBytes())
	return data, resp.Header.Get("Content-Type"), err
}

// readReason says why a path could not be read, without Go's operation
// prefixes that repeat the path.
func readReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

func isURLList(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".urls") }
