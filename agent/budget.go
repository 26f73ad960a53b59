package agent

import (
	"fmt"
	"time"

	"github.com/faroai/faro/store"
)

// overBudget reports whether a token budget is spent, counting what this
// turn spent so far. The contact's day is counted once per turn (the
// turn's own usage is added to it as it grows).
func (t *turn) overBudget() (bool, error) {
	b := t.a.limits.Budgets
	spent := t.usage.Total()
	if b.TokensPerConversation > 0 && t.prevTotal+spent >= b.TokensPerConversation {
		t.a.log.Warn("conversation token budget spent", "conversation_id", t.g.convID,
			"tokens", t.prevTotal+spent, "budget", b.TokensPerConversation)
		return true, nil
	}
	if b.TokensPerContactPerDay <= 0 {
		return false, nil
	}
	if t.dayTotal < 0 {
		n, err := t.a.contactTokensSince(t, startOfDay(t.a.now()))
		if err != nil {
			return false, err
		}
		// What this turn carried over from discarded generations is not
		// stored yet: it is in spent.
		t.dayTotal = n
	}
	if t.dayTotal+spent >= b.TokensPerContactPerDay {
		t.a.log.Warn("contact daily token budget spent", "conversation_id", t.g.convID, "contact_id", t.contact.ID,
			"tokens", t.dayTotal+spent, "budget", b.TokensPerContactPerDay)
		return true, nil
	}
	return false, nil
}

// startOfDay is midnight UTC of t's day: daily budgets reset then.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// maxUsageConversations bounds the conversations read to count a contact's
// day. A person has few conversations a day; past this many, the oldest
// are not counted.
const maxUsageConversations = 100

// contactTokensSince sums the tokens of the replies to the contact's
// conversations since since, from the replies' Meta.
func (a *Agent) contactTokensSince(t *turn, since time.Time) (int64, error) {
	ctx := t.turnCtx
	convs, err := a.store.ListConversations(ctx, t.contact.ID, 0, maxUsageConversations)
	if err != nil {
		return 0, fmt.Errorf("count the contact's tokens: %w", err)
	}
	var total int64
	for _, c := range convs {
		if c.UpdatedAt.Before(since) {
			break // most recently updated first: nothing later was written to today
		}
		ms, err := a.store.Messages(ctx, c.ID, store.MessageQuery{})
		if err != nil {
			return 0, fmt.Errorf("count the contact's tokens: %w", err)
		}
		for _, m := range ms {
			if m.CreatedAt.Before(since) {
				continue
			}
			if meta, ok := decodeReplyMeta(m); ok {
				total += meta.Usage.Total()
			}
		}
	}
	return total, nil
}
