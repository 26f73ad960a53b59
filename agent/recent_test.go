package agent_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/store"
)

// TestKeptHistoryIsTheStored: a turn that reads its history from the kept
// window (recent.go) sends the model exactly what a turn reading it all
// from the store sends, running summary included, through a window that
// slides, tool calls and results, a staff message stored by another process and turns taken by
// another server over the same database.
func TestKeptHistoryIsTheStored(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			// Each on its own store, released before the other opens one
			// (PGlite serves one test at a time).
			var kept, read []string
			t.Run("kept", func(t *testing.T) { kept = historyRequests(t, be.open(t), 0) })
			t.Run("read", func(t *testing.T) { read = historyRequests(t, be.open(t), -1) })
			require.Len(t, kept, len(read))
			for i := range read {
				// One at a time: a whole request is long to read.
				require.Equal(t, read[i], kept[i], "model call %d", i)
			}
		})
	}
}

// historyRequests runs one conversation script with the agent's
// RecentBytes set to recentBytes and returns what the model was sent on
// every call, as JSON.
func historyRequests(t *testing.T, st store.Store, recentBytes int64) []string {
	t.Helper()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Times: llmtest.Forever, Func: func(req llmtest.Request) llmtest.Reply {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == "user" && len(last.Text)%3 == 0 {
			return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: "search_knowledge", Args: `{"query":"precio"}`}}}
		}
		return llmtest.Reply{Text: "respuesta a " + req.LastUserText()}
	}})
	opts := func(o *agent.Options) {
		o.Limits.HistoryMessages = 5
		o.Limits.SummaryAfter = 6 // the running summary too, from messages that slid out
		o.RecentBytes = recentBytes
	}
	docs := map[string]string{"cursos/ia-marketing.md": priceDoc}
	b := setup(t, st, openAI(t, srv), docs, opts)
	// Another server on the same database, with its own kept windows.
	other := setup(t, st, openAI(t, srv), docs, opts)
	var convID string
	for i := range 12 {
		a := b.agent
		if i == 7 || i == 8 {
			a = other.agent
		}
		r, err := a.Turn(t.Context(), from("ana", fmt.Sprint("m", i), fmt.Sprintf("pregunta %d: %s", i, "¿cuánto cuesta el curso?"[:10+i%4])), nil)
		require.NoError(t, err)
		convID = r.ConversationID
		if i == 4 {
			_, _, err := st.AppendMessage(t.Context(), store.Message{ConversationID: convID, Author: store.AuthorStaff, Text: "Hola, soy Marta del equipo."})
			require.NoError(t, err)
		}
	}
	var out []string
	reqs := srv.Requests()
	require.True(t, strings.Contains(reqs[len(reqs)-1].System, "- staff: Hola, soy Marta"), "the summary has begun")
	for _, req := range reqs {
		raw, err := json.Marshal(req.Messages)
		require.NoError(t, err)
		out = append(out, string(raw))
	}
	require.Greater(t, len(out), 12+2, "each turn called the model, some twice")
	return out
}
