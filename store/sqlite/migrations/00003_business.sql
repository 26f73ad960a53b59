-- The data of the sales, courses and support tools: leads and their stage
-- history, the course catalogue and its enrolments, support tickets and
-- their notes, and the outbox of events to deliver. Times are UTC unix
-- nanoseconds; JSON is TEXT, verbatim; emails are folded in Go
-- (store.FoldEmail) into *_fold columns, which uniqueness and look-ups use.

-- +goose Up
CREATE TABLE leads (
    id             TEXT PRIMARY KEY,
    contact_id     TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL,
    email_fold     TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    company        TEXT NOT NULL DEFAULT '',
    company_size   INTEGER NOT NULL DEFAULT 0,
    industry       TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    interest       TEXT NOT NULL DEFAULT '',
    budget         REAL NOT NULL DEFAULT 0,
    timeline       TEXT NOT NULL DEFAULT '',
    signals        TEXT NOT NULL DEFAULT '{}', -- store.Signals as JSON
    score          REAL NOT NULL DEFAULT 0,
    score_factors  TEXT,
    stage          TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX leads_created ON leads (created_at DESC, id DESC);
CREATE INDEX leads_stage_created ON leads (stage, created_at DESC, id DESC);

CREATE TABLE lead_stage_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id     TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_stage  TEXT NOT NULL,
    to_stage    TEXT NOT NULL,
    score       REAL NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX lead_stage_changes_lead ON lead_stage_changes (lead_id, id);

CREATE TABLE courses (
    slug            TEXT PRIMARY KEY,
    title_es        TEXT NOT NULL DEFAULT '',
    title_en        TEXT NOT NULL DEFAULT '',
    description_es  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT '',
    topics          TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    level           TEXT NOT NULL DEFAULT '',
    price_amount    REAL NOT NULL DEFAULT 0,
    price_currency  TEXT NOT NULL DEFAULT '',
    seats           INTEGER NOT NULL,
    start_date      TEXT, -- YYYY-MM-DD, NULL when not scheduled
    duration_weeks  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    source          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE enrollments (
    id           TEXT PRIMARY KEY,
    course_slug  TEXT NOT NULL REFERENCES courses (slug),
    contact_id   TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL,
    email_fold   TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    payment_ref  TEXT NOT NULL DEFAULT '',
    progress     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- One live seat per person and course; a cancelled one does not block a
-- new enrolment.
CREATE UNIQUE INDEX enrollments_person ON enrollments (course_slug, email_fold) WHERE status <> 'cancelled';
CREATE INDEX enrollments_contact ON enrollments (contact_id, created_at DESC);
CREATE INDEX enrollments_email ON enrollments (email_fold, created_at DESC);
CREATE INDEX enrollments_created ON enrollments (created_at DESC, id DESC);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    number           INTEGER NOT NULL UNIQUE,
    -- who opened it, for de-duplication: the contact id, else
    -- "email:" + the folded email, else '' (never de-duplicated)
    owner_key        TEXT NOT NULL,
    subject_key      TEXT NOT NULL, -- store.SubjectKey(subject)
    contact_id       TEXT NOT NULL DEFAULT '',
    conversation_id  TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    email_fold       TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL,
    priority         TEXT NOT NULL,
    queue            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    due_at           INTEGER, -- NULL: no SLA
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX tickets_active_subject ON tickets (owner_key, subject_key)
    WHERE status IN ('open', 'pending') AND owner_key <> '';
CREATE INDEX tickets_created ON tickets (created_at DESC, id DESC);
CREATE INDEX tickets_contact ON tickets (contact_id, created_at DESC);

CREATE TABLE ticket_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author      TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes (ticket_id, id);

CREATE TABLE outbox_events (
    id               TEXT PRIMARY KEY, -- the producer's de-duplication key
    type             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_until    INTEGER NOT NULL DEFAULT 0, -- a lease runs while > now
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     INTEGER, -- NULL until delivered
    created_at       INTEGER NOT NULL
);
CREATE INDEX outbox_events_due ON outbox_events (next_attempt_at, created_at) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE outbox_events;
DROP TABLE ticket_notes;
DROP TABLE tickets;
DROP TABLE enrollments;
DROP TABLE courses;
DROP TABLE lead_stage_changes;
DROP TABLE leads;
