package main

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
)

// TestScaleBurstAcrossServers: one visitor with a tab on server A and one
// on server B sends two messages within the burst window, one to each
// server. They are answered by ONE turn: one reply in the store answering
// both, one reply frame on each socket, and the server whose message was
// folded sends nothing of its own. A message sent after the window (to
// the other server) gets a reply of its own.
func TestScaleBurstAcrossServers(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2, "FARO_BURST_WINDOW=1500ms")
	a, _, err := openVisitor(t, c.url(0), "", 0)
	require.NoError(t, err)
	defer a.ws.Close()
	first, err := a.say("burst-0001", "hola")
	require.NoError(t, err, c.logs())
	b, replayed, err := openVisitor(t, c.url(1), a.id, first.Seq) // the second tab, on B
	require.NoError(t, err)
	defer b.ws.Close()
	require.Empty(t, replayed)

	// The burst: A first, B 300 ms later, well within the window.
	require.NoError(t, a.send(map[string]any{"type": "message", "client_msg_id": "burst-0002", "text": "quiero saber de sus cursos"}))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, b.send(map[string]any{"type": "message", "client_msg_id": "burst-0003", "text": "¿cuánto cuestan?"}))

	// Each socket: the ack it is owed and a reply, however slow a loaded
	// machine makes them (a quiet spell alone ended the wait once, under
	// -race in CI, before either came), then every frame until quiet, so
	// that a second reply would be seen.
	collect := func(v *scaleVisitor, owed string) (acks map[string]int64, replies []wsFrame) {
		acks = map[string]int64{}
		take := func(f wsFrame) {
			switch f.Type {
			case "ack":
				acks[f.ClientMsgID] = f.Seq
			case "reply":
				replies = append(replies, f)
			}
		}
		deadline := time.After(30 * time.Second)
	wait:
		for _, ok := acks[owed]; !ok || len(replies) == 0; _, ok = acks[owed] {
			select {
			case f, open := <-v.frames:
				if !open {
					break wait
				}
				take(f)
			case <-deadline:
				break wait
			}
		}
		for _, f := range v.drain(3 * time.Second) {
			take(f)
		}
		return acks, replies
	}
	type seen struct {
		acks    map[string]int64
		replies []wsFrame
	}
	got := make(chan seen, 2)
	for v, owed := range map[*scaleVisitor]string{a: "burst-0002", b: "burst-0003"} {
		go func() {
			acks, replies := collect(v, owed)
			got <- seen{acks, replies}
		}()
	}
	s1, s2 := <-got, <-got
	acks := map[string]int64{}
	for k, v := range s1.acks {
		acks[k] = v
	}
	for k, v := range s2.acks {
		acks[k] = v
	}
	require.Contains(t, acks, "burst-0002", c.logs())
	require.Contains(t, acks, "burst-0003", c.logs())
	both := []int64{acks["burst-0002"], acks["burst-0003"]}
	slices.Sort(both)
	for _, s := range []seen{s1, s2} {
		require.Len(t, s.replies, 1, "one reply on each socket: %+v\n%s", s.replies, c.logs())
		require.Equal(t, both, s.replies[0].Answers, "the reply answers both messages")
	}
	require.Equal(t, s1.replies[0].Seq, s2.replies[0].Seq, "the same reply")
	require.Equal(t, 1, countReplies(t, c, a.conv, both[0]), "one reply in the store answers the burst")

	// After the window: B's message gets a reply of its own.
	later, err := b.say("burst-0004", "¿y tienen certificado?")
	require.NoError(t, err, c.logs())
	require.Len(t, later.Answers, 1, "only the new message: %+v", later)
	require.Greater(t, later.Answers[0], s1.replies[0].Seq, "only the new message: %+v", later)
	other, err := a.next("reply", 30*time.Second)
	require.NoError(t, err)
	require.Equal(t, later.Seq, other.Seq, "A's tab has it too")
	require.Equal(t, 2, countReplies(t, c, a.conv, both[0]), "a second reply, for the message after the window")
	require.Empty(t, a.drain(500*time.Millisecond), "nothing twice")
	require.Empty(t, b.drain(10*time.Millisecond), "nothing twice")
}

// countReplies counts the stored replies of conversation conv that answer
// messages from seq on.
func countReplies(t *testing.T, c *cluster, conv string, seq int64) int {
	t.Helper()
	db, err := postgres.Open(t.Context(), c.store)
	require.NoError(t, err)
	defer db.Close()
	ms, err := db.Messages(t.Context(), conv, store.MessageQuery{AfterSeq: seq - 1})
	require.NoError(t, err)
	n := 0
	for _, m := range ms {
		var meta agent.ReplyMeta
		if m.Author == store.AuthorAssistant && json.Unmarshal(m.Meta, &meta) == nil && len(meta.AnswersSeq) > 0 {
			n++
		}
	}
	return n
}
