-- Documents Faro generated for people (certificates, proposals, invoices),
-- with their rendered content, so a download link serves exactly what was
-- made. Not the knowledge base's documents (00001). The SQLite twin keeps
-- the same table and rules.

-- +goose Up
CREATE TABLE generated_documents (
    id               text PRIMARY KEY,
    template         text NOT NULL CHECK (template <> ''),
    format           text NOT NULL CHECK (format <> ''),
    language         text NOT NULL DEFAULT '',
    variables        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(variables) = 'object'),
    content          bytea NOT NULL,
    content_type     text NOT NULL,
    filename         text NOT NULL DEFAULT '',
    size             bigint NOT NULL CHECK (size > 0),
    sha256           text NOT NULL,
    created_by       text NOT NULL,
    for_contact      text, -- NULL when it is about nobody known
    conversation_id  text, -- NULL when made outside a conversation
    dedupe_key       text UNIQUE, -- NULL: never de-duplicated
    created_at       timestamptz NOT NULL
);
CREATE INDEX generated_documents_created_idx ON generated_documents (created_at DESC, id DESC);
CREATE INDEX generated_documents_creator_idx ON generated_documents (created_by, created_at DESC);
CREATE INDEX generated_documents_for_idx ON generated_documents (for_contact, created_at DESC) WHERE for_contact IS NOT NULL;

-- +goose Down
DROP TABLE generated_documents;
