// Package store holds Faro's domain types and the storage contracts that the
// rest of the server depends on. Two implementations satisfy them:
// [github.com/faroai/faro/store/sqlite] (the embedded default) and
// [github.com/faroai/faro/store/postgres] (PostgreSQL + pgvector). Both run
// the one conformance suite in [github.com/faroai/faro/store/storetest], so a
// behaviour exists in both or in neither.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors every implementation returns (wrapped, so use errors.Is).
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write would break a uniqueness rule (an identity
	// already linked to another contact, a source already taken…).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input cannot be stored or answered as given (missing
	// id, wrong embedding dimension…). The wrapping message says which
	// field. Every method returns it, before touching anything, for:
	//   - an unknown Role, ConversationStatus or Author (empty ones have
	//     defaults, see each type);
	//   - JSON fields (ToolCalls, ToolResults, Meta) that are not JSON;
	//   - a negative offset or limit of a List method, or a negative
	//     MessageQuery.Limit (0 is "no cap" everywhere);
	//   - an Identity with an empty Channel or ExternalID, a conversation
	//     without a Channel, a document without a Source;
	//   - an IndexInfo with an empty Embedder or a Dimension below 1;
	//   - an embedding (stored or queried) with no direction: all zeros,
	//     or a NaN or infinite value; cosine similarity is undefined for it;
	//   - an embedding before any embedder is recorded, or of another
	//     dimension than the recorded one; two chunks at one position;
	//   - a search K below 1.
	ErrInvalid = errors.New("invalid input")
)

// Pagination: every List method takes offset and limit. Limit 0 means no
// cap; a negative offset or limit is ErrInvalid.

// Role is what a person may do; it is decided by configuration, never by
// what a message claims.
type Role string

// The roles. An empty Role given to a write is stored as RoleProspect:
// whoever configuration does not know is a prospect.
const (
	RoleProspect Role = "prospect"
	RoleStudent  Role = "student"
	RoleStaff    Role = "staff"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	return r == RoleProspect || r == RoleStudent || r == RoleStaff
}

// Identity is one way a contact is reached: a channel ("web", "telegram",
// "whatsapp", "slack", "discord", "mattermost", "api") and the platform's id
// for the person there. (Channel, ExternalID) belongs to at most one contact.
type Identity struct {
	Channel    string `json:"channel"`
	ExternalID string `json:"external_id"`
}

// Contact is one person across every channel they use.
type Contact struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Email      string     `json:"email"` // as given; compared trimmed and lower-cased, unique so when not empty
	Phone      string     `json:"phone"`
	Language   string     `json:"language"` // es, en, pt or ""
	Role       Role       `json:"role"`
	Identities []Identity `json:"identities"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// ConversationStatus says who answers a conversation. An empty status is
// ConversationOpen when creating and "keep the stored one" when updating.
type ConversationStatus string

// The conversation statuses.
const (
	ConversationOpen      ConversationStatus = "open"       // the bot answers
	ConversationHandedOff ConversationStatus = "handed_off" // a human answers; the bot stays quiet
	ConversationClosed    ConversationStatus = "closed"
)

// Conversation is one thread of messages with one contact on one channel.
// (Channel, ExternalID) — the platform's chat, thread or session id — is
// unique when ExternalID is not empty.
type Conversation struct {
	ID         string             `json:"id"`
	ContactID  string             `json:"contact_id"`
	Channel    string             `json:"channel"`
	ExternalID string             `json:"external_id"`
	Language   string             `json:"language"` // pinned once detected with confidence
	Status     ConversationStatus `json:"status"`
	Summary    string             `json:"summary"` // running summary of older turns
	LastSeq    int64              `json:"last_seq"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
}

// Author is who wrote a message.
type Author string

// The authors.
const (
	AuthorUser      Author = "user"
	AuthorAssistant Author = "assistant"
	AuthorTool      Author = "tool"
	AuthorStaff     Author = "staff" // a human replying to a handed-off conversation
	AuthorSystem    Author = "system"
)

// Message is one entry of a conversation. Messages are append-only; Seq
// numbers them 1, 2, 3… within their conversation, with no gaps and no
// repeats, whatever the number of concurrent writers.
type Message struct {
	ID             string          `json:"id"`
	ConversationID string          `json:"conversation_id"`
	Seq            int64           `json:"seq"`
	Author         Author          `json:"author"`
	Text           string          `json:"text"`
	ToolCalls      json.RawMessage `json:"tool_calls,omitempty"`   // calls the assistant asked for
	ToolResults    json.RawMessage `json:"tool_results,omitempty"` // what the tools answered
	Channel        string          `json:"channel"`                // "" when appending: the conversation's
	// PlatformID is the platform's id for the message (update_id, wamid,
	// event_id, client_msg_id…). (Channel, PlatformID) is unique when
	// PlatformID is not empty: a re-delivered event is stored once.
	PlatformID string          `json:"platform_id,omitempty"`
	Meta       json.RawMessage `json:"meta,omitempty"` // citations, token usage, attachments
	CreatedAt  time.Time       `json:"created_at"`
}

// IsStep reports whether m is a step of a turn — a tool call or a tool
// result — rather than something said. Appending a step does not move its
// conversation's UpdatedAt: it is stored milliseconds after the message
// its turn answers, and moving UpdatedAt rewrites the conversations'
// recency indexes, a fair part of what a busy server writes.
func (m Message) IsStep() bool {
	return m.Author == AuthorTool || len(m.ToolCalls) > 0 || len(m.ToolResults) > 0
}

// MessageQuery selects messages of one conversation in Seq order.
type MessageQuery struct {
	AfterSeq int64 // only messages with Seq > AfterSeq
	// Limit caps the number returned; 0 means no cap. With Last set, the
	// newest Limit messages are returned, still in ascending Seq order.
	Limit int
	Last  bool
}

// Document is one source of the knowledge base: a file, a page, a FAQ.
type Document struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"` // unique: relative path or URL
	Title       string    `json:"title"`
	Language    string    `json:"language"`
	ContentHash string    `json:"content_hash"` // of the raw content, to skip unchanged re-ingests
	URL         string    `json:"url"`          // where a reader can open it, if anywhere
	Tags        []string  `json:"tags"`
	Chunks      int       `json:"chunks"` // number of chunks, filled on read
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Chunk is one searchable passage of a document.
type Chunk struct {
	ID         string    `json:"id"`
	DocumentID string    `json:"document_id"`
	Position   int       `json:"position"` // 0-based order within the document
	Heading    string    `json:"heading"`  // heading path, "Precios > Descuentos"
	Text       string    `json:"text"`
	Language   string    `json:"language"` // the document's unless the chunk says otherwise
	Link       string    `json:"link"`     // file path + anchor, or URL
	Embedding  []float32 `json:"-"`
}

// Collection is a folder `faro ingest` has read: its documents' source ids
// start with Name and a slash, so files of different folders never share
// one.
type Collection struct {
	Name      string    `json:"name"`
	Root      string    `json:"root"` // the folder's absolute path, links resolved
	CreatedAt time.Time `json:"created_at"`
}

// IndexInfo records which embedder built the vectors of the knowledge base:
// vectors of different embedders or dimensions cannot be compared. Both
// fields are required (ErrInvalid otherwise): a name, so that a reader can
// refuse a query vector of another embedder with the same dimension.
type IndexInfo struct {
	Embedder  string `json:"embedder"`
	Dimension int    `json:"dimension"`
}

// SearchFilter narrows a knowledge search. Empty fields do not filter.
type SearchFilter struct {
	Language     string   // the chunk's language
	SourcePrefix string   // documents whose source starts with this
	Tags         []string // documents carrying all of these tags
}

// VectorQuery asks for the K chunks nearest to Embedding by cosine similarity.
type VectorQuery struct {
	Embedding []float32
	K         int
	Filter    SearchFilter
}

// TextQuery asks for the K chunks that best match Text by full-text search.
// Words are folded (case, accents) and stemmed in Go with Snowball (see
// [github.com/faroai/faro/store/fulltext]) so both backends match alike;
// any query word may match, and chunks matching more and rarer words rank
// higher.
type TextQuery struct {
	Text     string
	Language string // the query's language if known; "" stems for every language
	K        int
	Filter   SearchFilter
}

// Embeddings: a vector with no direction (all zeros, NaN or infinite
// values) is ErrInvalid wherever it is given, to PutDocument,
// ReplaceEmbeddings or SearchVector. An embedder may return one for text it
// has no features for; the caller leaves that chunk without a vector, or
// skips the vector half of a search.

// Hit is one search result: the chunk, where it comes from, and its score
// (cosine similarity for vector search, higher is better; a relevance score
// for text search, higher is better, comparable only within one query).
type Hit struct {
	Chunk  Chunk   `json:"chunk"`
	Source string  `json:"source"`
	Title  string  `json:"title"`
	URL    string  `json:"url"`
	Score  float64 `json:"score"`
	Rank   int     `json:"rank"` // 1-based
}

// Contacts stores people.
type Contacts interface {
	// CreateContact stores c with a new ID and its identities. It returns
	// ErrConflict if the email or an identity belongs to another contact.
	CreateContact(ctx context.Context, c Contact) (Contact, error)
	// Contact returns ErrNotFound if there is no contact with that id.
	Contact(ctx context.Context, id string) (Contact, error)
	// ContactByIdentity returns ErrNotFound if no contact has the identity.
	ContactByIdentity(ctx context.Context, id Identity) (Contact, error)
	// ContactByEmail matches trimmed and case-insensitively; ErrNotFound
	// if none, and always for an empty (or blank) email.
	ContactByEmail(ctx context.Context, email string) (Contact, error)
	// ContactByPhone finds the one contact whose phone is phone, both
	// compared as digits with spaces, dashes, dots, parentheses and plus
	// signs removed (see [PhoneDigits]): a WhatsApp wa_id is such a
	// number. ErrNotFound if none, and always for what PhoneDigits
	// refuses; ErrConflict if several contacts have it, since which one
	// is meant cannot be known.
	ContactByPhone(ctx context.Context, phone string) (Contact, error)
	// UpdateContact saves name, email, phone, language and role of c.ID
	// (identities are changed with LinkIdentity only). ErrNotFound if c.ID
	// does not exist, ErrConflict if the email belongs to another contact.
	UpdateContact(ctx context.Context, c Contact) (Contact, error)
	// LinkIdentity adds id to the contact. Linking an identity the contact
	// already has does nothing; one linked to another contact is ErrConflict.
	LinkIdentity(ctx context.Context, contactID string, id Identity) error
	// ListContacts returns contacts newest first, offset/limit paginated.
	ListContacts(ctx context.Context, offset, limit int) ([]Contact, error)
}

// Conversations stores conversation threads.
type Conversations interface {
	// CreateConversation stores c with a new ID, status open unless given.
	// ErrNotFound if the contact does not exist; ErrConflict if
	// (Channel, ExternalID) is already taken; ErrInvalid without Channel.
	CreateConversation(ctx context.Context, c Conversation) (Conversation, error)
	// Conversation returns ErrNotFound if there is none with that id.
	Conversation(ctx context.Context, id string) (Conversation, error)
	// ConversationByExternalID finds the conversation of a platform chat or
	// thread; ErrNotFound if none, and always for an empty externalID.
	ConversationByExternalID(ctx context.Context, channel, externalID string) (Conversation, error)
	// UpdateConversation saves language, status and summary of c.ID; an
	// empty status keeps the stored one. ErrNotFound if it does not exist.
	UpdateConversation(ctx context.Context, c Conversation) (Conversation, error)
	// ListConversations returns conversations most recently updated first;
	// contactID "" lists everyone's.
	ListConversations(ctx context.Context, contactID string, offset, limit int) ([]Conversation, error)
}

// Messages stores the transcript of conversations.
type Messages interface {
	// AppendMessage stores m at the end of its conversation, giving it an ID
	// and the next Seq; a message without a Channel is on its
	// conversation's. Appending moves the conversation's LastSeq to the new
	// Seq and, unless m is a step (Message.IsStep), its UpdatedAt to the
	// message's CreatedAt. If m.PlatformID is
	// set and (m.Channel, m.PlatformID) was stored before, nothing is
	// written (LastSeq and UpdatedAt do not move) and the stored message
	// comes back with created=false: the caller knows it is a re-delivery.
	// ErrNotFound if the conversation does not exist.
	AppendMessage(ctx context.Context, m Message) (stored Message, created bool, err error)
	// AppendMessages stores ms, in order, at the end of their conversation
	// and records u, in one transaction: all or nothing. A turn stores its
	// reply this way, with the steps not stored yet that led to it and the
	// tokens they cost. Each message is appended as by AppendMessage
	// (consecutive Seqs, an empty Channel is the conversation's, a step
	// leaves UpdatedAt), and they are returned as stored, in order.
	// ErrInvalid for no messages, messages of more than one conversation
	// or one with a PlatformID (what a turn stores is never a
	// re-delivery); ErrNotFound if the conversation does not exist. A u
	// with no tokens records nothing; otherwise as RecordUsage.
	AppendMessages(ctx context.Context, ms []Message, u Usage) ([]Message, error)
	// Messages lists messages of a conversation by q, in ascending Seq. A
	// conversation that does not exist has none, or is ErrNotFound (either
	// is allowed).
	Messages(ctx context.Context, conversationID string, q MessageQuery) ([]Message, error)
	// MessageByPlatformID returns ErrNotFound if no such message was
	// stored, and always for an empty platformID.
	MessageByPlatformID(ctx context.Context, channel, platformID string) (Message, error)
}

// Knowledge stores documents, their chunks and embeddings, and searches them.
type Knowledge interface {
	// KnowledgeIndex says which embedder built the stored vectors; the zero
	// IndexInfo (and no error) when none was recorded yet.
	KnowledgeIndex(ctx context.Context) (IndexInfo, error)
	// SetKnowledgeIndex records the embedder. Changing the dimension while
	// chunks with embeddings exist is ErrConflict: re-embed first, with
	// ReplaceEmbeddings, or delete the documents. Only the dimension is
	// guarded: renaming the embedder is allowed while embedded chunks
	// exist. An empty Embedder or a Dimension below 1 is ErrInvalid.
	SetKnowledgeIndex(ctx context.Context, info IndexInfo) error
	// KnowledgeCollections lists the recorded collections, ordered by name.
	KnowledgeCollections(ctx context.Context) ([]Collection, error)
	// AddKnowledgeCollection returns the collection of root, recording it
	// first if there is none: named name, or name-2, name-3… when another
	// root has that name already. An empty root or name, or a name with a
	// slash, is ErrInvalid.
	AddKnowledgeCollection(ctx context.Context, root, name string) (Collection, error)
	// PutDocument creates or replaces the document with d.Source and all of
	// its chunks, in one transaction; a refused PutDocument changes
	// nothing. A replaced document keeps its ID and CreatedAt; its chunks
	// are all replaced and get new IDs. Chunk positions must be distinct; a
	// chunk without a Language takes the document's. A chunk's Heading is
	// searched by SearchText together with its Text. A chunk may have no
	// embedding: it is then found by SearchText only. Every embedding must
	// have the recorded dimension, so embeddings before any
	// SetKnowledgeIndex are ErrInvalid, as is one with no direction.
	PutDocument(ctx context.Context, d Document, chunks []Chunk) (Document, error)
	// Document returns ErrNotFound if there is no document with that id.
	// Document.Chunks is filled by every read of a document.
	Document(ctx context.Context, id string) (Document, error)
	// DocumentBySource returns ErrNotFound if no document has that source.
	DocumentBySource(ctx context.Context, source string) (Document, error)
	// ListDocuments returns documents ordered by source.
	ListDocuments(ctx context.Context, offset, limit int) ([]Document, error)
	// DeleteDocument removes a document and its chunks; ErrNotFound if none.
	DeleteDocument(ctx context.Context, id string) error
	// Chunks returns a document's chunks by position, with embeddings.
	Chunks(ctx context.Context, documentID string) ([]Chunk, error)
	// ReplaceEmbeddings sets new vectors for all chunks at once (keyed by
	// chunk id) and records info, in one transaction: the way to switch
	// embedders; the new dimension may differ from the old. A chunk missing
	// from vectors, a vector for a chunk that does not exist, a vector not
	// of info.Dimension or with no direction is ErrInvalid, and changes
	// nothing.
	ReplaceEmbeddings(ctx context.Context, info IndexInfo, vectors map[string][]float32) error
	// SearchVector returns the K chunks nearest to the query by cosine
	// similarity, best first. The embedded store is exact; PostgreSQL uses
	// its HNSW index (approximate: recall@10 at least 0.95 against exact
	// search, even on unstructured vectors). ErrInvalid for K below 1, a
	// query of another dimension than the recorded one, or with no
	// direction. Chunks without an embedding are never returned.
	SearchVector(ctx context.Context, q VectorQuery) ([]Hit, error)
	// SearchText returns the K best full-text matches, best first, over
	// each chunk's heading and text. ErrInvalid for K below 1; a query with
	// no searchable word has no hits.
	SearchText(ctx context.Context, q TextQuery) ([]Hit, error)
}

// Usage is what answering one turn cost, in tokens as the model's provider
// reported them, recorded for the budgets of a contact and for reports.
type Usage struct {
	ContactID        string    `json:"contact_id"`
	ConversationID   string    `json:"conversation_id"`
	PromptTokens     int64     `json:"prompt_tokens"`
	CompletionTokens int64     `json:"completion_tokens"`
	At               time.Time `json:"at"` // when it was spent; zero means now
}

// Usages records token usage.
type Usages interface {
	// RecordUsage stores u. ErrInvalid if ContactID is empty or a count is
	// negative. The contact and conversation are not checked: usage may be
	// recorded for a contact that is later deleted.
	RecordUsage(ctx context.Context, u Usage) error
	// UsageSince returns the tokens (prompt + completion) recorded for the
	// contact at or after since; 0 when there are none.
	UsageSince(ctx context.Context, contactID string, since time.Time) (int64, error)
}

// Store is everything Faro persists. Implementations are safe for
// concurrent use.
//
// Every method refuses text holding NUL (U+0000), in a string or as JSON's
// \u0000, with ErrInvalid — lookups as well as writes — and writes
// nothing: PostgreSQL cannot hold it, so neither backend does. Binary
// values (document content, vectors) may hold NUL bytes. Callers clean or
// refuse such text at the edges first (see [CleanText], [HasControl]).
type Store interface {
	Contacts
	Conversations
	Messages
	Knowledge
	Usages
	Deliveries // how replies fared on their platforms: deliveries.go
	Handoffs   // hand-off history and staff threads: handoffs.go
	Business   // leads, courses, enrolments, tickets, outbox: business.go
	Staff      // console accounts and sessions: staff.go
	// Ping answers nil when the database answers within ctx.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// CheckCollection is ErrInvalid (wrapped) for what no store records as a
// collection: an empty root or name, or a name with a slash, which ends a
// collection's part of a source id.
func CheckCollection(root, name string) error {
	switch {
	case strings.TrimSpace(root) == "":
		return fmt.Errorf("collection root is empty: %w", ErrInvalid)
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("collection name is empty: %w", ErrInvalid)
	case strings.Contains(name, "/"):
		return fmt.Errorf("collection name %q has a slash: %w", name, ErrInvalid)
	}
	return nil
}

// CollectionName is the n-th candidate name of a collection wanted as
// name: name itself, then name-2, name-3….
func CollectionName(name string, n int) string {
	if n <= 1 {
		return name
	}
	return fmt.Sprintf("%s-%d", name, n)
}
