-- Faro's schema on PostgreSQL. The SQLite twin (store/sqlite) keeps the same
-- tables and rules; the conformance suite (store/storetest) holds both to
-- one behaviour.

-- +goose Up

-- Ids are UUIDv7 strings made in Go. They are text, not uuid, so that a
-- malformed id asked for by a caller is simply not found rather than a
-- syntax error.
CREATE TABLE contacts (
    id         text PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    email      text NOT NULL DEFAULT '',
    -- email folded to lower case in Go: unique case-insensitively whatever
    -- the server's locale does with non-ASCII letters.
    email_key  text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    language   text NOT NULL DEFAULT '',
    role       text NOT NULL CHECK (role IN ('prospect', 'student', 'staff')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (email_key) WHERE email_key <> '';
CREATE INDEX contacts_created_idx ON contacts (created_at DESC, id DESC);

CREATE TABLE identities (
    channel     text NOT NULL,
    external_id text NOT NULL,
    contact_id  text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- keeps a contact's identities in the order they were linked
    ord         bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX identities_contact_idx ON identities (contact_id, ord);

CREATE TABLE conversations (
    id          text PRIMARY KEY,
    contact_id  text NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel     text NOT NULL,
    external_id text NOT NULL DEFAULT '',
    language    text NOT NULL DEFAULT '',
    status      text NOT NULL CHECK (status IN ('open', 'handed_off', 'closed')),
    summary     text NOT NULL DEFAULT '',
    -- the Seq of the newest message; AppendMessage increments it under the
    -- row lock, which is what serialises concurrent writers.
    last_seq    bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX conversations_external_key ON conversations (channel, external_id) WHERE external_id <> '';
CREATE INDEX conversations_contact_idx ON conversations (contact_id, updated_at DESC, id DESC);
CREATE INDEX conversations_updated_idx ON conversations (updated_at DESC, id DESC);

CREATE TABLE messages (
    id              text PRIMARY KEY,
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    author          text NOT NULL,
    text            text NOT NULL DEFAULT '',
    tool_calls      jsonb,
    tool_results    jsonb,
    channel         text NOT NULL DEFAULT '',
    platform_id     text NOT NULL DEFAULT '',
    meta            jsonb,
    created_at      timestamptz NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_platform_key ON messages (channel, platform_id) WHERE platform_id <> '';

CREATE TABLE documents (
    id           text PRIMARY KEY,
    source       text NOT NULL UNIQUE,
    title        text NOT NULL DEFAULT '',
    language     text NOT NULL DEFAULT '',
    content_hash text NOT NULL DEFAULT '',
    url          text NOT NULL DEFAULT '',
    tags         text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX documents_tags_idx ON documents USING gin (tags);

-- embedding has no fixed dimension so that switching embedders needs no
-- migration; each dimension gets its own HNSW expression index,
-- chunks_embedding_hnsw_<dim>, made when the dimension is recorded.
-- terms is built in Go (store/fulltext) so both backends index the same
-- terms; term_count (repeats included) is the length BM25 normalises by.
CREATE TABLE chunks (
    id          text PRIMARY KEY,
    document_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    heading     text NOT NULL DEFAULT '',
    text        text NOT NULL DEFAULT '',
    language    text NOT NULL DEFAULT '',
    link        text NOT NULL DEFAULT '',
    embedding   vector,
    terms       tsvector NOT NULL,
    term_count  integer NOT NULL,
    UNIQUE (document_id, position)
);
CREATE INDEX chunks_terms_idx ON chunks USING gin (terms);

-- At most one row: the embedder that built the stored vectors.
CREATE TABLE knowledge_index (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    embedder  text NOT NULL,
    dimension integer NOT NULL CHECK (dimension > 0)
);

-- +goose Down
DROP TABLE knowledge_index;
DROP TABLE chunks;
DROP TABLE documents;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE identities;
DROP TABLE contacts;
