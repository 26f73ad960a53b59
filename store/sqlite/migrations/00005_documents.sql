-- Documents Faro generated for people (certificates, proposals, invoices),
-- with their rendered content, so a download link serves exactly what was
-- made. Not the knowledge base's documents (00001). Times are UTC unix
-- nanoseconds; variables are JSON TEXT.

-- +goose Up
CREATE TABLE generated_documents (
    id               TEXT PRIMARY KEY,
    template         TEXT NOT NULL,
    format           TEXT NOT NULL,
    language         TEXT NOT NULL DEFAULT '',
    variables        TEXT NOT NULL DEFAULT '{}',
    content          BLOB NOT NULL,
    content_type     TEXT NOT NULL,
    filename         TEXT NOT NULL DEFAULT '',
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    for_contact      TEXT, -- NULL when it is about nobody known
    conversation_id  TEXT, -- NULL when made outside a conversation
    dedupe_key       TEXT, -- NULL: never de-duplicated
    created_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX generated_documents_dedupe ON generated_documents (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX generated_documents_created ON generated_documents (created_at DESC, id DESC);
CREATE INDEX generated_documents_creator ON generated_documents (created_by, created_at DESC);
CREATE INDEX generated_documents_for ON generated_documents (for_contact, created_at DESC) WHERE for_contact IS NOT NULL;

-- +goose Down
DROP TABLE generated_documents;
