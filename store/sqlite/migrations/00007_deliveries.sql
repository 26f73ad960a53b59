-- How each part of a reply fared on its platform: sent (with the
-- platform's id of it), delivered, read, or failed with the reason, so a
-- reply never fails silently. Times are UTC unix nanoseconds.

-- +goose Up
CREATE TABLE deliveries (
    message_id          TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    part                INTEGER NOT NULL,
    channel             TEXT NOT NULL,
    platform_message_id TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL,
    detail              TEXT NOT NULL DEFAULT '',
    attempts            INTEGER NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (message_id, part)
);
CREATE UNIQUE INDEX deliveries_platform ON deliveries (channel, platform_message_id) WHERE platform_message_id <> '';

-- +goose Down
DROP TABLE deliveries;
