package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/server"
)

// clock is a settable time for the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setupDocuments(t *testing.T) (*bundle, *clock, *documents.Links) {
	t.Helper()
	clk := &clock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)}
	var links *documents.Links
	b := setup(t, nil, func(o *server.Options) {
		o.Clock = clk.now
		links = o.Documents.Links
	})
	return b, clk, links
}

// open follows a download link on the test server.
func (b *bundle) open(t *testing.T, link, lang string) response {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), "GET", b.http.URL+u.Path+"?"+u.RawQuery, nil)
	require.NoError(t, err)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return send(t, req)
}

func TestDocumentsAPI(t *testing.T) {
	t.Parallel()
	b, clk, links := setupDocuments(t)

	// Validation: every missing variable named, in the language asked.
	r := b.do(t, "POST", "/api/v1/documents", staffKey, map[string]any{"template": "proposal", "language": "es",
		"variables": map[string]any{"cliente": "Laura Gómez", "validez": "pronto"}})
	require.Equal(t, http.StatusBadRequest, r.status)
	e := r.errorBody(t)
	require.Equal(t, server.CodeInvalid, e.Code)
	require.Contains(t, e.Message, "me falta: empresa (company), conceptos con precio (items)")
	require.Contains(t, e.Message, "validez (valid_until): no es una fecha")
	r = b.do(t, "POST", "/api/v1/documents", staffKey, map[string]any{"template": "contract"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.errorBody(t).Message, "certificate (Certificate of completion), proposal (Commercial proposal), invoice (Invoice)")
	r = b.do(t, "POST", "/api/v1/documents", staffKey, map[string]any{"template": "invoice", "format": "docx"})
	require.Equal(t, http.StatusBadRequest, r.status)
	for _, key := range []string{studentKey, prospectKey} {
		r = b.do(t, "POST", "/api/v1/documents", key, map[string]any{"template": "invoice"})
		require.Equal(t, http.StatusForbidden, r.status)
		r = b.do(t, "GET", "/api/v1/documents", key, nil)
		require.Equal(t, http.StatusForbidden, r.status)
	}

	// Generated: escaped HTML, stored, listed, downloadable.
	r = b.do(t, "POST", "/api/v1/documents", staffKey, map[string]any{"template": "proposal", "format": "html",
		"variables": map[string]any{"client_name": `<script>alert("x")</script>`, "company": "Acme", "items": "Workshop 1500", "valid_until": "2027-04-01"}})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	var doc server.GeneratedDocumentInfo
	r.json(t, &doc)
	require.NotEmpty(t, doc.ID)
	require.Equal(t, "api:sales", doc.CreatedBy)
	require.Equal(t, "text/html; charset=utf-8", doc.ContentType)
	require.Positive(t, doc.Size)
	require.Len(t, doc.SHA256, 64)
	require.True(t, strings.HasPrefix(doc.URL, "https://faro.example/d/"+doc.ID+"?exp="), doc.URL)
	require.Equal(t, "2027-03-01T13:00:00Z", doc.ExpiresAt)
	require.NotContains(t, string(r.body), `"content"`, "metadata only")

	pdfDoc := b.do(t, "POST", "/api/v1/documents", adminKey, map[string]any{"template": "certificate", "language": "es",
		"variables": map[string]any{"student_name": "Íñigo Muñoz", "course_title": "IA 101", "completion_date": "2027-02-26", "certificate_number": "BD-1"}})
	require.Equal(t, http.StatusCreated, pdfDoc.status, "body: %s", pdfDoc.body)
	var cert server.GeneratedDocumentInfo
	pdfDoc.json(t, &cert)

	r = b.do(t, "GET", "/api/v1/documents", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status)
	var list struct {
		Data []server.GeneratedDocumentInfo `json:"data"`
	}
	r.json(t, &list)
	require.Len(t, list.Data, 2)
	require.Equal(t, cert.ID, list.Data[0].ID, "newest first")
	r = b.do(t, "GET", "/api/v1/documents?template=proposal&limit=1", staffKey, nil)
	r.json(t, &list)
	require.Len(t, list.Data, 1)
	require.Equal(t, doc.ID, list.Data[0].ID)

	r = b.do(t, "GET", "/api/v1/documents/"+doc.ID, staffKey, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", "/api/v1/documents/nope", staffKey, nil).status)

	r = b.do(t, "GET", "/api/v1/documents/"+doc.ID+"/content", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
	require.Equal(t, `attachment; filename=commercial-proposal-acme.html`, r.header.Get("Content-Disposition"))
	require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
	require.Contains(t, r.header.Get("Content-Security-Policy"), "sandbox")
	require.NotContains(t, string(r.body), "<script>")
	require.Contains(t, string(r.body), "&lt;script&gt;")
	r = b.do(t, "GET", "/api/v1/documents/"+cert.ID+"/content", adminKey, nil)
	require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(string(r.body), "%PDF-"))
	require.Equal(t, http.StatusUnauthorized, b.do(t, "GET", "/api/v1/documents/"+cert.ID+"/content", "", nil).status)

	// The link opens it without a key, until it expires.
	r = b.open(t, cert.URL, "")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(r.header.Get("Content-Disposition"), "inline; filename=certificado-de-finalizacion-inigo-munoz.pdf"), r.header.Get("Content-Disposition"))
	require.Empty(t, r.header.Get("Content-Security-Policy"))

	other := strings.Replace(cert.URL, cert.ID, doc.ID, 1)
	r = b.open(t, other, "es-MX,es;q=0.9,en;q=0.5")
	require.Equal(t, http.StatusForbidden, r.status, "another document's id under this signature")
	require.Contains(t, string(r.body), "Este enlace no es válido")
	r = b.open(t, strings.Replace(cert.URL, "exp=", "exp=9", 1), "en")
	require.Equal(t, http.StatusForbidden, r.status, "a later expiry")
	require.Contains(t, string(r.body), "This link is not valid")
	r = b.open(t, "https://faro.example/d/"+cert.ID, "")
	require.Equal(t, http.StatusForbidden, r.status, "no signature")

	missing, _ := links.URL("no-such-document", clk.now())
	require.Equal(t, http.StatusNotFound, b.open(t, missing, "").status)

	clk.add(time.Hour)
	r = b.open(t, cert.URL, "es")
	require.Equal(t, http.StatusGone, r.status)
	require.Contains(t, string(r.body), "Este enlace ha caducado")
	require.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
	// A fresh link from the metadata works again.
	r = b.do(t, "GET", "/api/v1/documents/"+cert.ID, staffKey, nil)
	var again server.GeneratedDocumentInfo
	r.json(t, &again)
	require.Equal(t, http.StatusOK, b.open(t, again.URL, "").status)
}
