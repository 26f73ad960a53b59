-- Subscriptions to the marketing SaaS, as billing reports them through
-- PUT /api/v1/subscriptions/{external_id}; the KPIs (MRR, churn,
-- customers) are computed from them. Times are UTC unix nanoseconds.

-- +goose Up
CREATE TABLE subscriptions (
    external_id           TEXT PRIMARY KEY, -- billing's id: upserts are idempotent
    contact_id            TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    -- who the customer is, for counting customers: the folded email, else
    -- "contact:" + the contact id (store.NormalizeSubscription)
    customer_key          TEXT NOT NULL,
    plan                  TEXT NOT NULL,
    monthly_amount_cents  INTEGER NOT NULL CHECK (monthly_amount_cents >= 0),
    currency              TEXT NOT NULL,
    started_at            INTEGER NOT NULL,
    cancelled_at          INTEGER, -- NULL while it runs
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX subscriptions_started ON subscriptions (started_at DESC, external_id);
CREATE INDEX subscriptions_customer ON subscriptions (customer_key, started_at);

-- The KPIs count conversations with a message in a range, and tickets
-- opened in one; these serve those range filters.
CREATE INDEX messages_created ON messages (created_at, conversation_id);

-- +goose Down
DROP INDEX messages_created;
DROP TABLE subscriptions;
