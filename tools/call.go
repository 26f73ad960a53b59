package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"github.com/faroai/faro/store"
	"github.com/tmc/langchaingo/llms"
)

// Status is how a tool call ended.
type Status string

// The statuses of [Outcome].
const (
	StatusOK      Status = "ok"
	StatusInvalid Status = "invalid" // arguments did not decode or validate; the tool did not run
	StatusRefused Status = "refused" // the caller's role may not call the tool; it did not run
	StatusUnknown Status = "unknown" // no tool has that name
	StatusError   Status = "error"   // the tool ran and failed
	StatusTimeout Status = "timeout" // the tool did not finish within its Timeout
	StatusPanic   Status = "panic"   // the tool panicked; contained, stack logged
)

// Outcome is everything about one tool call: what the agent persists and
// logs, and the Response it gives back to the model.
type Outcome struct {
	Status Status
	Tool   string // the name the model asked for, even when unknown
	// Args are the arguments as the model sent them ({} when it sent none;
	// a JSON string holding the text when it was not JSON), for the record.
	Args json.RawMessage
	// Result is the tool's Out when Status is ok; nil otherwise.
	Result any
	// Err says why when Status is not ok: a *[ValidationError] for invalid,
	// [ErrNotAllowed] and [ErrUnknownTool] (wrapped), the tool's own error,
	// context.DeadlineExceeded (wrapped) for timeout, a *[PanicError].
	// It may hold internal detail: log it, never show it.
	Err error
	// Response goes back to the model as the tool message. Its Content is
	// the JSON of Out on success, an [ErrorResult] otherwise.
	Response llms.ToolCallResponse
	Duration time.Duration
}

// Call runs one tool call for c. It never panics and never returns a Go
// error: every outcome — unknown tool, refusal, invalid arguments, failure,
// timeout, panic — is reported in the [Outcome], and Outcome.Response is
// what goes back to the model.
//
// The role check comes first, before the arguments are even parsed: a call
// outside c.Role is refused whatever the model asked, so a prompt injection
// cannot reach a tool the caller may not use.
func (r *Registry) Call(ctx context.Context, c Caller, call llms.ToolCall) (o Outcome) {
	start := time.Now()
	var name, args string
	if call.FunctionCall != nil {
		name, args = call.FunctionCall.Name, call.FunctionCall.Arguments
	}
	o = Outcome{Tool: name, Args: recordArgs(args)}
	defer func() {
		// Only a bug in this package (or a Validate method) gets here: tool
		// functions are already contained in run.
		if v := recover(); v != nil {
			o.Status, o.Result = StatusPanic, nil
			o.Err = &PanicError{Tool: name, Value: v, Stack: debug.Stack()}
			o.Response.Content = errorContent(CodeInternalError, fmt.Sprintf("tool %s failed unexpectedly", name), nil)
			r.logPanic(ctx, c, o.Err.(*PanicError))
		}
		o.Response.ToolCallID, o.Response.Name = call.ID, name
		o.Duration = time.Since(start)
	}()

	t := r.lookup(name)
	if t == nil {
		o.Status = StatusUnknown
		o.Err = fmt.Errorf("call %q: %w", name, ErrUnknownTool)
		msg := fmt.Sprintf("there is no tool named %q", name)
		if avail := r.names(c.Role); len(avail) > 0 {
			msg += "; the tools available are: " + strings.Join(avail, ", ")
		}
		o.Response.Content = errorContent(CodeUnknownTool, msg, nil)
		return o
	}
	if !t.spec.Allows(c.Role) {
		o.Status = StatusRefused
		o.Err = fmt.Errorf("call %q as %q: %w", name, c.Role, ErrNotAllowed)
		o.Response.Content = errorContent(CodeNotAllowed,
			fmt.Sprintf("tool %s is not available to this user; do not call it again", name), nil)
		return o
	}

	in, verr := r.decode(t, args)
	if verr != nil {
		return invalid(o, verr)
	}
	return r.run(ctx, c, t, in, o)
}

// decode parses, normalizes, validates and strictly decodes args into the
// tool's In, then runs In's Validate if it has one.
func (r *Registry) decode(t *tool, args string) (any, *ValidationError) {
	name := t.spec.Name
	v, err := parseArgs(args)
	if err != nil {
		return nil, &ValidationError{Tool: name, Fields: []FieldError{{Problem: "arguments are not valid JSON"}}}
	}
	v = normalize(v, t.schema.doc)
	if fields := t.schema.validate(v); fields != nil {
		return nil, &ValidationError{Tool: name, Fields: fields}
	}
	// The validated value is re-encoded for encoding/json; numbers stay
	// exact because they are json.Number.
	clean, err := json.Marshal(v)
	if err != nil {
		return nil, &ValidationError{Tool: name, Fields: []FieldError{{Problem: "arguments cannot be re-encoded"}}}
	}
	in, err := t.decode(clean)
	if err != nil {
		// The schema mirrors In, so this is rare: a value out of range
		// for its Go type (an int64 overflow), or a custom UnmarshalJSON.
		return nil, &ValidationError{Tool: name, Fields: []FieldError{decodeField(err)}}
	}
	if err := validateIn(in); err != nil {
		ve := validationFrom(name, err)
		ve.Fields = t.schema.sortedCopy(ve.Fields)
		return nil, ve
	}
	return in, nil
}

// validateIn runs in's Validate, on the value or on a pointer to a copy.
func validateIn(in any) error {
	if v, ok := in.(Validator); ok {
		return v.Validate()
	}
	p := reflect.New(reflect.TypeOf(in))
	p.Elem().Set(reflect.ValueOf(in))
	if v, ok := p.Interface().(Validator); ok {
		return v.Validate()
	}
	return nil
}

// run calls the tool with a deadline, in its own goroutine so that a tool
// that ignores its context still cannot hold the turn past the deadline,
// and with a recover so that its panic is contained.
func (r *Registry) run(ctx context.Context, c Caller, t *tool, in any, o Outcome) Outcome {
	name := t.spec.Name
	tctx, cancel := context.WithTimeout(ctx, t.spec.Timeout)
	defer cancel()

	type result struct {
		out any
		err error
	}
	done := make(chan result, 1) // buffered: a late tool still finishes and exits
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: &PanicError{Tool: name, Value: v, Stack: debug.Stack()}}
			}
		}()
		out, err := t.run(tctx, c, in)
		done <- result{out: out, err: err}
	}()

	var res result
	select {
	case res = <-done:
	case <-tctx.Done():
		select {
		case res = <-done: // finished at the same moment: take its answer
		default:
			return r.expired(ctx, t, o)
		}
	}

	var pe *PanicError
	switch {
	case errors.As(res.err, &pe):
		o.Status, o.Err = StatusPanic, pe
		o.Response.Content = errorContent(CodeInternalError, fmt.Sprintf("tool %s failed unexpectedly", name), nil)
		r.logPanic(ctx, c, pe)
		return o
	case res.err != nil && tctx.Err() != nil &&
		(errors.Is(res.err, context.DeadlineExceeded) || errors.Is(res.err, context.Canceled)):
		// The tool gave up because its context ended: same as not finishing.
		o = r.expired(ctx, t, o)
		o.Err = fmt.Errorf("%w (tool said: %w)", o.Err, res.err)
		return o
	case res.err != nil:
		return failed(o, res.err)
	}

	content, err := encodeResult(res.out)
	if err != nil {
		o.Status = StatusError
		o.Err = fmt.Errorf("tool %s: encode result: %w", name, err)
		o.Response.Content = errorContent(CodeToolFailed, fmt.Sprintf("tool %s failed; do not retry it now", name), nil)
		return o
	}
	o.Status, o.Result = StatusOK, res.out
	o.Response.Content = content
	return o
}

// expired reports a call whose context ended before the tool did: the
// tool's own timeout or the turn's deadline (timeout), or the turn being
// canceled (error).
func (r *Registry) expired(ctx context.Context, t *tool, o Outcome) Outcome {
	name := t.spec.Name
	if errors.Is(ctx.Err(), context.Canceled) {
		o.Status = StatusError
		o.Err = fmt.Errorf("tool %s: %w", name, ctx.Err())
		o.Response.Content = errorContent(CodeCanceled, fmt.Sprintf("tool %s was canceled", name), nil)
		return o
	}
	o.Status = StatusTimeout
	// The deadline may be the turn's, shorter than the tool's own.
	o.Err = fmt.Errorf("tool %s: no answer before the deadline (tool timeout %s): %w", name, t.spec.Timeout, context.DeadlineExceeded)
	msg := fmt.Sprintf("tool %s did not answer in time", name)
	if t.spec.Mutating {
		// A retry could do the change twice (enrol twice, open two tickets).
		msg += "; the change may still have been made, so do not call it again in this turn"
	}
	o.Response.Content = errorContent(CodeTimeout, msg, nil)
	return o
}

// invalid reports arguments the tool cannot run with, with every field, so
// the model can correct itself or ask the user.
func invalid(o Outcome, ve *ValidationError) Outcome {
	o.Status, o.Err = StatusInvalid, ve
	msg := fmt.Sprintf("invalid arguments for %s", ve.Tool)
	if ve.Message != "" {
		msg += ": " + ve.Message
	}
	if len(Missing(ve)) > 0 {
		msg += "; ask the user for the missing fields, then call the tool again"
	} else {
		msg += "; correct them and call the tool again"
	}
	o.Response.Content = errorContent(CodeInvalidArguments, msg, ve.Fields)
	return o
}

// failed reports a tool's error. Only what the tool marked as meant to be
// read (a Failure, a FieldError, a store sentinel whose text our own store
// wrote) reaches the model; anything else is an internal failure.
func failed(o Outcome, err error) Outcome {
	name := o.Tool
	o.Err = err
	var (
		ve *ValidationError
		f  *Failure
	)
	switch {
	case errors.As(err, &ve):
		return invalid(o, validationFrom(name, err))
	case len(fieldErrors(err)) > 0:
		return invalid(o, validationFrom(name, err))
	case errors.Is(err, store.ErrInvalid):
		return invalid(o, &ValidationError{Tool: name, Message: err.Error()})
	case errors.As(err, &f):
		o.Status = StatusError
		o.Response.Content = errorContent(f.Code, f.Message, nil)
	case errors.Is(err, store.ErrNotFound):
		o.Status = StatusError
		o.Response.Content = errorContent(CodeNotFound, err.Error(), nil)
	case errors.Is(err, store.ErrConflict):
		o.Status = StatusError
		o.Response.Content = errorContent(CodeConflict, err.Error(), nil)
	default:
		o.Status = StatusError
		o.Response.Content = errorContent(CodeToolFailed,
			fmt.Sprintf("tool %s failed for an internal reason; do not retry it now", name), nil)
	}
	return o
}

// validationFrom turns a Validate (or tool) error into a ValidationError:
// FieldErrors — one, or several joined — become fields; any other error
// becomes the message.
func validationFrom(tool string, err error) *ValidationError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		out := *ve
		out.Tool = tool
		return &out
	}
	fields := fieldErrors(err)
	if len(fields) == 0 {
		return &ValidationError{Tool: tool, Message: err.Error()}
	}
	return &ValidationError{Tool: tool, Fields: fields}
}

// fieldErrors finds the FieldErrors in err's tree (errors.Join, %w).
func fieldErrors(err error) []FieldError {
	switch e := err.(type) {
	case nil:
		return nil
	case FieldError:
		return []FieldError{e}
	case *FieldError:
		return []FieldError{*e}
	case interface{ Unwrap() []error }:
		var out []FieldError
		for _, c := range e.Unwrap() {
			out = append(out, fieldErrors(c)...)
		}
		return out
	case interface{ Unwrap() error }:
		return fieldErrors(e.Unwrap())
	}
	return nil
}

// decodeField describes an encoding/json error as a field error.
func decodeField(err error) FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return FieldError{Field: te.Field, Problem: "must be " + article(jsonKind(te.Type)) + ", not " + te.Value}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return FieldError{Field: strings.Trim(name, `"`), Problem: ProblemUnknown}
	}
	return FieldError{Problem: "arguments do not decode: " + err.Error()}
}

// jsonKind names t as JSON Schema names types.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// sortedCopy returns fs in schema order.
func (s *argSchema) sortedCopy(fs []FieldError) []FieldError {
	out := append([]FieldError(nil), fs...)
	s.sortFields(out)
	return out
}

// encodeResult is the tool's output as the model reads it: compact JSON,
// with <, > and & left as they are (they are not HTML here), and {} or []
// rather than null for "nothing".
func encodeResult(out any) (string, error) {
	if out == nil {
		return "{}", nil
	}
	if rv := reflect.ValueOf(out); rv.Kind() == reflect.Slice && rv.IsNil() {
		return "[]", nil
	} else if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Map || rv.Kind() == reflect.Interface) && rv.IsNil() {
		return "{}", nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// errorContent renders an ErrorResult.
func errorContent(code, message string, fields []FieldError) string {
	s, err := encodeResult(ErrorResult{Error: code, Message: message, Fields: fields})
	if err != nil {
		// Strings and a slice of strings always encode.
		return `{"error":"internal_error","message":"error result could not be encoded"}`
	}
	return s
}

// recordArgs keeps the model's arguments for the record as valid JSON.
func recordArgs(args string) json.RawMessage {
	s := strings.TrimSpace(args)
	if s == "" || s == "null" {
		return json.RawMessage(`{}`)
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(args) // a string always encodes
	return b
}

func (r *Registry) logPanic(ctx context.Context, c Caller, pe *PanicError) {
	r.log.ErrorContext(ctx, "tool panicked",
		"tool", pe.Tool,
		"conversation_id", c.ConversationID,
		"panic", fmt.Sprint(pe.Value),
		"stack", string(pe.Stack))
}
