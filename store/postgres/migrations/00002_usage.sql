-- Token usage per turn, for the daily budget of a contact. No foreign keys:
-- usage is a record of money spent, kept whatever happens to the contact.

-- +goose Up
CREATE TABLE token_usage (
    contact_id        text NOT NULL,
    conversation_id   text NOT NULL DEFAULT '',
    prompt_tokens     bigint NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint NOT NULL CHECK (completion_tokens >= 0),
    created_at        timestamptz NOT NULL
);
CREATE INDEX token_usage_contact_idx ON token_usage (contact_id, created_at);

-- +goose Down
DROP TABLE token_usage;
