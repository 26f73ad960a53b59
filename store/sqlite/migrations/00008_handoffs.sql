-- The hand-off of conversations to staff: each step (requested, taken,
-- replied, released) with who did it, and the thread in the staff
-- channel (Slack, Mattermost, Discord) where staff follow a conversation,
-- so that a reply in the thread reaches the person after a restart too.

-- +goose Up
CREATE TABLE handoff_events (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    actor           TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX handoff_events_conversation ON handoff_events (conversation_id, created_at);

CREATE TABLE staff_threads (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    thread          TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX staff_threads_thread ON staff_threads (platform, channel, thread);

-- +goose Down
DROP TABLE staff_threads;
DROP TABLE handoff_events;
