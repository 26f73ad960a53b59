package storetest

import (
	"encoding/json"
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

func exerciseAppendMessages(t *testing.T, open func(t *testing.T) store.Store) {
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
	asked, _, err := s.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser, Text: "¿Cuánto cuesta?"})
	require.NoError(t, err)

	// A turn's steps and its reply, with the tokens they cost.
	call := store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant,
		ToolCalls: json.RawMessage(`[{"id":"c1","name":"search_knowledge","arguments":"{}"}]`)}
	result := store.Message{ConversationID: conv.ID, Author: store.AuthorTool, ToolResults: json.RawMessage(`{"tool_call_id":"c1","content":"{}"}`)}
	reply := store.Message{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "Cuesta 199 USD.", Meta: json.RawMessage(`{"outcome":"answered"}`)}
	out, err := s.AppendMessages(ctx, []store.Message{call, result, reply},
		store.Usage{ContactID: contact.ID, ConversationID: conv.ID, PromptTokens: 120, CompletionTokens: 8})
	require.NoError(t, err, "AppendMessages")
	require.Len(t, out, 3)
	for i, m := range out {
		require.NotEmpty(t, m.ID)
		require.Equal(t, int64(2+i), m.Seq, "consecutive seqs, in order")
		require.Equal(t, "web", m.Channel, "on its conversation's channel")
	}
	require.JSONEq(t, string(call.ToolCalls), string(out[0].ToolCalls))
	require.JSONEq(t, string(result.ToolResults), string(out[1].ToolResults))
	require.Equal(t, "Cuesta 199 USD.", out[2].Text)
	stored, err := s.Messages(ctx, conv.ID, store.MessageQuery{AfterSeq: asked.Seq})
	require.NoError(t, err)
	require.Equal(t, out, stored, "returned as stored")
	b.requireLastSeq(t, conv.ID, 4, "the conversation's last seq is the reply's")
	got, err := s.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, out[2].CreatedAt, got.UpdatedAt, "the reply moves UpdatedAt; the steps before it do not matter")
	require.Equal(t, int64(128), usage(), "the tokens are recorded with them")

	_, err = s.AppendMessages(ctx, []store.Message{{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "Hola."}},
		store.Usage{ContactID: contact.ID})
	require.NoError(t, err, "a reply alone, with no tokens")
	require.Equal(t, 5, count())
	require.Equal(t, int64(128), usage())

	// All or nothing.
	for _, bad := range []struct {
		name string
		ms   []store.Message
		u    store.Usage
		want error
	}{
		{"a negative token count", []store.Message{call, reply}, store.Usage{ContactID: contact.ID, PromptTokens: -1, CompletionTokens: 5}, store.ErrInvalid},
		{"tokens and no contact", []store.Message{call, reply}, store.Usage{PromptTokens: 5}, store.ErrInvalid},
		{"a platform id", []store.Message{call, {ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "x", PlatformID: "p1"}}, store.Usage{}, store.ErrInvalid},
		{"an unknown author last", []store.Message{call, result, {ConversationID: conv.ID, Author: "robot", Text: "x"}}, store.Usage{}, store.ErrInvalid},
		{"JSON that is not JSON last", []store.Message{call, {ConversationID: conv.ID, Author: store.AuthorTool, ToolResults: json.RawMessage(`{`)}}, store.Usage{}, store.ErrInvalid},
		{"two conversations", []store.Message{call, {ConversationID: "other", Author: store.AuthorAssistant, Text: "x"}}, store.Usage{}, store.ErrInvalid},
		{"no messages", nil, store.Usage{}, store.ErrInvalid},
		{"an unknown conversation", []store.Message{{ConversationID: "no-such-conversation", Author: store.AuthorAssistant, Text: "x"}},
			store.Usage{ContactID: contact.ID, PromptTokens: 5}, store.ErrNotFound},
	} {
		_, err := s.AppendMessages(ctx, bad.ms, bad.u)
		requireErrorIs(t, err, bad.want, "AppendMessages with "+bad.name)
	}
	require.Equal(t, 5, count(), "refused messages are not stored")
	b.requireLastSeq(t, conv.ID, 5, "nor do they take seqs")
	require.Equal(t, int64(128), usage(), "nor are their tokens")
}
