-- Course waiting lists: an enrolment may be 'waitlisted', on its course's
-- list, holding no seat. The status column has no CHECK here (00003), so it
-- already holds the new status and no table rebuild is needed; what is new
-- is the index that keeps each course's list in the order it was joined,
-- for positions and promotions.

-- +goose Up
CREATE INDEX enrollments_waitlist ON enrollments (course_slug, created_at, id) WHERE status = 'waitlisted';

-- +goose Down
-- The code before the waiting list would count a waitlisted enrolment as
-- a seat taken: they leave their lists instead, stamped now (the clock
-- here has milliseconds only: never before the last change).
UPDATE enrollments SET status = 'cancelled',
    updated_at = max(updated_at + 1, CAST(unixepoch('subsec') * 1000000000 AS INTEGER))
    WHERE status = 'waitlisted';
DROP INDEX enrollments_waitlist;
