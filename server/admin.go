package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
)

// AdminStore is what the admin API reads and writes of the store.
// store.Store satisfies it.
type AdminStore interface {
	Contact(ctx context.Context, id string) (store.Contact, error)
	ListContacts(ctx context.Context, offset, limit int) ([]store.Contact, error)
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	ListConversations(ctx context.Context, contactID string, offset, limit int) ([]store.Conversation, error)
	UpdateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error)
	Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error)
	AppendMessage(ctx context.Context, m store.Message) (store.Message, bool, error)
	Document(ctx context.Context, id string) (store.Document, error)
	DocumentBySource(ctx context.Context, source string) (store.Document, error)
}

// KnowledgeBase is what the admin API changes of the knowledge base.
// *knowledge.Base satisfies it.
type KnowledgeBase interface {
	IngestData(ctx context.Context, source string, data []byte, opts knowledge.IngestOptions) (knowledge.IngestReport, error)
	Documents(ctx context.Context, offset, limit int) ([]store.Document, error)
	Delete(ctx context.Context, id string) error
	Reembed(ctx context.Context, opts knowledge.IngestOptions) (int, error)
}

// Deliverer sends a staff reply to the person on the conversation's
// channel: the hand-off desk's ([handoff.Deliverer]). Each channel that can
// reach people outside a turn implements one and registers it with
// [Server.RegisterDeliverer] (or with the desk given in Options.Handoff).
type Deliverer = handoff.Deliverer

// Interface guards.
var (
	_ AdminStore    = store.Store(nil)
	_ KnowledgeBase = (*knowledge.Base)(nil)
)

// RegisterDeliverer makes d the deliverer of staff replies on channel,
// replacing any before it. Without a hand-off desk it does nothing.
func (s *Server) RegisterDeliverer(channel string, d Deliverer) {
	if s.desk != nil {
		s.desk.Register(channel, d)
	}
}

// ---------------------------------------------------------------- contacts

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := s.opts.Admin.ListContacts(r.Context(), p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list contacts: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, cs))
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := s.opts.Admin.Contact(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get contact: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// ---------------------------------------------------------------- conversations

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := s.opts.Admin.ListConversations(r.Context(), r.URL.Query().Get("contact_id"), p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list conversations: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, cs))
}

// Transcript is a conversation with a page of its messages in Seq order.
type Transcript struct {
	Conversation store.Conversation `json:"conversation"`
	Messages     []store.Message    `json:"messages"`
	// NextAfterSeq is the after_seq of the next page of messages; absent
	// on the last page.
	NextAfterSeq *int64 `json:"next_after_seq,omitempty"`
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	limit := MaxLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			s.writeError(w, r, Errorf(CodeInvalid, "limit must be a whole number from 1 to %d", MaxLimit))
			return
		}
		limit = n
	}
	var after int64
	if v := r.URL.Query().Get("after_seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, Errorf(CodeInvalid, "after_seq must be a whole number, 0 or more"))
			return
		}
		after = n
	}
	conv, err := s.opts.Admin.Conversation(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get conversation: %w", err))
		return
	}
	msgs, err := s.opts.Admin.Messages(r.Context(), conv.ID, store.MessageQuery{AfterSeq: after, Limit: limit + 1})
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get conversation %s: messages: %w", conv.ID, err))
		return
	}
	t := Transcript{Conversation: conv, Messages: msgs}
	if len(msgs) > limit {
		t.Messages = msgs[:limit]
		next := t.Messages[limit-1].Seq
		t.NextAfterSeq = &next
	}
	if t.Messages == nil {
		t.Messages = []store.Message{}
	}
	writeJSON(w, http.StatusOK, t)
}

// StaffReplyRequest is the body of a staff reply.
type StaffReplyRequest struct {
	Text string `json:"text" text:"free"`
}

// StaffReply is what a staff reply did: the stored message, and whether
// the person's channel took it.
type StaffReply struct {
	Message store.Message `json:"message"`
	// Delivered is true when the channel's deliverer took the message
	// (the widget sent it live; a messaging channel queued it as durable
	// work, retried until sent); false when the channel has no deliverer
	// (the person sees it when they come back, if their channel shows
	// history) or it failed.
	Delivered bool `json:"delivered"`
}

// MaxReplyRunes caps a staff reply, as the agent caps inbound text.
const MaxReplyRunes = handoff.MaxReplyRunes

// staffOf is the desk's staff for the request's API key.
func staffOf(r *http.Request) handoff.Staff {
	p, _ := PrincipalFrom(r.Context())
	return handoff.Staff{ID: "api:" + p.Name, Name: p.Name}
}

// handoffError turns the desk's refusals into the API's errors.
func handoffError(err error) error {
	var se *handoff.StateError
	switch {
	case errors.As(err, &se):
		return Errorf(CodeConflict, "%s", se.Error())
	case errors.Is(err, handoff.ErrText):
		return Errorf(CodeInvalid, "text must not be empty nor longer than %d characters", MaxReplyRunes)
	}
	return err
}

func (s *Server) replyConversation(w http.ResponseWriter, r *http.Request) {
	var req StaffReplyRequest
	if err := decodeJSON(w, r, &req, 1<<20); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.desk == nil {
		s.writeError(w, r, Errorf(CodeUnavailable, "staff replies are not available on this server"))
		return
	}
	res, err := s.desk.Reply(r.Context(), r.PathValue("id"), staffOf(r), req.Text)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("staff reply: %w", handoffError(err)))
		return
	}
	writeJSON(w, http.StatusCreated, StaffReply{Message: res.Message, Delivered: res.Delivered})
}

func (s *Server) takeConversation(w http.ResponseWriter, r *http.Request) {
	if s.desk == nil {
		s.writeError(w, r, Errorf(CodeUnavailable, "take is not available on this server"))
		return
	}
	conv, _, err := s.desk.Take(r.Context(), r.PathValue("id"), staffOf(r), "")
	if err != nil {
		s.writeError(w, r, fmt.Errorf("take: %w", handoffError(err)))
		return
	}
	writeJSON(w, http.StatusOK, conv)
}

func (s *Server) releaseConversation(w http.ResponseWriter, r *http.Request) {
	if s.desk == nil {
		s.writeError(w, r, Errorf(CodeUnavailable, "release is not available on this server"))
		return
	}
	conv, _, err := s.desk.Release(r.Context(), r.PathValue("id"), staffOf(r))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("release: %w", handoffError(err)))
		return
	}
	writeJSON(w, http.StatusOK, conv)
}

// ---------------------------------------------------------------- knowledge

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	docs, err := s.opts.Knowledge.Documents(r.Context(), p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, docs))
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	d, err := s.opts.Admin.Document(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get document: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Knowledge.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("document deleted", "document_id", r.PathValue("id"), "key", p.Name)
	w.WriteHeader(http.StatusNoContent)
}

// UploadRequest is the JSON form of a document upload. Multipart uploads
// send the file in the field "file" and may name its source in "source".
type UploadRequest struct {
	// Source is the document's unique id (a path such as
	// "cursos/ia-101.md"); uploading the same source again replaces it.
	Source string `json:"source"`
	// Content is the document's text.
	Content string `json:"content" text:"free"`
	// ContentType picks the loader when Source has no known extension:
	// text/markdown, text/plain, text/html or text/csv.
	ContentType string `json:"content_type"`
}

// Upload is what an upload stored.
type Upload struct {
	Document store.Document         `json:"document"`
	Report   knowledge.IngestReport `json:"report"`
}

// extensions are the loaders' file extensions by media type.
var extensions = map[string]string{
	"text/markdown": ".md", "text/x-markdown": ".md", "text/plain": ".txt", "text/html": ".html",
	"application/pdf": ".pdf", "text/csv": ".csv",
}

// knownExtension reports whether name's extension picks a loader.
func knownExtension(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".mdown", ".mkd", ".txt", ".text", ".html", ".htm", ".xhtml", ".pdf", ".csv":
		return true
	}
	return false
}

func (s *Server) uploadDocument(w http.ResponseWriter, r *http.Request) {
	source, data, ctype, err := s.readUpload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	source = strings.TrimLeft(strings.TrimSpace(source), "/")
	if store.HasControl(source) {
		s.writeError(w, r, Errorf(CodeInvalid, "source holds a control character (such as NUL); remove it"))
		return
	}
	if source == "" || strings.Contains(source, "..") || len(source) > 512 {
		s.writeError(w, r, Errorf(CodeInvalid, "source must be a relative path of at most 512 characters (example: cursos/ia-101.md)"))
		return
	}
	if !knownExtension(source) {
		mt, _, _ := mime.ParseMediaType(ctype)
		ext, ok := extensions[mt]
		if !ok {
			s.writeError(w, r, Errorf(CodeInvalid, "source %q has no known extension (.md, .txt, .html, .pdf, .csv) and content_type %q names no loader", source, ctype))
			return
		}
		source += ext
	}
	if len(data) == 0 {
		s.writeError(w, r, Errorf(CodeInvalid, "the document is empty"))
		return
	}
	rep, err := s.opts.Knowledge.IngestData(r.Context(), source, data, knowledge.IngestOptions{})
	if err != nil {
		s.writeError(w, r, fmt.Errorf("upload %s: %w", source, err))
		return
	}
	if len(rep.Failed) > 0 {
		s.writeError(w, r, Errorf(CodeInvalid, "the document could not be read: %s", rep.Failed[0].Reason))
		return
	}
	doc, err := s.opts.Admin.DocumentBySource(r.Context(), source)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("upload %s: read back: %w", source, err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("document uploaded", "source", source, "document_id", doc.ID, "added", rep.Added, "updated", rep.Updated, "chunks", rep.Chunks, "key", p.Name)
	status := http.StatusOK
	if rep.Added > 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, Upload{Document: doc, Report: rep})
}

// readUpload reads a multipart or JSON upload: the source, the content and
// its media type.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (source string, data []byte, ctype string, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	max := s.opts.MaxUploadBytes
	switch mt {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, max+1<<20)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return "", nil, "", uploadError(err, max)
		}
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return "", nil, "", Errorf(CodeInvalid, "a multipart upload needs the document in the field \"file\"")
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, max+1))
		if err != nil {
			return "", nil, "", fmt.Errorf("read upload: %w", err)
		}
		if int64(len(data)) > max {
			return "", nil, "", Errorf(CodeTooLarge, "the document is larger than %d bytes", max)
		}
		source = r.FormValue("source")
		if source == "" {
			source = hdr.Filename
		}
		return source, data, hdr.Header.Get("Content-Type"), nil
	}
	// Anything else is read as JSON, as on every route (see decodeJSON).
	var req UploadRequest
	if err := decodeJSON(w, r, &req, max+1<<20); err != nil {
		return "", nil, "", err
	}
	return req.Source, []byte(req.Content), req.ContentType, nil
}

func uploadError(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return Errorf(CodeTooLarge, "the document is larger than %d bytes", max)
	}
	return Errorf(CodeInvalid, "the multipart form cannot be read")
}

// Reindex is what a reindex did.
type Reindex struct {
	Chunks int `json:"chunks"` // chunks embedded again
}

func (s *Server) reindex(w http.ResponseWriter, r *http.Request) {
	n, err := s.opts.Knowledge.Reembed(r.Context(), knowledge.IngestOptions{})
	if err != nil {
		s.writeError(w, r, fmt.Errorf("reindex: %w", err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("knowledge base re-embedded", "chunks", n, "key", p.Name)
	writeJSON(w, http.StatusOK, Reindex{Chunks: n})
}
