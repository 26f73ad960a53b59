-- The first schema of the embedded store. Times are UTC unix nanoseconds
-- (INTEGER) so they round-trip exactly; JSON is kept as TEXT, verbatim.

-- +goose Up
CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    -- email folded in Go (strings.ToLower, Unicode-aware, unlike SQLite's
    -- lower()), so uniqueness is case-insensitive for every script.
    email_fold  TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    language    TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_email_fold ON contacts (email_fold) WHERE email_fold <> '';
CREATE INDEX contacts_created ON contacts (created_at DESC, id DESC);

-- The rowid keeps insertion order, which is the order identities are listed in.
CREATE TABLE identities (
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    contact_id   TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX identities_contact ON identities (contact_id);

CREATE TABLE conversations (
    id           TEXT PRIMARY KEY,
    contact_id   TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    last_seq     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX conversations_external ON conversations (channel, external_id) WHERE external_id <> '';
CREATE INDEX conversations_updated ON conversations (updated_at DESC, id DESC);
CREATE INDEX conversations_contact_updated ON conversations (contact_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    author           TEXT NOT NULL,
    text             TEXT NOT NULL DEFAULT '',
    tool_calls       TEXT,
    tool_results     TEXT,
    channel          TEXT NOT NULL,
    platform_id      TEXT NOT NULL DEFAULT '',
    meta             TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_platform ON messages (channel, platform_id) WHERE platform_id <> '';

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL DEFAULT '',
    url           TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- pk is the integer key the full-text table and the in-memory vector index
-- refer to; id is the public UUID.
CREATE TABLE chunks (
    pk           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a stale index row cannot name another chunk
    id           TEXT NOT NULL UNIQUE,
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    heading      TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    embedding    BLOB, -- little-endian float32, as given; NULL when none
    UNIQUE (document_id, position)
);

-- terms holds fulltext.DocumentTerms of heading and text, already folded and
-- stemmed in Go; the tokenizer only splits them on spaces again.
CREATE VIRTUAL TABLE chunks_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 0');

-- Deleting a chunk, directly or by cascade from its document, drops its terms.
-- +goose StatementBegin
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    DELETE FROM chunks_fts WHERE rowid = old.pk;
END;
-- +goose StatementEnd

-- One row: the embedder of the stored vectors and a generation counter bumped
-- by every knowledge write, so the in-memory vector index knows when to reload.
CREATE TABLE knowledge_meta (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    embedder    TEXT NOT NULL DEFAULT '',
    dimension   INTEGER NOT NULL DEFAULT 0,
    generation  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO knowledge_meta (id) VALUES (1);

-- +goose Down
DROP TABLE knowledge_meta;
DROP TRIGGER chunks_fts_delete;
DROP TABLE chunks_fts;
DROP TABLE chunks;
DROP TABLE documents;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE identities;
DROP TABLE contacts;
