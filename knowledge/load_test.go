package knowledge

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
)

func mustChunkOptions(t testing.TB, o ChunkOptions) ChunkOptions {
	t.Helper()
	o, err := o.withDefaults()
	require.NoError(t, err)
	return o
}

func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "docs", filepath.FromSlash(rel)))
	require.NoError(t, err)
	return raw
}

func TestParseMarkdown(t *testing.T) {
	p, err := parseMarkdown(readTestdata(t, "es/cursos/ia-marketing.md"))
	require.NoError(t, err)
	require.Equal(t, "IA para marketing", p.title)
	require.Equal(t, []string{"marketing"}, p.tags)

	var got []string
	for _, s := range p.sections {
		got = append(got, strings.Join(s.headings, " > ")+" #"+s.anchor)
	}
	require.Equal(t, []string{
		"IA para marketing #ia-para-marketing",
		"IA para marketing > Precios #precios",
		"IA para marketing > Precios > Becas #becas",
		"IA para marketing > Precios #precios-1", // a repeated heading, numbered as GitHub does
	}, got)
	last := p.sections[3]
	require.Len(t, last.paras, 2)
	require.True(t, strings.HasPrefix(last.paras[1], "```bash\n# esto no es un encabezado"), "a # line in fenced code is code, not a heading")
}

func TestParseMarkdownForms(t *testing.T) {
	src := "Guía de inscripción\n===================\n\nIntro **text**.\n\nSegunda parte\n-------------\n\n- uno\n- dos\n\n#### [Pagos](https://x.example/pagos) con *tarjeta* ####\n\nTexto.\n"
	p, err := parseMarkdown([]byte(src))
	require.NoError(t, err)
	require.Equal(t, "Guía de inscripción", p.title, "a setext heading is a heading")
	require.Len(t, p.sections, 3)
	require.Equal(t, []string{"Guía de inscripción", "Segunda parte"}, p.sections[1].headings)
	require.Equal(t, []string{"- uno\n- dos"}, p.sections[1].paras)
	require.Equal(t, []string{"Guía de inscripción", "Segunda parte", "Pagos con tarjeta"}, p.sections[2].headings, "links and emphasis are shown as text")
	require.Equal(t, "pagos-con-tarjeta", p.sections[2].anchor)
	require.Equal(t, "guía-de-inscripción", slugger{}.slug("Guía de inscripción"), "GitHub keeps accented letters")
	require.Equal(t, "qué-es-rag-y-por-qué-importa", slugger{}.slug("¿Qué es RAG y por qué importa?"))

	p, err = parseMarkdown([]byte("---\ntitle: Precios 2027\nlang: es-MX\ntags: precios, cursos\ndate: 2027-01-01\nweight: 3\n---\nTexto.\n"))
	require.NoError(t, err)
	require.Equal(t, "Precios 2027", p.title)
	require.Equal(t, "es-MX", p.language)
	require.Equal(t, []string{"precios", " cursos"}, p.tags, "trimmed when merged")

	_, err = parseMarkdown([]byte("---\ntitle: [unclosed\n---\n# x\n"))
	require.ErrorContains(t, err, "front matter")

	p, err = parseMarkdown([]byte("---\n\nA thematic break, not front matter.\n"))
	require.NoError(t, err)
	require.Len(t, p.sections, 1)
}

func TestParseHTML(t *testing.T) {
	p, err := parseHTML(readTestdata(t, "en/refunds.html"))
	require.NoError(t, err)
	require.Equal(t, "Refund policy", p.title)
	require.Equal(t, "en-US", p.language)
	require.Len(t, p.sections, 2)
	require.Equal(t, []string{"Refund policy"}, p.sections[0].headings)
	require.Equal(t, "refund-policy", p.sections[0].anchor)
	require.Equal(t, []string{"Refund policy", "How to ask for a refund"}, p.sections[1].headings)
	require.Equal(t, "how", p.sections[1].anchor)
	require.Equal(t, []string{
		"Write to help@example.com within 14 days of the start of the course.",
		"- Your name\n- The course you bought",
	}, p.sections[1].paras)
	all := fmt.Sprint(p.sections)
	for _, noise := range []string{"tracking", "Log in", "newsletter", "All rights reserved", "console", "color"} {
		require.NotContains(t, all, noise)
	}
}

func TestParseHTMLWithoutMain(t *testing.T) {
	src := `<html><body>
<div role="navigation"><a href="/">Home</a></div>
<header>Site header</header>
<article><header><h1>Post title</h1></header><p>First paragraph.</p><footer>By Ana</footer></article>
<article><h2>Second</h2><p>More text.<br>On a new line.</p><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>49 USD</td></tr></table></article>
<footer>Site footer</footer></body></html>`
	p, err := parseHTML([]byte(src))
	require.NoError(t, err)
	require.Equal(t, "Post title", p.title, "no <title>: the first h1, kept inside the article's own header")
	all := fmt.Sprint(p.sections)
	require.NotContains(t, all, "Site header")
	require.NotContains(t, all, "Site footer")
	require.NotContains(t, all, "Home")
	require.Contains(t, all, "By Ana")
	require.Equal(t, []string{"More text.\nOn a new line.", "Plan | Price", "Pro | 49 USD"}, p.sections[len(p.sections)-1].paras)
}

func TestParseCSV(t *testing.T) {
	p, err := parseCSV(readTestdata(t, "en/faq.csv"))
	require.NoError(t, err)
	require.Len(t, p.sections, 2, "a row without an answer is left out")
	require.Equal(t, []string{"How do I get a refund?"}, p.sections[0].headings)
	require.Equal(t, "How do I get a refund?\nWrite to support within 14 days of the start of the course, and we refund 100% of the price.", p.sections[0].paras[0])
	require.Equal(t, "en", p.sections[0].language)

	// Spanish headers, semicolons (as spreadsheets in Spanish locales save), columns in another order.
	p, err = parseCSV([]byte("Categoría;Respuesta;Pregunta\npagos;Aceptamos tarjeta y PayPal.;¿Cómo pago?\n"))
	require.NoError(t, err)
	require.Len(t, p.sections, 1)
	require.Equal(t, "¿Cómo pago?\nAceptamos tarjeta y PayPal.", p.sections[0].paras[0])

	// No header: question, answer.
	p, err = parseCSV([]byte("¿Hay certificado?,Sí.\n¿Hay becas?,Sí, parciales.\n"))
	require.NoError(t, err)
	require.Len(t, p.sections, 2)

	// Windows-1252, as old spreadsheets save.
	p, err = parseCSV([]byte("pregunta,respuesta\n\xbfQu\xe9 es?,Un curso.\n"))
	require.NoError(t, err)
	require.Equal(t, "¿Qué es?\nUn curso.", p.sections[0].paras[0])

	_, err = parseCSV([]byte("one column only\nrow\n"))
	require.Error(t, err)
}

func TestParseText(t *testing.T) {
	p := parseText(readTestdata(t, "en/support-notes.txt"))
	require.Len(t, p.sections, 1)
	require.Equal(t, []string{"Notes for the support team.", "Answer every ticket within one working day. Escalate billing problems to the finance team."}, p.sections[0].paras)
}

func TestDetectLanguage(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"El curso cuesta 299 dólares y dura seis semanas. Las clases son en vivo los martes.", "es"},
		{"The course costs 299 dollars and lasts six weeks. Classes are live on Tuesdays.", "en"},
		{"O curso custa 299 dólares e dura seis semanas. As aulas são ao vivo às terças e você recebe um certificado.", "pt"},
		{"¿Cómo pido el reembolso de mi inscripción?", "es"},
		{"Der Kurs kostet 299 Euro.", ""},
		{"", ""},
	} {
		require.Equal(t, c.want, detectLanguage(c.text), c.text)
	}
	require.Equal(t, "es", languageFromPath("es/cursos/x.md"))
	require.Equal(t, "en", languageFromPath("faq.en.md"))
	require.Equal(t, "pt", languageFromPath("docs/pt-BR/x.md"))
	require.Equal(t, "", languageFromPath("espanol-basico.md"))
	require.Equal(t, []string{"cursos", "ia"}, tagsFromPath("es/cursos/ia/x.md"))
}

func TestEnumerateFolder(t *testing.T) {
	src := Source{Paths: []string{filepath.Join("testdata", "docs")}}
	items, failed, sc, complete := src.enumerate(context.Background())
	require.True(t, complete)
	require.Empty(t, failed)
	require.Equal(t, []string{""}, sc.prefixes, "the folder, with no Prefix")
	require.False(t, sc.urls)
	var sources []string
	for _, it := range items {
		sources = append(sources, it.source)
	}
	require.Equal(t, []string{"en/faq.csv", "en/refunds.html", "en/support-notes.txt", "es/cursos/ia-marketing.md"}, sources,
		"hidden files and folders are skipped, unsupported files ignored, ids relative with /")

	// A single file: its name is its id; one of an unknown type is a failure.
	src = Source{Paths: []string{filepath.Join("testdata", "docs", "en", "faq.csv"), filepath.Join("testdata", "docs", "images", "logo.png"), "testdata/missing"}, Prefix: "kb/"}
	items, failed, _, complete = src.enumerate(context.Background())
	require.False(t, complete, "a missing path makes the listing incomplete")
	require.Len(t, items, 1)
	require.Equal(t, "kb/faq.csv", items[0].source)
	require.Len(t, failed, 2)
	require.Contains(t, failed[0].Reason, "unsupported file type")
	require.Contains(t, failed[1].Reason, "no such file")
}

func TestEnumerateFS(t *testing.T) {
	fsys := fstest.MapFS{
		"knowledge/es/precios.md":  {Data: []byte("# Precios\n\nTodo cuesta 10 USD.\n")},
		"knowledge/en/pricing.md":  {Data: []byte("# Pricing\n\nEverything costs 10 USD.\n")},
		"knowledge/en/.notes.md":   {Data: []byte("# hidden\n")},
		"knowledge/en/diagram.svg": {Data: []byte("<svg/>")},
		"other/x.md":               {Data: []byte("# x\n")},
	}
	items, failed, _, complete := Source{FS: fsys, Paths: []string{"knowledge"}}.enumerate(context.Background())
	require.True(t, complete)
	require.Empty(t, failed)
	require.Len(t, items, 2)
	require.Equal(t, "en/pricing.md", items[0].source)
	require.Equal(t, "es/precios.md", items[1].source)

	l, err := build(items[1], fsys["knowledge/es/precios.md"].Data, items[1].format, mustChunkOptions(t, ChunkOptions{}))
	require.NoError(t, err)
	require.Equal(t, "es", l.doc.Language)
	require.Equal(t, "Precios", l.doc.Title)
	require.Equal(t, "es/precios.md#precios", l.chunks[0].Link)

	items, _, _, _ = Source{FS: fsys, Paths: []string{"."}}.enumerate(context.Background())
	require.Len(t, items, 3)
	require.Equal(t, "knowledge/en/pricing.md", items[0].source)
}

func TestURLList(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html lang="es"><title>Precios</title><body><nav>Menú</nav><main><h2 id="pro">Plan Pro</h2><p>El plan Pro cuesta 49 USD al mes.</p></main></body></html>`)
	})
	mux.HandleFunc("/guide.md", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "# Guide\n\n## Setup\n\nInstall the app and sign in with your email.\n")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, strings.Repeat("x", 5000))
	})
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	list := filepath.Join(t.TempDir(), "links.urls")
	content := "# pages to index\n" + srv.URL + "/page#top\n\n" + srv.URL + "/guide.md\n" + srv.URL + "/missing\n" + srv.URL + "/big\n" + srv.URL + "/slow\nftp://example.com/x\n"
	require.NoError(t, os.WriteFile(list, []byte(content), 0o644))

	src := Source{Paths: []string{list}, FetchTimeout: 500 * time.Millisecond, MaxBytes: 1000}
	items, failed, sc, complete := src.enumerate(context.Background())
	require.True(t, complete)
	require.True(t, sc.urls)
	require.Empty(t, sc.prefixes)
	require.Len(t, failed, 1)
	require.Contains(t, failed[0].Reason, "not an http(s) URL")
	require.Len(t, items, 5)
	require.Equal(t, srv.URL+"/page", items[0].source, "the fragment is not part of the id")

	ctx := context.Background()
	results := map[string]string{}
	for _, it := range items {
		data, ctype, err := it.read(ctx)
		if err != nil {
			results[it.name] = "error: " + readReason(err)
			continue
		}
		l, err := build(it, data, formatOfContentType(ctype, it.name), mustChunkOptions(t, ChunkOptions{}))
		require.NoError(t, err)
		results[it.name] = l.doc.Title + " | " + l.doc.Language + " | " + l.chunks[0].Heading + " | " + l.chunks[0].Link
	}
	require.Equal(t, "Precios | es | Precios > Plan Pro | "+srv.URL+"/page#pro", results["page"])
	require.Equal(t, "Guide | en | Guide > Setup | "+srv.URL+"/guide.md#setup", results["guide.md"], "Markdown by extension though served as text/plain")
	require.Contains(t, results["missing"], "404")
	require.Contains(t, results["big"], "too big")
	require.Contains(t, results["slow"], "timed out")
}

func TestBuildMetadata(t *testing.T) {
	it := item{source: "es/cursos/ia-marketing.md", rel: "es/cursos/ia-marketing.md", name: "ia-marketing.md", format: formatMarkdown}
	raw := readTestdata(t, it.rel)
	l, err := build(it, raw, formatMarkdown, mustChunkOptions(t, ChunkOptions{}))
	require.NoError(t, err)
	require.Equal(t, "IA para marketing", l.doc.Title)
	require.Equal(t, "es", l.doc.Language)
	require.Equal(t, contentHash(raw), l.doc.ContentHash)
	require.Len(t, l.doc.ContentHash, 64)
	require.Equal(t, "es/cursos/ia-marketing.md", l.doc.URL)
	require.Equal(t, []string{"cursos", "marketing"}, l.doc.Tags, "folders (less the language) and front matter tags")
	links := make([]string, len(l.chunks))
	for i, c := range l.chunks {
		require.Equal(t, i, c.Position)
		require.Equal(t, "es", c.Language)
		links[i] = c.Link
	}
	require.Equal(t, []string{
		"es/cursos/ia-marketing.md#ia-para-marketing",
		"es/cursos/ia-marketing.md#precios",
		"es/cursos/ia-marketing.md#becas",
		"es/cursos/ia-marketing.md#precios-1",
	}, links)
	require.Equal(t, "IA para marketing > Precios > Becas", l.chunks[2].Heading)

	// No title anywhere: the file name.
	it = item{source: "notas-de-soporte.txt", rel: "notas-de-soporte.txt", name: "notas-de-soporte.txt", format: formatText}
	l, err = build(it, []byte("Respondemos todos los tickets en un día hábil. Los problemas de pagos van al equipo de finanzas."), formatText, mustChunkOptions(t, ChunkOptions{}))
	require.NoError(t, err)
	require.Equal(t, "notas de soporte", l.doc.Title)
	require.Equal(t, "es", l.doc.Language, "detected from the words")
	require.Equal(t, "notas de soporte", l.chunks[0].Heading)
	require.Equal(t, "notas-de-soporte.txt", l.chunks[0].Link)

	_, err = build(it, []byte("  \n\n "), formatText, mustChunkOptions(t, ChunkOptions{}))
	require.ErrorContains(t, err, "no text")
	require.True(t, slices.Contains([]format{formatHTML}, formatOfContentType("", "page")))
}
