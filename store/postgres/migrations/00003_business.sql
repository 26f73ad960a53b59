-- The data of the sales, courses and support tools: leads and their stage
-- history, the course catalogue and its enrolments, support tickets and
-- their notes, and the outbox of events to deliver. The SQLite twin keeps
-- the same tables and rules. Emails are folded in Go (store.FoldEmail)
-- into email_key columns, which uniqueness and look-ups use.

-- +goose Up
CREATE TABLE leads (
    id            text PRIMARY KEY,
    contact_id    text NOT NULL DEFAULT '',
    email         text NOT NULL,
    email_key     text NOT NULL UNIQUE,
    name          text NOT NULL DEFAULT '',
    phone         text NOT NULL DEFAULT '',
    company       text NOT NULL DEFAULT '',
    company_size  integer NOT NULL DEFAULT 0 CHECK (company_size >= 0),
    industry      text NOT NULL DEFAULT '',
    country       text NOT NULL DEFAULT '',
    interest      text NOT NULL DEFAULT '' CHECK (interest IN ('', 'courses', 'marketing_saas', 'documents')),
    budget        double precision NOT NULL DEFAULT 0 CHECK (budget >= 0),
    timeline      text NOT NULL DEFAULT '',
    signals       jsonb NOT NULL DEFAULT '{}', -- store.Signals
    score         double precision NOT NULL DEFAULT 0,
    score_factors jsonb,
    stage         text NOT NULL CHECK (stage IN ('new', 'marketing_qualified', 'sales_qualified')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC);
CREATE INDEX leads_stage_created_idx ON leads (stage, created_at DESC, id DESC);

CREATE TABLE lead_stage_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     text NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_stage  text NOT NULL,
    to_stage    text NOT NULL,
    score       double precision NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX lead_stage_changes_lead_idx ON lead_stage_changes (lead_id, id);

CREATE TABLE courses (
    slug            text PRIMARY KEY,
    title_es        text NOT NULL DEFAULT '',
    title_en        text NOT NULL DEFAULT '',
    description_es  text NOT NULL DEFAULT '',
    description_en  text NOT NULL DEFAULT '',
    language        text NOT NULL DEFAULT '',
    topics          text[] NOT NULL DEFAULT '{}',
    level           text NOT NULL DEFAULT '',
    price_amount    double precision NOT NULL DEFAULT 0 CHECK (price_amount >= 0),
    price_currency  text NOT NULL DEFAULT '',
    seats           integer NOT NULL CHECK (seats >= 1),
    start_date      date, -- NULL when not scheduled
    duration_weeks  integer NOT NULL DEFAULT 0,
    status          text NOT NULL CHECK (status IN ('open', 'full', 'closed')),
    source          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE enrollments (
    id           text PRIMARY KEY,
    course_slug  text NOT NULL REFERENCES courses (slug),
    contact_id   text NOT NULL DEFAULT '',
    email        text NOT NULL,
    email_key    text NOT NULL,
    name         text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('pending_payment', 'active', 'completed', 'cancelled')),
    payment_ref  text NOT NULL DEFAULT '',
    progress     integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- One live seat per person and course; a cancelled one does not block a
-- new enrolment.
CREATE UNIQUE INDEX enrollments_person_key ON enrollments (course_slug, email_key) WHERE status <> 'cancelled';
CREATE INDEX enrollments_contact_idx ON enrollments (contact_id, created_at DESC);
CREATE INDEX enrollments_email_idx ON enrollments (email_key, created_at DESC);
CREATE INDEX enrollments_created_idx ON enrollments (created_at DESC, id DESC);

CREATE TABLE tickets (
    id               text PRIMARY KEY,
    -- a sequence: unique and increasing under any concurrency; a rolled
    -- back insert leaves a gap, which the contract allows
    number           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- who opened it, for de-duplication: "contact:" + the contact id, else
    -- "email:" + the folded email, else '' (never de-duplicated)
    owner_key        text NOT NULL,
    subject_key      text NOT NULL, -- store.SubjectKey(subject)
    contact_id       text NOT NULL DEFAULT '',
    conversation_id  text NOT NULL DEFAULT '',
    email            text NOT NULL DEFAULT '',
    email_key        text NOT NULL DEFAULT '',
    subject          text NOT NULL,
    description      text NOT NULL DEFAULT '',
    category         text NOT NULL CHECK (category IN ('billing', 'access', 'technical', 'course_content', 'sales', 'other')),
    priority         text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    queue            text NOT NULL DEFAULT '',
    language         text NOT NULL DEFAULT '',
    status           text NOT NULL CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    due_at           timestamptz, -- NULL: no SLA
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX tickets_active_subject_key ON tickets (owner_key, subject_key)
    WHERE status IN ('open', 'pending') AND owner_key <> '';
CREATE INDEX tickets_created_idx ON tickets (created_at DESC, number DESC);
CREATE INDEX tickets_contact_idx ON tickets (contact_id, created_at DESC);

CREATE TABLE ticket_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   text NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author      text NOT NULL DEFAULT '',
    text        text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX ticket_notes_ticket_idx ON ticket_notes (ticket_id, id);

CREATE TABLE outbox_events (
    id               text PRIMARY KEY, -- the producer's de-duplication key
    type             text NOT NULL,
    -- text, not jsonb: delivered byte for byte as the producer wrote it
    payload          text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    claimed_until    timestamptz, -- a lease runs while > now
    last_error       text NOT NULL DEFAULT '',
    delivered_at     timestamptz, -- NULL until delivered
    created_at       timestamptz NOT NULL
);
CREATE INDEX outbox_events_due_idx ON outbox_events (next_attempt_at, created_at) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE outbox_events;
DROP TABLE ticket_notes;
DROP TABLE tickets;
DROP TABLE enrollments;
DROP TABLE courses;
DROP TABLE lead_stage_changes;
DROP TABLE leads;
