-- The latest engagement signals of each consenting widget visitor, shared
-- by every server instead of kept in the memory of the one holding the
-- socket.

-- +goose Up
CREATE TABLE web_signals (
    visitor_id           TEXT PRIMARY KEY,
    conversation_id      TEXT NOT NULL DEFAULT '',
    pages_viewed         INTEGER NOT NULL DEFAULT 0,
    time_on_site_seconds INTEGER NOT NULL DEFAULT 0,
    pricing_visits       INTEGER NOT NULL DEFAULT 0,
    demo_requested       BOOLEAN NOT NULL DEFAULT false,
    updated_at           TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE web_signals;
