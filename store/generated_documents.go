package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// GeneratedDocument is a document Faro rendered for someone: a
// certificate, a proposal, an invoice. (Not a knowledge [Document]: those
// are what the assistant reads; these are what it hands out.)
type GeneratedDocument struct {
	ID       string `json:"id"`
	Template string `json:"template"`
	Format   string `json:"format"`   // pdf, html, markdown
	Language string `json:"language"` // es, en
	// Variables are the values it was rendered with, as JSON.
	Variables json.RawMessage `json:"variables"`
	// Content is the file; filled by GeneratedDocument only (lists leave
	// it out).
	Content     []byte `json:"-"`
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
	// Size and SHA256 (hex) are of Content, computed by the store.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// CreatedBy is who asked: a contact id, or "api:<key name>" through
	// the API.
	CreatedBy string `json:"created_by"`
	// ForContact is the contact the document is about (a certificate's
	// student), when known; empty otherwise.
	ForContact     string `json:"for_contact,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	// DedupeKey, when not empty, makes saving idempotent: one document per
	// key (see [GeneratedDocuments.SaveGeneratedDocument]).
	DedupeKey string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// GeneratedDocumentFilter narrows ListGeneratedDocuments. Empty fields do
// not filter.
type GeneratedDocumentFilter struct {
	Template   string
	CreatedBy  string
	ForContact string
}

// GeneratedDocuments stores the documents Faro generated.
type GeneratedDocuments interface {
	// SaveGeneratedDocument stores d with a new ID (created=true); Size
	// and SHA256 are computed from Content, CreatedAt is now, and an
	// empty Variables is stored as {}. ErrInvalid without a template,
	// format, content type, creator or content, or when Variables is not
	// a JSON object.
	//
	// When d.DedupeKey is not empty and a document with that key is
	// stored, nothing is written: that one comes back, with its content,
	// and created=false — so a request delivered twice makes one
	// document. Concurrent saves of one key store one document.
	SaveGeneratedDocument(ctx context.Context, d GeneratedDocument) (stored GeneratedDocument, created bool, err error)
	// GeneratedDocument returns the document with its content;
	// ErrNotFound if there is none with that id.
	GeneratedDocument(ctx context.Context, id string) (GeneratedDocument, error)
	// ListGeneratedDocuments returns documents matching f without their
	// content, newest first, offset/limit paginated (limit 0: no cap;
	// negative is ErrInvalid).
	ListGeneratedDocuments(ctx context.Context, f GeneratedDocumentFilter, offset, limit int) ([]GeneratedDocument, error)
}

// NormalizeGeneratedDocument checks d and fills what the store computes
// (Size, SHA256, Variables {}); both backends call it, so they agree.
func NormalizeGeneratedDocument(d GeneratedDocument) (GeneratedDocument, error) {
	d.Template, d.Format, d.ContentType = strings.TrimSpace(d.Template), strings.TrimSpace(d.Format), strings.TrimSpace(d.ContentType)
	switch {
	case d.Template == "":
		return d, fmt.Errorf("generated document: no template: %w", ErrInvalid)
	case d.Format == "":
		return d, fmt.Errorf("generated document: no format: %w", ErrInvalid)
	case d.ContentType == "":
		return d, fmt.Errorf("generated document: no content type: %w", ErrInvalid)
	case strings.TrimSpace(d.CreatedBy) == "":
		return d, fmt.Errorf("generated document: no creator: %w", ErrInvalid)
	case len(d.Content) == 0:
		return d, fmt.Errorf("generated document: no content: %w", ErrInvalid)
	}
	if len(d.Variables) == 0 || string(d.Variables) == "null" {
		d.Variables = json.RawMessage(`{}`)
	}
	var obj map[string]any
	if err := json.Unmarshal(d.Variables, &obj); err != nil || obj == nil {
		return d, fmt.Errorf("generated document: variables are not a JSON object: %w", ErrInvalid)
	}
	sum := sha256.Sum256(d.Content)
	d.Size, d.SHA256 = int64(len(d.Content)), hex.EncodeToString(sum[:])
	return d, nil
}
