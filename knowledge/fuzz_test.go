package knowledge

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// fuzzLoader runs the loader of format f on any bytes: it must not panic,
// and what it gives the store is text the store can hold (valid UTF-8,
// no control characters) in chunks within the size, none empty.
func fuzzLoader(f *testing.F, name string, fm format, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	opts, err := ChunkOptions{}.withDefaults()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		l, err := build(item{source: "es/" + name, rel: "es/" + name, name: name}, raw, fm, opts)
		if err != nil {
			return
		}
		checkStorable(t, l.doc.Title, l.doc.Language, l.doc.URL)
		for _, tag := range l.doc.Tags {
			checkStorable(t, tag)
		}
		for _, c := range l.chunks {
			checkStorable(t, c.Text, c.Heading, c.Link, c.Language)
			if strings.TrimSpace(c.Text) == "" {
				t.Fatalf("an empty chunk: %+v", c)
			}
			if n := utf8.RuneCountInString(c.Text); n > opts.Size {
				t.Fatalf("a chunk of %d characters, more than %d", n, opts.Size)
			}
		}
	})
}

func checkStorable(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if !utf8.ValidString(s) || store.HasControl(s) {
			t.Fatalf("text the store cannot hold alike on both backends: %q", s)
		}
	}
}

func seedFile(f *testing.F, path string) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return raw
}

func FuzzLoadMarkdown(f *testing.F) {
	fuzzLoader(f, "a.md", formatMarkdown,
		[]byte("---\ntitle: Hola\nlang: es\ntags: [a, b]\n---\n# Título\n\nTexto con **negrita**.\n\n## Sección\n\n- uno\n- dos\n"),
		[]byte("# A\x00\n\nb\xff\xfe c"),
		[]byte("---\n: [\n---\n"),
		[]byte(strings.Repeat("palabra ", 400)))
}

func FuzzLoadText(f *testing.F) {
	fuzzLoader(f, "a.txt", formatText, []byte("Hola.\n\nOtro párrafo."), []byte("\x00\x01\x02"), []byte(strings.Repeat("x", 2000)))
}

func FuzzLoadHTML(f *testing.F) {
	fuzzLoader(f, "a.html", formatHTML, seedFile(f, "testdata/docs/en/refunds.html"),
		[]byte("<html lang=es><title>T</title><h1 id=x>H\x00</h1><p>p<script>x</script></html>"), []byte("<"))
}

func FuzzLoadCSV(f *testing.F) {
	fuzzLoader(f, "a.csv", formatCSV, seedFile(f, "testdata/docs/en/faq.csv"),
		[]byte("question,answer\n\"a\"b,c\n"), []byte("q,a\n\xff,\x00\n"))
}

func FuzzLoadPDF(f *testing.F) {
	fuzzLoader(f, "a.pdf", formatPDF, makePDF(f, [][]string{{"Hola mundo", "Segunda línea"}}), []byte("%PDF-1.4 broken"))
}

// FuzzChunker: sections of any text are cut into chunks within the size,
// none empty, with every word of the text in some chunk.
func FuzzChunker(f *testing.F) {
	f.Add("Una frase. Otra frase más larga que la primera.\n\nSegundo párrafo.", 60, 20)
	f.Add(strings.Repeat("a", 500), 50, 0)
	f.Add("x y z", 50, 25)
	f.Fuzz(func(t *testing.T, text string, size, overlap int) {
		opts, err := ChunkOptions{Size: size, Overlap: overlap}.withDefaults()
		if err != nil || opts.Size > 5000 || !utf8.ValidString(text) {
			return
		}
		pieces := chunkSections("T", []section{{headings: []string{"H"}, paras: strings.Split(text, "\n\n")}}, opts)
		all := ""
		for _, p := range pieces {
			if strings.TrimSpace(p.text) == "" {
				t.Fatalf("an empty chunk of %q", text)
			}
			if n := utf8.RuneCountInString(p.text); n > opts.Size {
				t.Fatalf("a chunk of %d characters, more than %d", n, opts.Size)
			}
			all += " " + p.text
		}
		for _, w := range strings.Fields(text) {
			if utf8.RuneCountInString(w) <= opts.Size && !strings.Contains(all, w) {
				t.Fatalf("the word %q of %q is in no chunk", w, text)
			}
		}
	})
}
