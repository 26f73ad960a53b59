package agent

import (
	"context"
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

// contactTokensSince returns the tokens recorded for the turn's contact
// since since.
func (a *Agent) contactTokensSince(t *turn, since time.Time) (int64, error) {
	n, err := a.store.UsageSince(t.turnCtx, t.contact.ID, since)
	if err != nil {
		return 0, fmt.Errorf("count the contact's tokens: %w", err)
	}
	return n, nil
}

// usageRecord is what the turn spent, to store with its reply; zero when
// nothing was spent or there is no contact to count it against (logged).
func (t *turn) usageRecord() store.Usage {
	if t.usage.Total() == 0 {
		return store.Usage{}
	}
	if t.contact.ID == "" {
		t.a.log.Error("token usage not recorded", "conversation_id", t.g.convID, "tokens", t.usage.Total(), "err", "no contact")
		return store.Usage{}
	}
	return store.Usage{
		ContactID: t.contact.ID, ConversationID: t.g.convID,
		PromptTokens: int64(t.usage.PromptTokens), CompletionTokens: int64(t.usage.CompletionTokens),
	}
}

// recordUsage records what a turn that stored no reply spent, for the
// contact's daily budget. A failure is logged, not returned: a budget
// counted a little short is better than an answer lost.
func (t *turn) recordUsage(ctx context.Context) {
	u := t.usageRecord()
	if u.ContactID == "" {
		return
	}
	if err := t.a.store.RecordUsage(ctx, u); err != nil {
		t.a.log.Error("token usage not recorded", "conversation_id", t.g.convID, "tokens", t.usage.Total(), "err", err)
	}
}
