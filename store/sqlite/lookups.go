package sqlite

// The lookups by a key that has a partial unique index (unique only when
// not empty). SQLite uses such an index only when the query's WHERE states
// the index's condition itself — a bound parameter could be ” as far as
// the planner knows — and without it scans the whole table: a conversation
// looked up by its chat scanned every conversation, on every turn.
// TestLookupsUseTheirIndexes checks each plan.
const (
	whereConversationExternal = `WHERE channel = ? AND external_id = ? AND external_id <> ''`
	whereContactEmail         = `WHERE email_fold = ? AND email_fold <> ''`
	whereMessagePlatform      = `WHERE channel = ? AND platform_id = ? AND platform_id <> ''`
	whereTicketActiveSubject  = `WHERE owner_key = ? AND subject_key = ? AND status IN ('open', 'pending') AND owner_key <> ''`
)
