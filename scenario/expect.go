package scenario

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/faroai/faro/store/fulltext"
)

// Observed is what happened in one turn, as the expectations read it.
type Observed struct {
	// Reply is the final reply's text.
	Reply string `json:"reply"`
	// Calls are the tool calls the model asked for, in order, refused ones
	// included.
	Calls []Call `json:"calls,omitempty"`
	// Citations are the sources the reply cites.
	Citations []Citation `json:"citations,omitempty"`
	// HandedOff is whether the conversation is with a person after the
	// turn.
	HandedOff bool `json:"handed_off"`
	// Outcome is how the turn ended (agent.Outcome: answered, handed_off,
	// step_limit…), for reports; no expectation reads it.
	Outcome string `json:"outcome,omitempty"`
}

// Call is one tool call of a turn.
type Call struct {
	Tool string          `json:"tool"`
	Args json.RawMessage `json:"args,omitempty"`
	// Status is the tools.Status of the call: ok, invalid, refused,
	// unknown, error, timeout, panic.
	Status string `json:"status"`
}

// Citation is one source a reply cites.
type Citation struct {
	Source string `json:"source"`
	Title  string `json:"title,omitempty"`
	Link   string `json:"link,omitempty"`
}

// called reports whether the call reached the tool: a call refused for the
// caller's role, or of a tool that does not exist, never ran, so for the
// expectations it was not called (tool_refused sees refusals).
func (c Call) called() bool { return c.Status != "refused" && c.Status != "unknown" }

// calledTools returns the names of the tools called, sorted, each once.
func (o Observed) calledTools() []string {
	var names []string
	for _, c := range o.Calls {
		if c.called() && !slices.Contains(names, c.Tool) {
			names = append(names, c.Tool)
		}
	}
	slices.Sort(names)
	return names
}

// Unmet is an expectation that did not hold: which key, what was
// expected, and what actually happened.
type Unmet struct {
	Key      string `json:"key"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

func (u Unmet) String() string {
	return fmt.Sprintf("%s %s: %s", u.Key, u.Expected, u.Actual)
}

// Check returns the expectations of e that o does not meet, in the order
// of the format's table (tool, args, tools_called, tools_not_called,
// tool_refused, reply checks, reply_language, cites, handoff); nil when
// all hold.
func Check(e Expect, o Observed) []Unmet {
	var out []Unmet
	fail := func(key, expected, actual string) { out = append(out, Unmet{key, expected, actual}) }
	called := o.calledTools()

	if e.Tool != "" && !slices.Contains(called, e.Tool) {
		fail("tool", e.Tool, "called "+describeCalls(o.Calls))
	}
	if len(e.Args) > 0 && slices.Contains(called, e.Tool) {
		if ok, actual := argsMatch(e.Tool, e.Args, o.Calls); !ok {
			fail("args", compactYAML(e.Args), actual)
		}
	}
	if e.ToolsCalled != nil {
		want := slices.Clone(*e.ToolsCalled)
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(want, called) {
			fail("tools_called", "["+strings.Join(want, ", ")+"]", "called "+describeCalls(o.Calls))
		}
	}
	for _, name := range e.ToolsNotCalled {
		if slices.Contains(called, name) {
			fail("tools_not_called", name, "called "+describeCalls(o.Calls))
			break
		}
	}
	if e.ToolRefused != "" && !slices.ContainsFunc(o.Calls, func(c Call) bool { return c.Tool == e.ToolRefused && c.Status == "refused" }) {
		fail("tool_refused", e.ToolRefused, "calls "+describeCalls(o.Calls))
	}

	reply := fulltext.Fold(o.Reply)
	for _, s := range e.ReplyContains {
		if !strings.Contains(reply, fulltext.Fold(s)) {
			fail("reply_contains", strconv.Quote(s), "reply was "+quoteReply(o.Reply))
			break
		}
	}
	if len(e.ReplyContainsAny) > 0 && !slices.ContainsFunc(e.ReplyContainsAny, func(s string) bool { return strings.Contains(reply, fulltext.Fold(s)) }) {
		fail("reply_contains_any", quoteList(e.ReplyContainsAny), "reply was "+quoteReply(o.Reply))
	}
	for _, s := range e.ReplyNotContains {
		if strings.Contains(reply, fulltext.Fold(s)) {
			fail("reply_not_contains", strconv.Quote(s), "reply was "+quoteReply(o.Reply))
			break
		}
	}
	if e.ReplyLanguage != "" {
		if got := DetectLanguage(o.Reply); got != e.ReplyLanguage {
			fail("reply_language", e.ReplyLanguage, fmt.Sprintf("reply reads as %s: %s", cmp.Or(got, "undetermined"), quoteReply(o.Reply)))
		}
	}
	for _, want := range e.Cites {
		w := fulltext.Fold(want)
		if !slices.ContainsFunc(o.Citations, func(c Citation) bool { return strings.Contains(fulltext.Fold(c.Source), w) }) {
			fail("cites", strconv.Quote(want), "cited "+describeCitations(o.Citations))
			break
		}
	}
	if e.Handoff != nil && *e.Handoff != o.HandedOff {
		actual := "the conversation is still with the bot"
		if o.HandedOff {
			actual = "the conversation was handed to a person"
		}
		fail("handoff", strconv.FormatBool(*e.Handoff), actual)
	}
	return out
}

// argsMatch reports whether some call of tool has args as a subset of its
// arguments, and otherwise what the calls had.
func argsMatch(tool string, want map[string]any, calls []Call) (bool, string) {
	var seen []string
	for _, c := range calls {
		if c.Tool != tool || !c.called() {
			continue
		}
		var got any
		if err := json.Unmarshal(c.Args, &got); err != nil {
			seen = append(seen, string(c.Args))
			continue
		}
		if valueMatches(want, got) {
			return true, ""
		}
		seen = append(seen, compactJSON(c.Args))
	}
	return false, tool + " had " + strings.Join(seen, " and ")
}

// valueMatches compares an expected YAML value with an actual JSON one:
// mappings by subset, lists as sets of the same size, strings without
// regard to case, numbers by value.
func valueMatches(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case string:
		g, ok := got.(string)
		return ok && strings.EqualFold(strings.TrimSpace(w), strings.TrimSpace(g))
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, present := g[k]
			if !present || !valueMatches(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		used := make([]bool, len(g))
		for _, wv := range w {
			found := false
			for i, gv := range g {
				if !used[i] && valueMatches(wv, gv) {
					used[i], found = true, true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	if wn, ok := number(want); ok {
		gn, ok := number(got)
		return ok && math.Abs(wn-gn) <= 1e-9*math.Max(1, math.Abs(wn))
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func describeCalls(calls []Call) string {
	if len(calls) == 0 {
		return "no tool"
	}
	parts := make([]string, len(calls))
	for i, c := range calls {
		parts[i] = c.Tool + compactJSON(c.Args)
		if c.Status != "ok" {
			parts[i] += " (" + c.Status + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func describeCitations(cs []Citation) string {
	if len(cs) == 0 {
		return "nothing"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Source
	}
	return strings.Join(parts, ", ")
}

// quoteReply quotes a reply, cut to a length a report line can hold.
func quoteReply(s string) string {
	s = oneLine(s)
	if s == "" {
		return "empty"
	}
	const max = 200
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	out, _ := json.Marshal(v) // sorted keys, no spaces
	return string(out)
}

func compactYAML(m map[string]any) string {
	out, err := json.Marshal(m)
	if err != nil {
		return fmt.Sprint(m)
	}
	return string(out)
}
