package agent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/livebus"
	"github.com/faroai/faro/store"
)

// twoServers is two agents on one store, as two servers on one database:
// each with its own burst timers (a window of 1.5 s, or none with -1),
// one lease between them (a livebus hub), and, with wake, the hub's notes
// as the wake-up of a turn being prepared.
func twoServers(t *testing.T, st store.Store, model *gateModel, window time.Duration, wake bool) (a, b *bundle, ta, tb fakeTimers) {
	hub := livebus.NewHub()
	ta, tb = make(fakeTimers, 8), make(fakeTimers, 8)
	server := func(timers fakeTimers) *bundle {
		return setup(t, st, model, nil, func(o *agent.Options) {
			o.Limits.BurstWindow = window
			o.TimerFunc = timers.after
			m := hub.Member()
			o.Lease = m
			if wake {
				o.Wake = m
			}
		})
	}
	return server(ta), server(tb), ta, tb
}

const window = 1500 * time.Millisecond

// TestBurstAcrossServersStale: a message of the same sender reaches
// server B while server A prepares the answer to the first. A's
// preparation goes stale — at once on the bus's note (its model call
// canceled), or, with no note, when it reads the store before storing
// its reply — the window starts again, and one turn on A answers both;
// B, once it holds the lease, finds its message answered and returns that
// reply Folded (its channel sends nothing). One reply in the store.
func TestBurstAcrossServersStale(t *testing.T) {
	for _, be := range backends {
		for _, wake := range []bool{true, false} {
			name := be.name + map[bool]string{true: "/note", false: "/store-read"}[wake]
			t.Run(name, func(t *testing.T) {
				model := newGateModel()
				a, b, ta, tb := twoServers(t, be.open(t), model, window, wake)
				qa, qb := queued(a.agent), queued(b.agent)

				first := goTurn(a.agent, from("ana", "m1", "hola"))
				require.Equal(t, int64(1), recv(t, qa))
				recv(t, ta) <- time.Now() // A's window ends: A holds the lease
				stale := model.next(t)

				second := goTurn(b.agent, from("ana", "m2", "quiero inscribirme en el curso de IA"))
				require.Equal(t, int64(2), recv(t, qb))
				recv(t, tb) <- time.Now() // B waits for A's lease

				if wake {
					recv(t, stale.ctx.Done()) // the stale model call is canceled
				} else {
					stale.answer <- "¡Hola!" // and the turn reads the store before its reply
				}
				recv(t, ta) <- time.Now() // stale: A's window starts again
				call := model.next(t)
				require.Equal(t, "hola\nquiero inscribirme en el curso de IA", call.lastUser(), "one turn answers both")
				call.answer <- "¡Hola! Te ayudo con la inscripción."

				r1, r2 := recv(t, first), recv(t, second)
				require.NoError(t, r1.err)
				require.NoError(t, r2.err)
				require.False(t, r1.reply.Folded, "A ran the turn: its channel sends the reply")
				require.True(t, r2.reply.Folded, "B's message was answered by A's turn: B sends nothing")
				require.False(t, r2.reply.Duplicate)
				require.Equal(t, r1.reply.MessageID, r2.reply.MessageID)
				require.Equal(t, r1.reply.Text, r2.reply.Text)
				require.Equal(t, []int64{1, 2}, r1.reply.Answers)
				require.Equal(t, []int64{1, 2}, r2.reply.Answers)
				require.Equal(t, int64(2), r2.reply.InboundSeq)
				require.Equal(t, 2, r1.reply.Usage.ModelCalls, "the stale call counts")
				model.none(t)
				require.Equal(t, []string{
					"user: hola",
					"user: quiero inscribirme en el curso de IA",
					"assistant: ¡Hola! Te ayudo con la inscripción.",
				}, transcript(t, a.store, r1.reply.ConversationID), "one reply, no stale one")
				require.Contains(t, a.logs.String(), "another server stored a message of the burst")
				require.Contains(t, b.logs.String(), "message answered by another server's turn")
			})
		}
	}
}

// TestBurstAcrossServersOlderElsewhere: the burst's first message reached
// server B, its second server A, and A's window ended first: A's turn
// answers both from the start (the older one was stored within the
// window), and B finds its message answered.
func TestBurstAcrossServersOlderElsewhere(t *testing.T) {
	t.Parallel()
	model := newGateModel()
	a, b, ta, tb := twoServers(t, openSQLite(t), model, window, true)
	qa, qb := queued(a.agent), queued(b.agent)

	older := goTurn(b.agent, from("ana", "m1", "hola"))
	require.Equal(t, int64(1), recv(t, qb))
	bWindow := recv(t, tb)
	newer := goTurn(a.agent, from("ana", "m2", "¿cuánto cuesta el curso de IA?"))
	require.Equal(t, int64(2), recv(t, qa))
	recv(t, ta) <- time.Now()
	call := model.next(t)
	require.Equal(t, "hola\n¿cuánto cuesta el curso de IA?", call.lastUser())
	call.answer <- "Cuesta 199 USD."
	r2 := recv(t, newer)
	require.NoError(t, r2.err)
	require.False(t, r2.reply.Folded)
	require.Equal(t, []int64{1, 2}, r2.reply.Answers)

	bWindow <- time.Now()
	r1 := recv(t, older)
	require.NoError(t, r1.err)
	require.True(t, r1.reply.Folded)
	require.Equal(t, r2.reply.MessageID, r1.reply.MessageID)
	model.none(t)
	require.Len(t, transcript(t, a.store, r2.reply.ConversationID), 3, "one reply")
}

// TestBurstAcrossServersOtherSender: in a group chat, a message of
// someone else that reached the other server is not folded: it gets a
// turn of its own, after.
func TestBurstAcrossServersOtherSender(t *testing.T) {
	t.Parallel()
	model := newGateModel()
	a, b, ta, tb := twoServers(t, openSQLite(t), model, window, true)
	qa, qb := queued(a.agent), queued(b.agent)

	first := goTurn(a.agent, from("ana", "m1", "hola"))
	require.Equal(t, int64(1), recv(t, qa))
	recv(t, ta) <- time.Now()
	call := model.next(t)
	second := goTurn(b.agent, from("luis", "m2", "buenas"))
	require.Equal(t, int64(2), recv(t, qb))
	recv(t, tb) <- time.Now()
	call.answer <- "¡Hola, Ana!"
	r1 := recv(t, first)
	require.NoError(t, r1.err)
	require.Equal(t, []int64{1}, r1.reply.Answers)

	call = model.next(t)
	require.Equal(t, "buenas", call.lastUser())
	call.answer <- "¡Hola, Luis!"
	r2 := recv(t, second)
	require.NoError(t, r2.err)
	require.False(t, r2.reply.Folded)
	require.Equal(t, []int64{2}, r2.reply.Answers)
}

// TestRedeliveryAcrossServers: with no burst window, a message re-delivered
// to server B while server A still answers its first delivery waits for
// A's turn and gets A's reply, as a re-delivery on one server does: no
// second model call, no second reply.
func TestRedeliveryAcrossServers(t *testing.T) {
	t.Parallel()
	model := newGateModel()
	a, b, _, _ := twoServers(t, openSQLite(t), model, -1, true)
	qa, qb := queued(a.agent), queued(b.agent)

	first := goTurn(a.agent, from("ana", "m1", "hola"))
	require.Equal(t, int64(1), recv(t, qa))
	call := model.next(t) // A holds the lease
	again := goTurn(b.agent, from("ana", "m1", "hola"))
	require.Equal(t, int64(1), recv(t, qb)) // B waits for the lease
	call.answer <- "¡Hola!"
	r1, r2 := recv(t, first), recv(t, again)
	require.NoError(t, r1.err)
	require.NoError(t, r2.err)
	require.False(t, r1.reply.Folded)
	require.True(t, r2.reply.Duplicate)
	require.False(t, r2.reply.Folded, "the re-delivery's sender never had the answer: B sends it")
	require.Equal(t, r1.reply.MessageID, r2.reply.MessageID)
	model.none(t)
	require.Equal(t, []string{"user: hola", "assistant: ¡Hola!"}, transcript(t, a.store, r1.reply.ConversationID))
}
