package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// requireSameJSON compares JSON as values (a backend may store it as
// PostgreSQL jsonb, which reorders keys and drops spaces); absent stays
// absent.
func requireSameJSON(t *testing.T, want, got json.RawMessage, what string) {
	t.Helper()
	if len(want) == 0 {
		require.Empty(t, got, "%s: none was given, so none must come back (got %s)", what, got)
		return
	}
	require.JSONEq(t, string(want), string(got), what)
}

// requireSameMessage compares two messages, JSON as values and CreatedAt as
// an instant.
func requireSameMessage(t *testing.T, want, got store.Message, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameJSON(t, want.ToolCalls, got.ToolCalls, what+": ToolCalls")
	requireSameJSON(t, want.ToolResults, got.ToolResults, what+": ToolResults")
	requireSameJSON(t, want.Meta, got.Meta, what+": Meta")
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.ToolCalls, want.ToolResults, want.Meta = nil, nil, nil
	got.ToolCalls, got.ToolResults, got.Meta = nil, nil, nil
	require.Equal(t, want, got, what)
}

// appendText appends a message with only text and fails the test if that
// is not possible.
func (b *testBundle) appendText(t *testing.T, conv store.Conversation, author store.Author, text, platformID string) (store.Message, bool) {
	t.Helper()
	m, created, err := b.store.AppendMessage(b.ctx, store.Message{ConversationID: conv.ID, Author: author, Text: text, Channel: conv.Channel, PlatformID: platformID})
	require.NoError(t, err, "AppendMessage %q", text)
	return m, created
}

// requireSeqs checks that msgs are exactly the seqs from..to, in order.
func requireSeqs(t *testing.T, msgs []store.Message, from, to int64, what string) {
	t.Helper()
	var got, want []int64
	for _, m := range msgs {
		got = append(got, m.Seq)
	}
	for s := from; s <= to; s++ {
		want = append(want, s)
	}
	require.Equal(t, want, got, "%s: seqs", what)
}

// requireLastSeq checks the conversation's LastSeq, the counter that hands
// out seqs.
func (b *testBundle) requireLastSeq(t *testing.T, convID string, want int64, what string) {
	t.Helper()
	c, err := b.store.Conversation(b.ctx, convID)
	require.NoError(t, err, "Conversation %s", convID)
	require.Equal(t, want, c.LastSeq, "%s: Conversation.LastSeq must be the Seq of its newest message", what)
}

func exerciseMessages(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		b := setup(t, open)
		conv := b.createConversation(t, b.createContact(t, "Ana").ID, "telegram", "chat-1")

		// The JSON is written with spaces and keys out of order on purpose:
		// only its value must survive.
		in := []store.Message{
			{Author: store.AuthorUser, Text: "¿Cuánto cuesta el curso de IA? 🤖", PlatformID: "update-100",
				Meta: json.RawMessage(`{ "attachments": [ {"kind":"photo", "id":"f1"} ], "lang":"es" }`)},
			{Author: store.AuthorAssistant, Text: "",
				ToolCalls: json.RawMessage(`[ {"id":"call_1","type":"function","function":{"name":"list_courses","arguments":"{\"language\":\"es\"}"}} ]`)},
			{Author: store.AuthorTool,
				ToolResults: json.RawMessage(`[{"tool_call_id":"call_1","name":"list_courses","content":"[{\"slug\":\"ia-101\",\"price\":199.5}]"}]`)},
			{Author: store.AuthorAssistant, Text: "El curso IA-101 cuesta 199,50 USD.",
				Meta: json.RawMessage(`{"usage":{"output_tokens":12,"input_tokens":340},"citations":[{"source":"cursos/ia-101.md","rank":1}]}`)},
			{Author: store.AuthorStaff, Text: "Hola Ana, te escribe María.", PlatformID: "update-101"},
			{Author: store.AuthorSystem, Text: "conversation handed off"},
		}
		var stored []store.Message
		for i, m := range in {
			m.ConversationID = conv.ID
			m.Channel = conv.Channel
			before := time.Now()
			got, created, err := b.store.AppendMessage(b.ctx, m)
			after := time.Now()
			require.NoError(t, err, "AppendMessage #%d", i)
			require.True(t, created, "AppendMessage #%d of a new message must report created", i)
			require.NotEmpty(t, got.ID, "AppendMessage #%d must give the message an ID", i)
			require.Equal(t, int64(i+1), got.Seq, "AppendMessage #%d: seqs start at 1 and go up by one", i)
			requireStoreTime(t, got.CreatedAt, before, after, fmt.Sprintf("AppendMessage #%d: CreatedAt", i))
			want := m
			want.ID, want.Seq, want.CreatedAt = got.ID, got.Seq, got.CreatedAt
			requireSameMessage(t, want, got, fmt.Sprintf("AppendMessage #%d returns what it stored", i))
			stored = append(stored, got)
		}

		list, err := b.store.Messages(b.ctx, conv.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages")
		require.Len(t, list, len(in), "Messages with the zero query returns them all")
		for i := range list {
			requireSameMessage(t, stored[i], list[i], fmt.Sprintf("Messages[%d] returns what AppendMessage returned", i))
		}
		again, err := b.store.Messages(b.ctx, conv.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages, second read")
		for i := range again {
			requireSameMessage(t, list[i], again[i], fmt.Sprintf("two reads of Messages[%d]", i))
		}
		b.requireLastSeq(t, conv.ID, int64(len(in)), "after appending")

		byPID, err := b.store.MessageByPlatformID(b.ctx, "telegram", "update-100")
		require.NoError(t, err, "MessageByPlatformID")
		requireSameMessage(t, stored[0], byPID, "MessageByPlatformID")
		_, err = b.store.MessageByPlatformID(b.ctx, "telegram", "update-999")
		requireErrorIs(t, err, store.ErrNotFound, "MessageByPlatformID of an unknown id")
		_, err = b.store.MessageByPlatformID(b.ctx, "whatsapp", "update-100")
		requireErrorIs(t, err, store.ErrNotFound, "MessageByPlatformID: a known platform id on another channel")
		// Most messages have no platform id; "" must not find one of them.
		_, err = b.store.MessageByPlatformID(b.ctx, "telegram", "")
		requireErrorIs(t, err, store.ErrNotFound, "MessageByPlatformID with an empty platform id")

		_, _, err = b.store.AppendMessage(b.ctx, store.Message{ConversationID: "no-such-conversation", Author: store.AuthorUser, Text: "hola", Channel: "web"})
		requireErrorIs(t, err, store.ErrNotFound, "AppendMessage to a missing conversation")
		none, err := b.store.Messages(b.ctx, "no-such-conversation", store.MessageQuery{})
		requireEmptyOrNotFound(t, len(none), err, "Messages of a missing conversation")

		// Messages belong to their conversation: another one starts at 1.
		other := b.createConversation(t, conv.ContactID, "telegram", "chat-2")
		m, _ := b.appendText(t, other, store.AuthorUser, "otra conversación", "")
		require.Equal(t, int64(1), m.Seq, "the first message of another conversation has Seq 1")
		list, err = b.store.Messages(b.ctx, other.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages of the other conversation")
		require.Len(t, list, 1, "Messages lists one conversation only")
	})

	t.Run("InvalidAndDefaults", func(t *testing.T) {
		b := setup(t, open)
		conv := b.createConversation(t, b.createContact(t, "Ana").ID, "telegram", "chat-1")
		for _, m := range []store.Message{
			{Author: "bot", Text: "hola"},
			{Author: "", Text: "hola"},
			{Author: store.AuthorAssistant, ToolCalls: json.RawMessage(`[{"id":`)},
			{Author: store.AuthorTool, ToolResults: json.RawMessage(`nope`)},
			{Author: store.AuthorUser, Text: "hola", Meta: json.RawMessage(`{"a":1}}`)},
		} {
			m.ConversationID, m.Channel = conv.ID, conv.Channel
			_, _, err := b.store.AppendMessage(b.ctx, m)
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("AppendMessage author %q tool_calls %s tool_results %s meta %s", m.Author, m.ToolCalls, m.ToolResults, m.Meta))
		}
		list, err := b.store.Messages(b.ctx, conv.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages")
		require.Empty(t, list, "refused messages must not be stored")
		b.requireLastSeq(t, conv.ID, 0, "after refused messages: no Seq used up")

		// A message without a channel is on its conversation's channel, so
		// its platform id is deduplicated there.
		m, created, err := b.store.AppendMessage(b.ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser, Text: "hola", PlatformID: "u-1"})
		require.NoError(t, err, "AppendMessage without a channel")
		require.True(t, created, "AppendMessage without a channel")
		require.Equal(t, conv.Channel, m.Channel, "AppendMessage without a channel takes the conversation's")
		require.Equal(t, int64(1), m.Seq, "the first stored message has Seq 1: refused ones use none")
		got, err := b.store.MessageByPlatformID(b.ctx, conv.Channel, "u-1")
		require.NoError(t, err, "MessageByPlatformID on the conversation's channel")
		requireSameMessage(t, m, got, "MessageByPlatformID of a message stored without a channel")
		_, created, err = b.store.AppendMessage(b.ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser, Text: "hola", Channel: conv.Channel, PlatformID: "u-1"})
		require.NoError(t, err, "AppendMessage re-delivery with the channel spelled out")
		require.False(t, created, "a message stored without a channel is on the conversation's channel")
	})

	t.Run("Query", func(t *testing.T) {
		b := setup(t, open)
		conv := b.createConversation(t, b.createContact(t, "Ana").ID, "web", "s-1")
		empty, err := b.store.Messages(b.ctx, conv.ID, store.MessageQuery{Limit: 3, Last: true})
		require.NoError(t, err, "Messages of a conversation without messages")
		require.Empty(t, empty, "Messages of a conversation without messages")

		const n = 10
		for i := range n {
			b.appendText(t, conv, store.AuthorUser, fmt.Sprintf("mensaje %d", i+1), "")
		}
		cases := []struct {
			q        store.MessageQuery
			from, to int64 // expected seqs; from > to means none
		}{
			{store.MessageQuery{}, 1, 10},
			{store.MessageQuery{Last: true}, 1, 10}, // Last without Limit caps nothing
			{store.MessageQuery{AfterSeq: 3}, 4, 10},
			{store.MessageQuery{Limit: 3}, 1, 3},
			{store.MessageQuery{Limit: 3, Last: true}, 8, 10},
			{store.MessageQuery{Limit: 20}, 1, 10},
			{store.MessageQuery{Limit: 20, Last: true}, 1, 10},
			{store.MessageQuery{AfterSeq: 3, Limit: 2}, 4, 5},
			{store.MessageQuery{AfterSeq: 3, Limit: 2, Last: true}, 9, 10},
			{store.MessageQuery{AfterSeq: 7, Limit: 5, Last: true}, 8, 10},
			{store.MessageQuery{AfterSeq: 10}, 11, 10},
			{store.MessageQuery{AfterSeq: 10, Limit: 2, Last: true}, 11, 10},
		}
		for _, c := range cases {
			got, err := b.store.Messages(b.ctx, conv.ID, c.q)
			require.NoError(t, err, "Messages %+v", c.q)
			requireSeqs(t, got, c.from, c.to, fmt.Sprintf("Messages %+v", c.q))
			for _, m := range got {
				require.Equal(t, fmt.Sprintf("mensaje %d", m.Seq), m.Text, "Messages %+v: message with Seq %d", c.q, m.Seq)
			}
		}
		for _, q := range []store.MessageQuery{{Limit: -1}, {Limit: -3, Last: true}} {
			_, err := b.store.Messages(b.ctx, conv.ID, q)
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("Messages %+v: a negative limit", q))
		}
	})

	t.Run("StepsDoNotMoveUpdatedAt", func(t *testing.T) {
		b := setup(t, open)
		contact := b.createContact(t, "Ana")
		conv := b.createConversation(t, contact.ID, "web", "chat-steps")
		updatedAt := func() time.Time {
			t.Helper()
			c, err := b.store.Conversation(b.ctx, conv.ID)
			require.NoError(t, err)
			return c.UpdatedAt
		}
		time.Sleep(5 * time.Millisecond)
		asked, _ := b.appendText(t, conv, store.AuthorUser, "¿Cuánto cuesta?", "")
		require.Equal(t, asked.CreatedAt, updatedAt(), "a user message moves UpdatedAt to its CreatedAt")
		for _, step := range []store.Message{
			{ConversationID: conv.ID, Author: store.AuthorAssistant, ToolCalls: json.RawMessage(`[{"id":"c1","name":"search_knowledge","arguments":"{}"}]`)},
			{ConversationID: conv.ID, Author: store.AuthorTool, ToolResults: json.RawMessage(`{"tool_call_id":"c1","content":"{}"}`)},
		} {
			time.Sleep(5 * time.Millisecond)
			m, created, err := b.store.AppendMessage(b.ctx, step)
			require.NoError(t, err)
			require.True(t, created)
			require.True(t, m.IsStep())
			require.Equal(t, asked.CreatedAt, updatedAt(), "a %s step leaves UpdatedAt", step.Author)
		}
		b.requireLastSeq(t, conv.ID, 3, "steps take their seqs")
		time.Sleep(5 * time.Millisecond)
		replies, err := b.store.AppendMessages(b.ctx, []store.Message{{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "199 USD."}}, store.Usage{})
		require.NoError(t, err)
		reply := replies[0]
		require.Equal(t, reply.CreatedAt, updatedAt(), "a reply moves UpdatedAt")
	})

	t.Run("PlatformIDStoredOnce", func(t *testing.T) {
		b := setup(t, open)
		contact := b.createContact(t, "Ana")
		chatA := b.createConversation(t, contact.ID, "telegram", "chat-a")
		chatB := b.createConversation(t, contact.ID, "telegram", "chat-b")
		wa := b.createConversation(t, contact.ID, "whatsapp", "chat-a")

		time.Sleep(5 * time.Millisecond)
		first, created := b.appendText(t, chatA, store.AuthorUser, "hola", "upd-1")
		require.True(t, created, "first delivery of upd-1 must be created")

		// Appending is activity: the conversation moves up in
		// ListConversations ("most recently updated first").
		touched, err := b.store.Conversation(b.ctx, chatA.ID)
		require.NoError(t, err, "Conversation after AppendMessage")
		require.True(t, touched.UpdatedAt.After(chatA.UpdatedAt), "AppendMessage must move the conversation's UpdatedAt (was %v, now %v)", chatA.UpdatedAt, touched.UpdatedAt)
		require.False(t, touched.UpdatedAt.Before(first.CreatedAt), "conversation UpdatedAt %v is before its newest message %v", touched.UpdatedAt, first.CreatedAt)
		time.Sleep(5 * time.Millisecond)

		again, created, err := b.store.AppendMessage(b.ctx, store.Message{ConversationID: chatA.ID, Author: store.AuthorUser, Text: "hola (re-delivered)", Channel: "telegram", PlatformID: "upd-1"})
		require.NoError(t, err, "AppendMessage of a re-delivery is not an error")
		require.False(t, created, "a re-delivered (channel, platform id) must report created=false")
		requireSameMessage(t, first, again, "a re-delivery returns the message stored first, unchanged")
		// "Nothing is written": not even the conversation's counters.
		after, err := b.store.Conversation(b.ctx, chatA.ID)
		require.NoError(t, err, "Conversation after a re-delivery")
		requireSameConversation(t, touched, after, "a re-delivery must not touch the conversation (LastSeq, UpdatedAt)")

		// The platform id names the event, whatever conversation a confused
		// caller files it under.
		elsewhere, created, err := b.store.AppendMessage(b.ctx, store.Message{ConversationID: chatB.ID, Author: store.AuthorUser, Text: "hola", Channel: "telegram", PlatformID: "upd-1"})
		require.NoError(t, err, "AppendMessage of a re-delivery to another conversation")
		require.False(t, created, "(channel, platform id) is unique across conversations")
		requireSameMessage(t, first, elsewhere, "a re-delivery to another conversation returns the first message")

		onWA, created := b.appendText(t, wa, store.AuthorUser, "hola", "upd-1")
		require.True(t, created, "the same platform id on another channel is another message")
		require.NotEqual(t, first.ID, onWA.ID, "the same platform id on another channel is another message")
		require.Equal(t, int64(1), onWA.Seq, "first message of the whatsapp conversation")

		// Messages without a platform id are never taken for re-deliveries.
		e1, c1 := b.appendText(t, chatA, store.AuthorAssistant, "¿En qué te ayudo?", "")
		e2, c2 := b.appendText(t, chatA, store.AuthorAssistant, "¿En qué te ayudo?", "")
		require.True(t, c1 && c2, "identical messages without platform id are both created")
		require.NotEqual(t, e1.ID, e2.ID, "identical messages without platform id are two messages")
		require.Equal(t, []int64{2, 3}, []int64{e1.Seq, e2.Seq}, "a re-delivery must not use up a Seq")

		list, err := b.store.Messages(b.ctx, chatA.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages chat-a")
		requireSeqs(t, list, 1, 3, "chat-a after two re-deliveries")
		require.Equal(t, "hola", list[0].Text, "the stored upd-1 is the first delivery")
		list, err = b.store.Messages(b.ctx, chatB.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages chat-b")
		require.Empty(t, list, "a re-delivery filed under another conversation writes nothing there")
		b.requireLastSeq(t, chatA.ID, 3, "chat-a")
		b.requireLastSeq(t, chatB.ID, 0, "chat-b")

		got, err := b.store.MessageByPlatformID(b.ctx, "whatsapp", "upd-1")
		require.NoError(t, err, "MessageByPlatformID whatsapp")
		require.Equal(t, onWA.ID, got.ID, "MessageByPlatformID tells the channels apart")
	})

	t.Run("ConcurrentAppend", func(t *testing.T) {
		b := setup(t, open)
		conv := b.createConversation(t, b.createContact(t, "Ana").ID, "whatsapp", "5215500000000")

		// Every writer appends the same pattern: one in five messages is an
		// event every writer receives (a webhook re-delivered while the
		// first delivery is still being stored), one in five has no
		// platform id, the rest are the writer's own.
		const writers, perWriter = 8, 25
		pid := func(w, i int) string {
			switch i % 5 {
			case 0:
				return fmt.Sprintf("shared-%d", i)
			case 1:
				return ""
			}
			return fmt.Sprintf("w%d-%d", w, i)
		}
		type result struct {
			m       store.Message
			created bool
			err     error
		}
		results := make([][perWriter]result, writers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				<-start
				for i := range perWriter {
					m, created, err := b.store.AppendMessage(b.ctx, store.Message{
						ConversationID: conv.ID, Author: store.AuthorUser, Channel: conv.Channel,
						Text: fmt.Sprintf("writer %d message %d", w, i), PlatformID: pid(w, i),
					})
					results[w][i] = result{m, created, err}
				}
			})
		}
		close(start)
		wg.Wait()

		winners := map[string]store.Message{} // shared platform id → the one created
		var createdCount int
		for w := range writers {
			for i := range perWriter {
				r := results[w][i]
				require.NoError(t, r.err, "writer %d message %d (platform id %q)", w, i, pid(w, i))
				if !r.created {
					require.Equal(t, 0, i%5, "writer %d message %d has a platform id of its own (%q) but was reported a re-delivery", w, i, pid(w, i))
					continue
				}
				createdCount++
				if i%5 == 0 {
					prev, dup := winners[pid(w, i)]
					require.False(t, dup, "platform id %q created twice: by %s (seq %d) and %s (seq %d)", pid(w, i), prev.ID, prev.Seq, r.m.ID, r.m.Seq)
					winners[pid(w, i)] = r.m
				}
			}
		}
		const shared = perWriter / 5
		want := writers*(perWriter-shared) + shared
		require.Len(t, winners, shared, "each shared platform id must be created exactly once")
		require.Equal(t, want, createdCount, "messages reported created")
		for w := range writers {
			for i := 0; i < perWriter; i += 5 {
				r := results[w][i]
				win := winners[pid(w, i)]
				require.Equal(t, win.ID, r.m.ID, "writer %d: a re-delivery of %q must return the stored message", w, pid(w, i))
				require.Equal(t, win.Seq, r.m.Seq, "writer %d: a re-delivery of %q must return the stored Seq", w, pid(w, i))
			}
		}

		list, err := b.store.Messages(b.ctx, conv.ID, store.MessageQuery{})
		require.NoError(t, err, "Messages after concurrent appends")
		require.Len(t, list, want, "concurrent writers must lose nothing and store each re-delivery once")
		requireSeqs(t, list, 1, int64(want), "concurrent appends: seqs 1..N with no gaps or repeats")
		seen := map[string]bool{}
		for _, m := range list {
			require.False(t, seen[m.ID], "message %s listed twice", m.ID)
			seen[m.ID] = true
		}
		for w := range writers {
			for i := range perWriter {
				r := results[w][i]
				if r.created {
					require.True(t, seen[r.m.ID], "writer %d message %d was reported stored (%s) but is not listed", w, i, r.m.ID)
				}
			}
		}
		b.requireLastSeq(t, conv.ID, int64(want), "after concurrent appends")
	})
}
