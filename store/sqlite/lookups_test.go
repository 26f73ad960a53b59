package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLookupsUseTheirIndexes(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for _, c := range []struct{ table, where, index string }{
		{"conversations", whereConversationExternal, "conversations_external"},
		{"contacts", whereContactEmail, "contacts_email_fold"},
		{"messages", whereMessagePlatform, "messages_platform"},
		{"tickets", whereTicketActiveSubject, "tickets_active_subject"},
	} {
		args := make([]any, strings.Count(c.where, "?"))
		for i := range args {
			args[i] = "x"
		}
		rows, err := db.sql.Query(`EXPLAIN QUERY PLAN SELECT * FROM `+c.table+` `+c.where, args...)
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		require.Len(t, plan, 1, "%s: %v", c.table, plan)
		require.Contains(t, plan[0], "USING INDEX "+c.index, "%s %s", c.table, c.where)
	}
}
