-- Course waiting lists: an enrolment may be 'waitlisted', on its course's
-- list, holding no seat. The status CHECK of 00003 gains the new status,
-- and an index keeps each course's list in the order it was joined, for
-- positions and promotions.

-- +goose Up
ALTER TABLE enrollments DROP CONSTRAINT enrollments_status_check;
ALTER TABLE enrollments ADD CONSTRAINT enrollments_status_check
    CHECK (status IN ('pending_payment', 'active', 'completed', 'cancelled', 'waitlisted'));
CREATE INDEX enrollments_waitlist_idx ON enrollments (course_slug, created_at, id) WHERE status = 'waitlisted';

-- +goose Down
-- The old CHECK refuses 'waitlisted', and the code before the waiting list
-- would count such an enrolment as a seat taken: they leave their lists.
UPDATE enrollments SET status = 'cancelled', updated_at = greatest(now(), updated_at + interval '1 microsecond')
    WHERE status = 'waitlisted';
DROP INDEX enrollments_waitlist_idx;
ALTER TABLE enrollments DROP CONSTRAINT enrollments_status_check;
ALTER TABLE enrollments ADD CONSTRAINT enrollments_status_check
    CHECK (status IN ('pending_payment', 'active', 'completed', 'cancelled'));
