package scenario

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/faroai/faro/store"
)

// Result is how one scenario went.
type Result struct {
	Name string `json:"name"`
	File string `json:"file,omitempty"`
	// Split is the scenario's split (test, tune), empty when its file is
	// in neither folder.
	Split string     `json:"split,omitempty"`
	Role  store.Role `json:"role"`
	// Language is the scenario's language: the first reply_language it
	// expects, else the language of its first message ("" if unknown).
	Language string `json:"language,omitempty"`
	Passed   bool   `json:"passed"`
	// Error says why the scenario could not run to its end (a fixture
	// that cannot be stored, a turn that failed); it counts as a failure.
	Error string `json:"error,omitempty"`
	// First is the first unmet expectation, nil when the scenario passed
	// or could not run.
	First *Failure `json:"first_failure,omitempty"`
	// Turns are the turns that ran, in order.
	Turns    []TurnResult  `json:"turns"`
	Duration time.Duration `json:"duration_ns"`
}

// Failure is an unmet expectation and the turn where it was.
type Failure struct {
	Turn int    `json:"turn"` // 1-based
	User string `json:"user"`
	Unmet
}

// TurnResult is one turn: what the user wrote, what happened and which
// expectations did not hold.
type TurnResult struct {
	User     string   `json:"user"`
	Observed Observed `json:"observed"`
	Unmet    []Unmet  `json:"unmet,omitempty"`
	// Tools are the tools the turn's expectations name as called or
	// refused: what the per-tool rates count it under ("none" for a turn
	// expecting no tool at all).
	Tools []string `json:"tools,omitempty"`
}

// Rate is a pass rate.
type Rate struct {
	Passed int     `json:"passed"`
	Total  int     `json:"total"`
	Rate   float64 `json:"rate"` // Passed/Total, 0 when Total is 0
}

func (r *Rate) add(passed bool) {
	r.Total++
	if passed {
		r.Passed++
	}
	r.Rate = float64(r.Passed) / float64(r.Total)
}

func (r Rate) String() string {
	if r.Total == 0 {
		return "0/0"
	}
	return fmt.Sprintf("%d/%d  %5.1f%%", r.Passed, r.Total, 100*r.Rate)
}

// Report is the outcome of a run.
type Report struct {
	// Model names the model the scenarios ran against.
	Model     string   `json:"model"`
	Scenarios []Result `json:"scenarios"`
	Rates
	// BySplit has the same rates for each split's scenarios, when the run
	// held scenarios of a split (a split's name: test, tune; "other" for
	// files in neither folder).
	BySplit  map[string]Rates `json:"by_split,omitempty"`
	Duration time.Duration    `json:"duration_ns"`
}

// Rates are the pass rates of a set of scenarios.
type Rates struct {
	// Overall counts scenarios.
	Overall Rate `json:"overall"`
	// ByTool counts turns, under each tool their expectations name.
	ByTool map[string]Rate `json:"by_tool"`
	// ByLanguage counts scenarios, by their language.
	ByLanguage map[string]Rate `json:"by_language"`
}

// Failed returns the results that did not pass.
func (r Report) Failed() []Result {
	var out []Result
	for _, s := range r.Scenarios {
		if !s.Passed {
			out = append(out, s)
		}
	}
	return out
}

// summarize fills the rates from the results, overall and per split.
func (r *Report) summarize() {
	r.Rates = newRates()
	r.BySplit = nil
	split := slices.ContainsFunc(r.Scenarios, func(s Result) bool { return s.Split != "" })
	for _, s := range r.Scenarios {
		r.Rates.add(s)
		if !split {
			continue
		}
		if r.BySplit == nil {
			r.BySplit = map[string]Rates{}
		}
		name := cmp.Or(s.Split, "other")
		rs, ok := r.BySplit[name]
		if !ok {
			rs = newRates()
		}
		rs.add(s)
		r.BySplit[name] = rs
	}
}

func newRates() Rates {
	return Rates{ByTool: map[string]Rate{}, ByLanguage: map[string]Rate{}}
}

// add counts s: its scenario overall and by language, its turns by tool.
func (r *Rates) add(s Result) {
	r.Overall.add(s.Passed)
	lang := cmp.Or(s.Language, "unknown")
	rate := r.ByLanguage[lang]
	rate.add(s.Passed)
	r.ByLanguage[lang] = rate
	for _, t := range s.Turns {
		for _, tool := range t.Tools {
			rate := r.ByTool[tool]
			rate.add(len(t.Unmet) == 0)
			r.ByTool[tool] = rate
		}
	}
}

// expectedTools are the tools e names as called or refused; "none" when it
// expects no tool call at all.
func expectedTools(e Expect) []string {
	var out []string
	add := func(n string) {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	add(e.Tool)
	add(e.ToolRefused)
	if e.ToolsCalled != nil {
		for _, n := range *e.ToolsCalled {
			add(n)
		}
		if len(*e.ToolsCalled) == 0 && len(out) == 0 {
			add("none")
		}
	}
	slices.Sort(out)
	return out
}

// scenarioLanguage is the first reply_language s expects, else the
// language of its first message.
func scenarioLanguage(s Scenario) string {
	for _, t := range s.Turns {
		if t.Expect.ReplyLanguage != "" {
			return t.Expect.ReplyLanguage
		}
	}
	return DetectLanguage(s.Turns[0].User)
}

// WriteText prints the report for a terminal: a line per scenario (the
// first unmet expectation of a failure, with what actually happened), then
// the pass rates per tool, per language and overall.
func (r Report) WriteText(w io.Writer) error {
	width := 0
	for _, s := range r.Scenarios {
		width = max(width, len(s.Name))
	}
	var b strings.Builder
	for _, s := range r.Scenarios {
		switch {
		case s.Passed:
			fmt.Fprintf(&b, "PASS  %s\n", s.Name)
		case s.Error != "":
			fmt.Fprintf(&b, "FAIL  %-*s  error: %s\n", width, s.Name, oneLine(s.Error))
		case s.First != nil:
			fmt.Fprintf(&b, "FAIL  %-*s  turn %d %s: %s\n", width, s.Name, s.First.Turn, quoteShort(s.First.User), s.First.Unmet)
		default:
			fmt.Fprintf(&b, "FAIL  %s\n", s.Name)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Each split is reported on its own: a rate that mixes the tuning
	// split into the held-out one says nothing.
	for _, name := range slices.Sorted(maps.Keys(r.BySplit)) {
		r.BySplit[name].write(tw, "split "+name+": ")
	}
	r.Rates.write(tw, "")
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "model %s, %s\n", r.Model, r.Duration.Round(time.Millisecond))
	return err
}

// write prints the rates as a table, each heading led by prefix.
func (r Rates) write(tw io.Writer, prefix string) {
	fmt.Fprintf(tw, "\n%sby tool (turns)\t\n", prefix)
	for _, k := range sortedKeys(r.ByTool) {
		fmt.Fprintf(tw, "  %s\t%s\n", k, r.ByTool[k])
	}
	fmt.Fprintf(tw, "%sby language (scenarios)\t\n", prefix)
	for _, k := range sortedKeys(r.ByLanguage) {
		fmt.Fprintf(tw, "  %s\t%s\n", k, r.ByLanguage[k])
	}
	fmt.Fprintf(tw, "%soverall (scenarios)\t%s\n", prefix, r.Overall)
}

// WriteJSON prints the report as one indented JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func sortedKeys(m map[string]Rate) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteShort(s string) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > 50 {
		s = string(r[:50]) + "…"
	}
	return strconv.Quote(s)
}
