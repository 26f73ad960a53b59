-- Token usage per turn, for the daily budget of a contact. No foreign keys:
-- usage is a record of money spent, kept whatever happens to the contact.

-- +goose Up
CREATE TABLE token_usage (
    contact_id         TEXT NOT NULL,
    conversation_id    TEXT NOT NULL DEFAULT '',
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE INDEX token_usage_contact ON token_usage (contact_id, created_at);

-- +goose Down
DROP TABLE token_usage;
