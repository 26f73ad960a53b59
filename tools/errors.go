package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Problems a [FieldError] reports that callers match on. Other problems are
// short English phrases ("must be one of: es, en, pt") meant to be read.
const (
	// ProblemMissing: a required field was absent, null or empty.
	ProblemMissing = "missing"
	// ProblemUnknown: the field is not an argument of the tool.
	ProblemUnknown = "unknown field"
)

// FieldError is one bad or missing argument. It is also an error, so an
// In type's Validate method (or a tool function) can return one directly.
type FieldError struct {
	// Field is the argument's JSON path, dotted for nested values
	// ("email", "variables.client", "items.0.name"); empty when the
	// arguments as a whole are wrong (not JSON, not an object).
	Field string `json:"field"`
	// Problem is [ProblemMissing], [ProblemUnknown] or a short phrase.
	Problem string `json:"problem"`
}

// Error implements error.
func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// ValidationError says why a tool's arguments were rejected: every bad or
// missing field, so a model (or the offline engine) can ask for all of them
// at once. Get it with errors.As from [Outcome.Err].
type ValidationError struct {
	Tool string
	// Message is a sentence for the model when the problem is not tied to
	// fields (an In.Validate error that is not a [FieldError]); may be empty.
	Message string
	// Fields are in the order of the tool's properties in its schema
	// (problems with the arguments as a whole first, unknown fields last).
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: invalid arguments", e.Tool)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, f := range e.Fields {
		if i == 0 && e.Message == "" {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Missing returns the names (JSON paths) of the required fields that err
// reports missing, in the order of the tool's schema; nil when err is not a
// validation error or nothing was missing. The offline engine asks the user
// for them one at a time.
func Missing(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var names []string
	for _, f := range ve.Fields {
		if f.Problem == ProblemMissing {
			names = append(names, f.Field)
		}
	}
	return names
}

// Failure is a tool failure whose Code and Message are meant to be read by
// the model, and through it by the user: "course ia-101 is full", "ticket
// 42 does not exist". Return it (wrapped or not) from a tool function. Any
// other error is reported to the model as an internal failure WITHOUT its
// text, because raw errors (SQL, network, file paths) must never reach a
// user; its text goes to [Outcome.Err] for the logs.
type Failure struct {
	// Code is a short snake_case code the model and the offline engine
	// can act on: "not_found", "course_full", "not_yours"…
	Code string
	// Message is one English sentence for the model, with no internal detail.
	Message string
	// Err is the cause, for logs only; may be nil.
	Err error
}

// Fail returns a [Failure] with code and message and no cause.
func Fail(code, message string) *Failure {
	return &Failure{Code: code, Message: message}
}

// Error implements error.
func (f *Failure) Error() string {
	if f.Err != nil {
		return f.Code + ": " + f.Message + ": " + f.Err.Error()
	}
	return f.Code + ": " + f.Message
}

// Unwrap returns the cause.
func (f *Failure) Unwrap() error { return f.Err }

// PanicError is [Outcome.Err] when a tool function panicked. The stack is
// for logs only; the model is told that the tool failed, nothing more.
type PanicError struct {
	Tool  string
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack at the panic
}

// Error implements error.
func (e *PanicError) Error() string {
	return fmt.Sprintf("tool %s panicked: %v", e.Tool, e.Value)
}

// Sentinel causes in [Outcome.Err], for errors.Is.
var (
	// ErrUnknownTool: no tool has the name the model asked for.
	ErrUnknownTool = errors.New("unknown tool")
	// ErrNotAllowed: the caller's role may not use the tool.
	ErrNotAllowed = errors.New("not allowed for this role")
)

// Error codes of the "error" member of a tool result's content (see
// [ErrorResult]). A [Failure] adds its own codes.
const (
	CodeInvalidArguments = "invalid_arguments" // Status invalid
	CodeNotAllowed       = "not_allowed"       // Status refused
	CodeUnknownTool      = "unknown_tool"      // Status unknown
	CodeToolFailed       = "tool_failed"       // Status error: an internal failure
	CodeNotFound         = "not_found"         // Status error: store.ErrNotFound
	CodeConflict         = "conflict"          // Status error: store.ErrConflict
	CodeCanceled         = "canceled"          // Status error: the turn was canceled
	CodeTimeout          = "timeout"           // Status timeout
	CodeInternalError    = "internal_error"    // Status panic
)

// ErrorResult is the content of a tool result that is not a success: what
// the model reads instead of the tool's output. The offline engine parses it
// back with [ReadError].
type ErrorResult struct {
	Error   string       `json:"error"` // one of the Code… constants or a Failure's code
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// ReadError parses a tool result's content and reports whether it is an
// error result (a JSON object with a non-empty "error" string).
func ReadError(content string) (ErrorResult, bool) {
	var er ErrorResult
	if err := json.Unmarshal([]byte(content), &er); err != nil || er.Error == "" {
		return ErrorResult{}, false
	}
	return er, true
}
