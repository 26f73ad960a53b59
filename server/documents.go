package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/store"
)

// DocumentStore is what the documents routes read and write: the
// generated documents. store.Business satisfies it.
type DocumentStore interface {
	SaveGeneratedDocument(ctx context.Context, d store.GeneratedDocument) (store.GeneratedDocument, bool, error)
	GeneratedDocument(ctx context.Context, id string) (store.GeneratedDocument, error)
	ListGeneratedDocuments(ctx context.Context, f store.GeneratedDocumentFilter, offset, limit int) ([]store.GeneratedDocument, error)
}

var _ DocumentStore = store.Business(nil)

// Documents configures the generated-documents routes.
type Documents struct {
	Store DocumentStore
	// Catalog holds the templates POST renders.
	Catalog *documents.Catalog
	// Links signs and verifies the download links (/d/{id}) — the same
	// Links the generate_document tool signs with.
	Links *documents.Links
}

// documentRoutes are the admin routes of generated documents.
func (s *Server) documentRoutes() []route {
	if s.opts.Documents == nil || s.opts.Documents.Store == nil || s.opts.Documents.Catalog == nil {
		return nil
	}
	return []route{
		{method: "GET", path: "/api/v1/documents", roles: adminStaff, handler: s.listGeneratedDocuments,
			op: operation{id: "listGeneratedDocuments", summary: "List generated documents (certificates, proposals, invoices), newest first", tag: "documents",
				query: append([]param{{"template", "string", "certificate, proposal or invoice"}, {"created_by", "string", "who asked: a contact id, or api:<key name>"},
					{"for_contact", "string", "the contact a document is about"}}, pageParams...),
				resp: "GeneratedDocument", list: true}},
		{method: "POST", path: "/api/v1/documents", roles: adminStaff, handler: s.createGeneratedDocument,
			op: operation{id: "createGeneratedDocument", summary: "Generate a document from a template; missing or malformed variables answer 400 naming each", tag: "documents",
				body: "GenerateDocumentRequest", status: http.StatusCreated, resp: "GeneratedDocument"}},
		{method: "GET", path: "/api/v1/documents/{id}", roles: adminStaff, handler: s.getGeneratedDocument,
			op: operation{id: "getGeneratedDocument", summary: "Get a generated document's metadata, with a fresh download link", tag: "documents", resp: "GeneratedDocument"}},
		{method: "GET", path: "/api/v1/documents/{id}/content", roles: adminStaff, handler: s.getGeneratedDocumentContent,
			op: operation{id: "getGeneratedDocumentContent", summary: "Download a generated document (its own Content-Type; Content-Disposition attachment)", tag: "documents"}},
	}
}

// GenerateDocumentRequest is the body of POST /api/v1/documents.
type GenerateDocumentRequest struct {
	Template  string         `json:"template"`
	Variables map[string]any `json:"variables"`
	Format    string         `json:"format"`   // pdf (default), html, markdown
	Language  string         `json:"language"` // es or en (default en)
}

// GeneratedDocumentInfo is a generated document's metadata, with a signed
// link that opens it without a key.
type GeneratedDocumentInfo struct {
	store.GeneratedDocument
	URL       string `json:"url,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

func (s *Server) documentInfo(d store.GeneratedDocument) GeneratedDocumentInfo {
	out := GeneratedDocumentInfo{GeneratedDocument: d}
	if l := s.opts.Documents.Links; l != nil {
		u, exp := l.URL(d.ID, s.opts.Clock())
		out.URL, out.ExpiresAt = u, exp.Format("2006-01-02T15:04:05Z07:00")
	}
	return out
}

func (s *Server) listGeneratedDocuments(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.GeneratedDocumentFilter{Template: q.Get("template"), CreatedBy: q.Get("created_by"), ForContact: q.Get("for_contact")}
	ds, err := s.opts.Documents.Store.ListGeneratedDocuments(r.Context(), f, p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list generated documents: %w", err))
		return
	}
	infos := make([]GeneratedDocumentInfo, len(ds))
	for i, d := range ds {
		infos[i] = s.documentInfo(d)
	}
	writeJSON(w, http.StatusOK, listOf(r, p, infos))
}

func (s *Server) getGeneratedDocument(w http.ResponseWriter, r *http.Request) {
	d, err := s.opts.Documents.Store.GeneratedDocument(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get generated document: %w", err))
		return
	}
	d.Content = nil
	writeJSON(w, http.StatusOK, s.documentInfo(d))
}

func (s *Server) getGeneratedDocumentContent(w http.ResponseWriter, r *http.Request) {
	d, err := s.opts.Documents.Store.GeneratedDocument(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get generated document: %w", err))
		return
	}
	serveDocument(w, d, "attachment")
}

func (s *Server) createGeneratedDocument(w http.ResponseWriter, r *http.Request) {
	var req GenerateDocumentRequest
	if err := decodeJSON(w, r, &req, 1<<20); err != nil {
		s.writeError(w, r, err)
		return
	}
	lang := strings.ToLower(strings.TrimSpace(req.Language))
	switch lang {
	case "":
		lang = "en"
	case "es", "en":
	default:
		s.writeError(w, r, Errorf(CodeInvalid, "language must be es or en"))
		return
	}
	cat := s.opts.Documents.Catalog
	tm, err := cat.Template(req.Template)
	var ute *documents.UnknownTemplateError
	if errors.As(err, &ute) {
		s.writeError(w, r, Errorf(CodeInvalid, "%s", ute.Message(lang)))
		return
	}
	format, ok := documents.ParseFormat(req.Format)
	if !ok {
		s.writeError(w, r, Errorf(CodeInvalid, "format must be pdf, html or markdown"))
		return
	}
	now := s.opts.Clock().UTC()
	values, err := cat.Check(tm, req.Variables, now)
	var ve *documents.VarsError
	if errors.As(err, &ve) {
		s.writeError(w, r, Errorf(CodeInvalid, "%s", ve.Message(lang)))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("generate document: %w", err))
		return
	}
	out, err := cat.Render(tm, lang, format, values, now)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("generate document: %w", err))
		return
	}
	vars, err := json.Marshal(values)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("generate document: encode variables: %w", err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	d, _, err := s.opts.Documents.Store.SaveGeneratedDocument(r.Context(), store.GeneratedDocument{
		Template: tm.Name, Format: string(format), Language: lang, Variables: vars,
		Content: out.Content, ContentType: out.ContentType, Filename: out.Filename, CreatedBy: "api:" + p.Name,
	})
	if err != nil {
		s.writeError(w, r, fmt.Errorf("generate document: save: %w", err))
		return
	}
	s.log(r.Context()).Info("document generated", "document_id", d.ID, "template", d.Template, "format", d.Format, "key", p.Name)
	d.Content = nil
	writeJSON(w, http.StatusCreated, s.documentInfo(d))
}

// serveDocument writes the document's bytes. HTML documents are served
// with a policy that runs nothing: their text is escaped already, and a
// document is never a page of this site.
func serveDocument(w http.ResponseWriter, d store.GeneratedDocument, disposition string) {
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(d.Content)))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": d.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(d.ContentType, "text/html") {
		// Not for PDFs: browsers' PDF viewers do not run in a sandbox.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	}
	h.Set("Cache-Control", "private, no-store")
	h.Set("ETag", `"`+d.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(d.Content)
}

// downloadLink serves /d/{id}?exp=…&sig=…: the document, to whoever holds
// a link the server signed and that has not expired, with no API key. A
// forged or edited link is 403, an expired one 410, each with a sentence
// in the reader's language (Accept-Language), as a browser shows it.
func (s *Server) downloadLink(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("id"), r.URL.Query()
	es := prefersSpanish(r.Header.Get("Accept-Language"))
	switch err := s.opts.Documents.Links.Verify(id, q.Get("exp"), q.Get("sig"), s.opts.Clock()); {
	case errors.Is(err, documents.ErrLinkExpired):
		linkProblem(w, http.StatusGone, es,
			"Este enlace ha caducado. Pide el documento de nuevo en el chat y te daré un enlace nuevo.",
			"This link has expired. Ask for the document again in the chat and you'll get a new link.")
		return
	case err != nil:
		s.log(r.Context()).Info("document link refused", "document_id", id, "err", err)
		linkProblem(w, http.StatusForbidden, es,
			"Este enlace no es válido: puede que esté incompleto o modificado. Ábrelo tal como lo recibiste, o pide el documento de nuevo.",
			"This link is not valid: it may be incomplete or altered. Open it exactly as you received it, or ask for the document again.")
		return
	}
	d, err := s.opts.Documents.Store.GeneratedDocument(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		linkProblem(w, http.StatusNotFound, es, "Este documento ya no existe.", "This document no longer exists.")
		return
	}
	if err != nil {
		s.log(r.Context()).Error("document link: read", "document_id", id, "err", err)
		linkProblem(w, http.StatusInternalServerError, es, "No pude abrir el documento. Inténtalo de nuevo en unos minutos.",
			"The document could not be opened. Please try again in a few minutes.")
		return
	}
	serveDocument(w, d, "inline")
}

func linkProblem(w http.ResponseWriter, status int, es bool, msgES, msgEN string) {
	msg := msgEN
	if es {
		msg = msgES
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// prefersSpanish reports whether Spanish comes before English in an
// Accept-Language header (order as written; weights are rarely needed
// here).
func prefersSpanish(h string) bool {
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(tag)[:min(2, len(tag))] {
		case "es":
			return true
		case "en":
			return false
		}
	}
	return false
}
