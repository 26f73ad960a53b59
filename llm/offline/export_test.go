package offline

import (
	"context"
	"fmt"

	"github.com/tmc/langchaingo/llms"
)

// Decision reports what the model decides for the last human message of
// msgs, before any tool runs: the kind ("call", "ask", "knowledge",
// "talk", "clarify", "handoff-info", "switched", "cancel", "give-up"), the
// tool and the field asked for. It lets tests check routing even when the
// tool's arguments are still missing.
func Decision(m *Model, msgs []llms.MessageContent, options ...llms.CallOption) (kind, tool, field string) {
	kind, tool, field, _ = DecisionArgs(m, msgs, options...)
	return kind, tool, field
}

// DecisionArgs is Decision with the arguments found so far.
func DecisionArgs(m *Model, msgs []llms.MessageContent, options ...llms.CallOption) (kind, tool, field string, args map[string]any) {
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	r := m.newRun(context.Background(), msgs, opts)
	if len(r.conv.turns) == 0 {
		return "talk", "", "", nil
	}
	st := r.replay()
	cur := r.conv.turns[len(r.conv.turns)-1].human
	r.callerBefore(cur)
	a := r.decide(cur, st)
	if a.tool != nil {
		tool = a.tool.name
	}
	kinds := map[actionKind]string{actClarify: "clarify", actCall: "call", actAsk: "ask", actKnowledge: "knowledge",
		actHandoffInfo: "handoff-info", actTalk: "talk", actSwitched: "switched", actCancel: "cancel", actGiveUp: "give-up"}
	return kinds[a.kind], tool, a.field, a.args
}

// Scores lists each offered tool's routing score for the last human
// message, best first, and the knowledge score, for debugging tests.
func Scores(m *Model, msgs []llms.MessageContent, options ...llms.CallOption) []string {
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	r := m.newRun(context.Background(), msgs, opts)
	f := r.features(r.conv.turns[len(r.conv.turns)-1].human)
	scores := r.scoreTools(f)
	var out []string
	for _, s := range scores {
		out = append(out, fmt.Sprintf("%s=%.3f", s.tool.name, s.score))
	}
	out = append(out, fmt.Sprintf("knowledge=%.3f", r.knowledgeScore(f, scores)))
	for i, w := range f.words {
		out = append(out, fmt.Sprintf("%s(%s):%.2f", w.fold, w.concept, f.weights[i]))
	}
	return out
}

// SetTrace makes m print its reasoning with f.
func SetTrace(m *Model, f func(format string, args ...any)) { m.trace = f }

// DecisionsRemembered is how many decisions m keeps (see memo.go).
func DecisionsRemembered(m *Model) int {
	m.memo.mu.Lock()
	defer m.memo.mu.Unlock()
	return len(m.memo.decisions)
}

// ForgetDecisions empties m's decision memo, so the next calls decide
// cold (benchmarks of a memo miss).
func ForgetDecisions(m *Model) {
	m.memo.mu.Lock()
	defer m.memo.mu.Unlock()
	m.memo.decisions = map[uint64]action{}
}

// AnswersRemembered is how many answers m keeps (see answerFull).
func AnswersRemembered(m *Model) int {
	m.memo.mu.Lock()
	defer m.memo.mu.Unlock()
	return len(m.memo.answers)
}

// FillArgs fills the named tool's arguments from the last human message of
// msgs, as a task that message starts, without routing: the arguments found
// and the required ones still missing, in the order they would be asked.
// What earlier turns said of the caller counts, as when deciding.
func FillArgs(m *Model, msgs []llms.MessageContent, tool string, options ...llms.CallOption) (map[string]any, []string) {
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	r := m.newRun(context.Background(), msgs, opts)
	t := r.tool(tool)
	if t == nil || len(r.conv.turns) == 0 {
		return nil, nil
	}
	cur := r.conv.turns[len(r.conv.turns)-1].human
	r.callerBefore(cur)
	res := r.fill(slotTask{tool: t, msgs: []taskMsg{{text: cur}}})
	return res.args, res.missing
}

// KeyValues exports keyValues.
var KeyValues = keyValues

// SetRankHook makes m report every sentence ranking to f.
func SetRankHook(m *Model, f func(question string, rows []RankRow)) { m.rankHook = f }
