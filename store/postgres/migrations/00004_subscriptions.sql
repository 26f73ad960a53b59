-- Subscriptions to the marketing SaaS, as billing reports them through
-- PUT /api/v1/subscriptions/{external_id}; the KPIs (MRR, churn,
-- customers) are computed from them. The SQLite twin keeps the same table.

-- +goose Up
CREATE TABLE subscriptions (
    external_id           text PRIMARY KEY, -- billing's id: upserts are idempotent
    contact_id            text NOT NULL DEFAULT '',
    email                 text NOT NULL DEFAULT '',
    -- who the customer is, for counting customers: the folded email, else
    -- "contact:" + the contact id (store.NormalizeSubscription)
    customer_key          text NOT NULL,
    plan                  text NOT NULL,
    monthly_amount_cents  bigint NOT NULL CHECK (monthly_amount_cents >= 0),
    currency              text NOT NULL,
    started_at            timestamptz NOT NULL,
    cancelled_at          timestamptz, -- NULL while it runs
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX subscriptions_started_idx ON subscriptions (started_at DESC, external_id);
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_key, started_at);

-- The KPIs count conversations with a message in a range; this serves
-- that range filter.
CREATE INDEX messages_created_idx ON messages (created_at, conversation_id);

-- +goose Down
DROP INDEX messages_created_idx;
DROP TABLE subscriptions;
