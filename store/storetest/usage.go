package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseUsage(t *testing.T, open func(t *testing.T) store.Store) {
	b := setup(t, open)
	ctx, s := b.ctx, b.store

	total, err := s.UsageSince(ctx, "nobody", time.Time{})
	require.NoError(t, err, "UsageSince of a contact with no usage")
	require.Zero(t, total, "UsageSince of a contact with no usage")

	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, u := range []store.Usage{
		{ContactID: "c1", ConversationID: "v1", PromptTokens: 100, CompletionTokens: 20, At: day.Add(-time.Microsecond)},
		{ContactID: "c1", ConversationID: "v1", PromptTokens: 300, CompletionTokens: 40, At: day},
		{ContactID: "c1", ConversationID: "v2", PromptTokens: 5, CompletionTokens: 0, At: day.Add(5 * time.Hour)},
		{ContactID: "c2", ConversationID: "v3", PromptTokens: 1000, CompletionTokens: 1000, At: day.Add(time.Hour)},
		{ContactID: "c1", PromptTokens: 0, CompletionTokens: 0, At: day.Add(time.Hour)}, // nothing spent: still fine
	} {
		require.NoError(t, s.RecordUsage(ctx, u), "RecordUsage %+v", u)
	}
	for _, tc := range []struct {
		contact string
		since   time.Time
		want    int64
	}{
		{"c1", time.Time{}, 465},
		{"c1", day, 345},                     // at or after since: the one at midnight counts
		{"c1", day.Add(time.Microsecond), 5}, // across conversations (PostgreSQL keeps microseconds)
		{"c1", day.Add(6 * time.Hour), 0},
		{"c2", day, 2000},
	} {
		got, err := s.UsageSince(ctx, tc.contact, tc.since)
		require.NoError(t, err, "UsageSince(%s, %s)", tc.contact, tc.since)
		require.Equal(t, tc.want, got, "UsageSince(%s, %s)", tc.contact, tc.since)
	}

	// A zero At is now.
	before := time.Now().Add(-time.Minute)
	require.NoError(t, s.RecordUsage(ctx, store.Usage{ContactID: "c3", ConversationID: "v4", PromptTokens: 7, CompletionTokens: 3}))
	got, err := s.UsageSince(ctx, "c3", before)
	require.NoError(t, err)
	require.Equal(t, int64(10), got, "a usage recorded without a time counts as now")

	requireErrorIs(t, s.RecordUsage(ctx, store.Usage{PromptTokens: 1}), store.ErrInvalid, "RecordUsage without a contact")
	requireErrorIs(t, s.RecordUsage(ctx, store.Usage{ContactID: "c1", PromptTokens: -1}), store.ErrInvalid, "RecordUsage with a negative count")
	requireErrorIs(t, s.RecordUsage(ctx, store.Usage{ContactID: "c1", CompletionTokens: -1}), store.ErrInvalid, "RecordUsage with a negative count")
	got, err = s.UsageSince(ctx, "c1", time.Time{})
	require.NoError(t, err)
	require.Equal(t, int64(465), got, "refused usage is not stored")
}

func exerciseReplyUsage(t *testing.T, open func(t *testing.T) store.Store) {
	b := setup(t, open)
	ctx, s := b.ctx, b.store
	contact := b.createContact(t, "Ana")
	conv := b.createConversation(t, contact.ID, "web", "chat-reply")
	since := time.Now().Add(-time.Minute)
	usage := func() int64 {
		t.Helper()
		n, err := s.UsageSince(ctx, contact.ID, since)
		require.NoError(t, err)
		return n
	}
	count := func() int {
		t.Helper()
		ms, err := s.Messages(ctx, conv.ID, store.MessageQuery{})
		require.NoError(t, err)
		return len(ms)
	}

	m, err := s.AppendReply(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "Cuesta 199 USD."},
		store.Usage{ContactID: contact.ID, ConversationID: conv.ID, PromptTokens: 120, CompletionTokens: 8})
	require.NoError(t, err, "AppendReply")
	require.Equal(t, int64(1), m.Seq)
	require.Equal(t, "web", m.Channel, "on its conversation's channel")
	require.Equal(t, int64(128), usage(), "the reply's tokens are recorded with it")

	_, err = s.AppendReply(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "Hola."},
		store.Usage{ContactID: contact.ID})
	require.NoError(t, err, "AppendReply with no tokens")
	require.Equal(t, 2, count())
	require.Equal(t, int64(128), usage())

	// Both or neither.
	_, err = s.AppendReply(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "x"},
		store.Usage{ContactID: contact.ID, PromptTokens: -1, CompletionTokens: 5})
	requireErrorIs(t, err, store.ErrInvalid, "AppendReply with a negative count")
	_, err = s.AppendReply(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "x"},
		store.Usage{PromptTokens: 5})
	requireErrorIs(t, err, store.ErrInvalid, "AppendReply with tokens and no contact")
	_, err = s.AppendReply(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "x", PlatformID: "p1"},
		store.Usage{ContactID: contact.ID, PromptTokens: 5})
	requireErrorIs(t, err, store.ErrInvalid, "AppendReply with a platform id")
	_, err = s.AppendReply(ctx, store.Message{ConversationID: "no-such-conversation", Author: store.AuthorAssistant, Text: "x"},
		store.Usage{ContactID: contact.ID, PromptTokens: 5})
	requireErrorIs(t, err, store.ErrNotFound, "AppendReply to an unknown conversation")
	require.Equal(t, 2, count(), "a refused reply is not stored")
	require.Equal(t, int64(128), usage(), "nor are its tokens")
}
