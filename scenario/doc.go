// Package scenario runs conversation tests: scenario files in the format of
// docs/scenarios.md, each a short conversation of a person in a role with
// expectations on every turn — which tools were called or
// refused, with which arguments, what the reply says and does not say, its
// language, what it cites, whether the conversation went to a person.
//
// [Load] reads scenario files strictly: an unknown key, a value of the
// wrong type, an unknown role or a scenario without turns is a
// [*ParseError] naming the file and the field, never a failed case.
//
// A [Runner] runs each scenario in a fresh embedded SQLite store holding
// the shipped demo knowledge base plus the scenario's own fixtures, through
// the real agent, against the model it is given (the offline engine by
// default). The demo knowledge base is ingested once per Runner and the
// database file copied for each scenario, which keeps a run of dozens of
// scenarios to seconds. Knowledge fixtures are ingested like uploads;
// course fixtures join the demo catalogue in the vocabulary the offline
// engine fills course names from (there is no course store yet for them
// to go to, so a hosted model does not see them).
//
// [Check] holds one turn's expectations against what was [Observed]. A
// tool counts as called (tool, args, tools_called, tools_not_called) when
// the call reached it, whatever its result: a call refused for the
// caller's role, or of a tool that does not exist, never ran, so it is not
// a call there — tool_refused is the key that sees refusals. Reply checks
// fold case and accents (store/fulltext.Fold); reply_language is judged by
// [DetectLanguage], independent of the language the agent says it used. The
// [Report] gives a line per scenario (the first unmet expectation and what
// actually happened) and pass rates per tool, per language and overall, as
// text or JSON. `faro eval conversations` is the command line of this
// package; the scenarios Faro ships are in the repository's scenarios
// folder and run in its tests.
package scenario
