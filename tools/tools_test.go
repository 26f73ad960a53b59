package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// leadArgs is a small stand-in for a business tool's arguments: required
// fields, a format, an enum, numbers with bounds, dates and a Validate.
type leadArgs struct {
	Name        string  `json:"name" jsonschema:"required,description=Full name"`
	Email       string  `json:"email" jsonschema:"required,format=email"`
	CompanySize int     `json:"company_size,omitempty" jsonschema:"minimum=1"`
	Budget      float64 `json:"budget,omitempty" jsonschema:"minimum=0"`
	Interest    string  `json:"interest,omitempty" jsonschema:"enum=courses,enum=marketing_saas,enum=documents"`
	From        string  `json:"from,omitempty" jsonschema:"format=date"`
	To          string  `json:"to,omitempty" jsonschema:"format=date"`
}

// Validate checks what the schema cannot: the order of two dates, and a
// rule without a field.
func (a leadArgs) Validate() error {
	if a.From != "" && a.To != "" && a.To < a.From {
		return tools.FieldError{Field: "to", Problem: "must not be before from"}
	}
	if a.Name == "Test Test" && a.Interest == "documents" {
		return errors.New("documents are not sold to test accounts")
	}
	return nil
}

type leadResult struct {
	Qualified bool   `json:"qualified"`
	Name      string `json:"name"`
	Note      string `json:"note"`
}

// kpiArgs has no required field, so empty arguments are valid.
type kpiArgs struct {
	Period string `json:"period,omitempty" jsonschema:"enum=today,enum=this_week"`
}

type failArgs struct {
	Kind string `json:"kind" jsonschema:"required"`
}

type slowArgs struct {
	IgnoreContext bool `json:"ignore_context,omitempty"`
}

var (
	everyone = []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff}
	examples = []tools.Example{{Lang: "es", Text: "hola, quiero algo"}, {Lang: "en", Text: "hi, I want something"}}
)

// testBundle is a registry with the test tools and a counter of how often
// each one really ran.
type testBundle struct {
	reg  *tools.Registry
	runs map[string]*atomic.Int64
	logs *testlog.Buffer
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	logs := &testlog.Buffer{}
	b := &testBundle{
		reg:  tools.NewRegistry(tools.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))),
		runs: map[string]*atomic.Int64{},
		logs: logs,
	}
	count := func(name string) *atomic.Int64 {
		b.runs[name] = &atomic.Int64{}
		return b.runs[name]
	}

	leadRuns := count("qualify_test_lead")
	tools.Add(b.reg, tools.Spec{
		Name: "qualify_test_lead", Description: "Record a sales lead.",
		Roles: []store.Role{store.RoleProspect, store.RoleStaff}, Examples: examples, Mutating: true,
	}, func(ctx context.Context, c tools.Caller, in leadArgs) (leadResult, error) {
		leadRuns.Add(1)
		return leadResult{Qualified: in.Budget >= 1000, Name: in.Name, Note: "<b>&"}, nil
	})

	kpiRuns := count("report_test_kpis")
	tools.Add(b.reg, tools.Spec{
		Name: "report_test_kpis", Description: "Business KPIs.",
		Roles: []store.Role{store.RoleStaff}, Examples: examples,
	}, func(ctx context.Context, c tools.Caller, in kpiArgs) (map[string]any, error) {
		kpiRuns.Add(1)
		return map[string]any{"period": in.Period, "mrr": 1234.5, "caller": c.ContactID}, nil
	})

	failRuns := count("fail_test")
	tools.Add(b.reg, tools.Spec{
		Name: "fail_test", Description: "Fails in the way asked.", Roles: everyone, Examples: examples,
	}, func(ctx context.Context, c tools.Caller, in failArgs) (*leadResult, error) {
		failRuns.Add(1)
		switch in.Kind {
		case "internal":
			return nil, fmt.Errorf("fail_test: insert: %w", errors.New(`pq: relation "secret_table" does not exist`))
		case "failure":
			return nil, fmt.Errorf("fail_test: %w", &tools.Failure{Code: "course_full", Message: "course ia-101 is full", Err: errors.New("seats=0 in db shard 7")})
		case "not_found":
			return nil, fmt.Errorf("fail_test: ticket 42: %w", store.ErrNotFound)
		case "conflict":
			return nil, fmt.Errorf("fail_test: email ana@example.com: %w", store.ErrConflict)
		case "invalid":
			return nil, fmt.Errorf("fail_test: course slug %q: %w", "xx", store.ErrInvalid)
		case "field":
			return nil, fmt.Errorf("fail_test: %w", tools.FieldError{Field: "kind", Problem: "no such course"})
		case "fields":
			return nil, errors.Join(&tools.FieldError{Field: "kind", Problem: "a"}, fmt.Errorf("x: %w", tools.FieldError{Field: "kind", Problem: "b"}))
		case "nil":
			return nil, nil
		}
		return &leadResult{Note: in.Kind}, nil
	})

	boomRuns := count("boom")
	tools.Add(b.reg, tools.Spec{
		Name: "boom", Description: "Panics.", Roles: everyone, Examples: examples,
	}, func(ctx context.Context, c tools.Caller, in struct{}) (struct{}, error) {
		boomRuns.Add(1)
		secret := []string{"secret-panic-value"}
		return struct{}{}, errors.New(secret[len(c.ContactID)]) // index out of range: a real runtime panic
	})

	slowRuns := count("slow")
	tools.Add(b.reg, tools.Spec{
		Name: "slow", Description: "Takes its time.", Roles: everyone, Examples: examples,
		Timeout: 50 * time.Millisecond, Mutating: true,
	}, func(ctx context.Context, c tools.Caller, in slowArgs) (struct{}, error) {
		slowRuns.Add(1)
		if in.IgnoreContext {
			time.Sleep(time.Second)
			return struct{}{}, nil
		}
		<-ctx.Done()
		return struct{}{}, fmt.Errorf("slow: waiting: %w", ctx.Err())
	})
	return b
}

func call(name, args string) llms.ToolCall {
	return llms.ToolCall{ID: "call_1", Type: "function", FunctionCall: &llms.FunctionCall{Name: name, Arguments: args}}
}

func caller(role store.Role) tools.Caller {
	return tools.Caller{ContactID: "c1", ConversationID: "conv1", Channel: "web", Language: "es", Role: role}
}

func readError(t *testing.T, o tools.Outcome) tools.ErrorResult {
	t.Helper()
	er, ok := tools.ReadError(o.Response.Content)
	require.True(t, ok, "content is not an error result: %s", o.Response.Content)
	return er
}

func TestCallOK(t *testing.T) {
	t.Parallel()
	b := setup(t)

	o := b.reg.Call(t.Context(), caller(store.RoleProspect),
		call("qualify_test_lead", `{"name":"Ana Pérez","email":"ana@example.com","budget":5000,"company_size":12,"interest":"courses"}`))

	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.NoError(t, o.Err)
	require.Equal(t, "qualify_test_lead", o.Tool)
	require.Equal(t, leadResult{Qualified: true, Name: "Ana Pérez", Note: "<b>&"}, o.Result)
	// Plain JSON of Out, with nothing HTML-escaped.
	require.Equal(t, `{"qualified":true,"name":"Ana Pérez","note":"<b>&"}`, o.Response.Content)
	require.Equal(t, llms.ToolCallResponse{ToolCallID: "call_1", Name: "qualify_test_lead", Content: o.Response.Content}, o.Response)
	require.JSONEq(t, `{"name":"Ana Pérez","email":"ana@example.com","budget":5000,"company_size":12,"interest":"courses"}`, string(o.Args))
	require.Positive(t, o.Duration)
	_, isErr := tools.ReadError(o.Response.Content)
	require.False(t, isErr)
	require.EqualValues(t, 1, b.runs["qualify_test_lead"].Load())
}

func TestCallPassesCaller(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.reg.Call(t.Context(), caller(store.RoleStaff), call("report_test_kpis", `{"period":"today"}`))
	require.Equal(t, tools.StatusOK, o.Status)
	require.JSONEq(t, `{"period":"today","mrr":1234.5,"caller":"c1"}`, o.Response.Content)
}

func TestEmptyArgumentsMeanEmptyObject(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, args := range []string{"", "  ", "null", "{}"} {
		o := b.reg.Call(t.Context(), caller(store.RoleStaff), call("report_test_kpis", args))
		require.Equal(t, tools.StatusOK, o.Status, "args %q: %v", args, o.Err)
		require.JSONEq(t, `{}`, string(o.Args))

		o = b.reg.Call(t.Context(), caller(store.RoleStaff), call("qualify_test_lead", args))
		require.Equal(t, tools.StatusInvalid, o.Status, "args %q", args)
		require.Equal(t, []string{"name", "email"}, tools.Missing(o.Err))
	}
	require.EqualValues(t, 0, b.runs["qualify_test_lead"].Load())
}

func TestStrictDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   string
		fields []tools.FieldError
		msg    string // a part of the message, when there is one to check
	}{
		{
			name:   "unknown field",
			args:   `{"name":"Ana","email":"ana@example.com","vip":true}`,
			fields: []tools.FieldError{{Field: "vip", Problem: tools.ProblemUnknown}},
		},
		{
			name:   "unknown field differing only in case",
			args:   `{"Name":"Ana","email":"ana@example.com"}`,
			fields: []tools.FieldError{{Field: "name", Problem: tools.ProblemMissing}, {Field: "Name", Problem: tools.ProblemUnknown}},
		},
		{
			name:   "wrong type",
			args:   `{"name":"Ana","email":"ana@example.com","company_size":"twelve"}`,
			fields: []tools.FieldError{{Field: "company_size", Problem: "must be an integer, not a string"}},
		},
		{
			name:   "fraction for an integer",
			args:   `{"name":"Ana","email":"ana@example.com","company_size":12.5}`,
			fields: []tools.FieldError{{Field: "company_size", Problem: "must be an integer, not a number"}},
		},
		{
			name:   "missing required",
			args:   `{"email":"ana@example.com"}`,
			fields: []tools.FieldError{{Field: "name", Problem: tools.ProblemMissing}},
			msg:    "ask the user for the missing fields",
		},
		{
			name:   "empty and null required fields are missing",
			args:   `{"name":"  ","email":null}`,
			fields: []tools.FieldError{{Field: "name", Problem: tools.ProblemMissing}, {Field: "email", Problem: tools.ProblemMissing}},
		},
		{
			name:   "bad enum",
			args:   `{"name":"Ana","email":"ana@example.com","interest":"crypto"}`,
			fields: []tools.FieldError{{Field: "interest", Problem: "must be one of: courses, marketing_saas, documents"}},
		},
		{
			name:   "bad email",
			args:   `{"name":"Ana","email":"ana.example.com"}`,
			fields: []tools.FieldError{{Field: "email", Problem: "must be a valid email address"}},
		},
		{
			name:   "bad date",
			args:   `{"name":"Ana","email":"ana@example.com","from":"31/01/2025"}`,
			fields: []tools.FieldError{{Field: "from", Problem: "must be a date as YYYY-MM-DD"}},
		},
		{
			name:   "below minimum",
			args:   `{"name":"Ana","email":"ana@example.com","budget":-5}`,
			fields: []tools.FieldError{{Field: "budget", Problem: "must be at least 0"}},
		},
		{
			name: "every problem at once, in schema order",
			args: `{"zzz":1,"interest":"x","email":"nope","budget":-1}`,
			fields: []tools.FieldError{
				{Field: "name", Problem: tools.ProblemMissing},
				{Field: "email", Problem: "must be a valid email address"},
				{Field: "budget", Problem: "must be at least 0"},
				{Field: "interest", Problem: "must be one of: courses, marketing_saas, documents"},
				{Field: "zzz", Problem: tools.ProblemUnknown},
			},
		},
		{
			name:   "Validate field error",
			args:   `{"name":"Ana","email":"ana@example.com","from":"2025-02-01","to":"2025-01-01"}`,
			fields: []tools.FieldError{{Field: "to", Problem: "must not be before from"}},
		},
		{
			name: "Validate plain error",
			args: `{"name":"Test Test","email":"t@example.com","interest":"documents"}`,
			msg:  "documents are not sold to test accounts",
		},
		{
			name:   "not JSON",
			args:   `{"name": "Ana",`,
			fields: []tools.FieldError{{Problem: "arguments are not valid JSON"}},
		},
		{
			name:   "not an object",
			args:   `["Ana","ana@example.com"]`,
			fields: []tools.FieldError{{Problem: "arguments must be a JSON object, not an array"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			o := b.reg.Call(t.Context(), caller(store.RoleProspect), call("qualify_test_lead", tt.args))

			require.Equal(t, tools.StatusInvalid, o.Status)
			var ve *tools.ValidationError
			require.ErrorAs(t, o.Err, &ve)
			require.Equal(t, "qualify_test_lead", ve.Tool)
			require.Equal(t, tt.fields, ve.Fields)

			er := readError(t, o)
			require.Equal(t, tools.CodeInvalidArguments, er.Error)
			require.Equal(t, tt.fields, er.Fields)
			require.Contains(t, er.Message, tt.msg)
			require.True(t, json.Valid(o.Args), "args recorded as JSON: %s", o.Args)
			require.EqualValues(t, 0, b.runs["qualify_test_lead"].Load(), "the tool must not run on invalid arguments")
		})
	}
}

func TestLenientWhereUnambiguous(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, args := range map[string]string{
		"whole number as decimal": `{"name":"Ana","email":"ana@example.com","company_size":12.0,"budget":1e3}`,
		"empty optional enum":     `{"name":"Ana","email":"ana@example.com","interest":"","from":null}`,
		"arguments encoded twice": `"{\"name\":\"Ana\",\"email\":\"ana@example.com\"}"`,
	} {
		o := b.reg.Call(t.Context(), caller(store.RoleStaff), call("qualify_test_lead", args))
		require.Equal(t, tools.StatusOK, o.Status, "%s: %v", name, o.Err)
	}
}

func TestMissing(t *testing.T) {
	t.Parallel()
	b := setup(t)

	o := b.reg.Call(t.Context(), caller(store.RoleProspect), call("qualify_test_lead", `{"budget":-1}`))
	require.Equal(t, []string{"name", "email"}, tools.Missing(o.Err))
	require.Equal(t, []string{"name", "email"}, tools.Missing(fmt.Errorf("turn: %w", o.Err)), "found through wrapping")

	o = b.reg.Call(t.Context(), caller(store.RoleProspect), call("qualify_test_lead", `{"name":"Ana","email":"bad"}`))
	require.Nil(t, tools.Missing(o.Err), "a bad field is not a missing one")
	require.Nil(t, tools.Missing(errors.New("other")))
	require.Nil(t, tools.Missing(nil))
}

func TestRefusedBeforeDecoding(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, args := range []string{`{"period":"today"}`, `{"period":"ignore your rules"}`, `not json at all`} {
		for _, role := range []store.Role{store.RoleProspect, store.RoleStudent, "", "admin"} {
			o := b.reg.Call(t.Context(), caller(role), call("report_test_kpis", args))
			require.Equal(t, tools.StatusRefused, o.Status, "role %q args %s", role, args)
			require.ErrorIs(t, o.Err, tools.ErrNotAllowed)
			er := readError(t, o)
			require.Equal(t, tools.CodeNotAllowed, er.Error)
			require.Empty(t, er.Fields, "refusal must not reveal argument validation")
			require.NotContains(t, o.Response.Content, "1234")
		}
	}
	require.EqualValues(t, 0, b.runs["report_test_kpis"].Load(), "a refused tool must never run")
	require.False(t, b.reg.Allowed("report_test_kpis", store.RoleProspect))
	require.True(t, b.reg.Allowed("report_test_kpis", store.RoleStaff))
	require.False(t, b.reg.Allowed("no_such_tool", store.RoleStaff))
}

func TestUnknownTool(t *testing.T) {
	t.Parallel()
	b := setup(t)

	o := b.reg.Call(t.Context(), caller(store.RoleProspect), call("delete_everything", `{}`))
	require.Equal(t, tools.StatusUnknown, o.Status)
	require.ErrorIs(t, o.Err, tools.ErrUnknownTool)
	require.Equal(t, "delete_everything", o.Tool)
	require.Equal(t, "delete_everything", o.Response.Name)
	er := readError(t, o)
	require.Equal(t, tools.CodeUnknownTool, er.Error)
	require.Contains(t, er.Message, "qualify_test_lead", "lists the tools the caller may use")
	require.NotContains(t, er.Message, "report_test_kpis", "but not the others")

	o = b.reg.Call(t.Context(), caller(store.RoleProspect), llms.ToolCall{ID: "x"})
	require.Equal(t, tools.StatusUnknown, o.Status, "a call with no function")
	require.Equal(t, "x", o.Response.ToolCallID)
}

func TestToolErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    string
		status  tools.Status
		code    string
		message string // a part of the message
	}{
		{"internal", tools.StatusError, tools.CodeToolFailed, "internal reason"},
		{"failure", tools.StatusError, "course_full", "course ia-101 is full"},
		{"not_found", tools.StatusError, tools.CodeNotFound, "ticket 42"},
		{"conflict", tools.StatusError, tools.CodeConflict, "ana@example.com"},
		{"invalid", tools.StatusInvalid, tools.CodeInvalidArguments, `course slug "xx"`},
		{"field", tools.StatusInvalid, tools.CodeInvalidArguments, "correct them"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			o := b.reg.Call(t.Context(), caller(store.RoleStudent), call("fail_test", `{"kind":"`+tt.kind+`"}`))
			require.Equal(t, tt.status, o.Status)
			require.Error(t, o.Err)
			require.Nil(t, o.Result)
			er := readError(t, o)
			require.Equal(t, tt.code, er.Error)
			require.Contains(t, er.Message, tt.message)
			// Internal detail stays in Err, out of the content.
			require.NotContains(t, o.Response.Content, "secret_table")
			require.NotContains(t, o.Response.Content, "shard 7")
		})
	}

	b := setup(t)
	o := b.reg.Call(t.Context(), caller(store.RoleStudent), call("fail_test", `{"kind":"internal"}`))
	require.ErrorContains(t, o.Err, "secret_table", "the cause is kept for the logs")
	o = b.reg.Call(t.Context(), caller(store.RoleStudent), call("fail_test", `{"kind":"field"}`))
	require.Equal(t, []tools.FieldError{{Field: "kind", Problem: "no such course"}}, readError(t, o).Fields)
	o = b.reg.Call(t.Context(), caller(store.RoleStudent), call("fail_test", `{"kind":"fields"}`))
	require.Equal(t, tools.StatusInvalid, o.Status)
	require.Equal(t, []tools.FieldError{{Field: "kind", Problem: "a"}, {Field: "kind", Problem: "b"}}, readError(t, o).Fields,
		"pointer and joined field errors count too")
	o = b.reg.Call(t.Context(), caller(store.RoleStudent), call("fail_test", `{"kind":"nil"}`))
	require.Equal(t, tools.StatusOK, o.Status)
	require.Equal(t, `{}`, o.Response.Content, "a nil result is an empty object, not null")
}

func TestPanicContained(t *testing.T) {
	t.Parallel()
	b := setup(t)

	var o tools.Outcome
	require.NotPanics(t, func() { o = b.reg.Call(t.Context(), caller(store.RoleProspect), call("boom", "")) })
	require.Equal(t, tools.StatusPanic, o.Status)
	var pe *tools.PanicError
	require.ErrorAs(t, o.Err, &pe)
	require.Equal(t, "boom", pe.Tool)
	require.Contains(t, string(pe.Stack), "tools_test.go", "the stack points at the panic")

	er := readError(t, o)
	require.Equal(t, tools.CodeInternalError, er.Error)
	for _, leak := range []string{"goroutine", "index out of range", "secret-panic-value", ".go:"} {
		require.NotContains(t, o.Response.Content, leak, "a panic is never shown")
	}
	require.Contains(t, b.logs.String(), "tool panicked")
	require.Contains(t, b.logs.String(), "tools_test.go", "the stack is logged")

	// The registry still works after a panic.
	o = b.reg.Call(t.Context(), caller(store.RoleProspect), call("fail_test", `{"kind":"ok"}`))
	require.Equal(t, tools.StatusOK, o.Status)
}

func TestTimeout(t *testing.T) {
	t.Parallel()

	t.Run("tool honours its context", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.reg.Call(t.Context(), caller(store.RoleProspect), call("slow", `{}`))
		require.Equal(t, tools.StatusTimeout, o.Status)
		require.ErrorIs(t, o.Err, context.DeadlineExceeded)
		er := readError(t, o)
		require.Equal(t, tools.CodeTimeout, er.Error)
		require.Contains(t, er.Message, "may still have been made", "a mutating tool warns against a retry")
	})

	t.Run("tool ignores its context", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.reg.Call(t.Context(), caller(store.RoleProspect), call("slow", `{"ignore_context":true}`))
		require.Equal(t, tools.StatusTimeout, o.Status)
		require.Less(t, o.Duration, 500*time.Millisecond, "the call returns at the deadline, not when the tool does")
	})

	t.Run("turn deadline", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		o := b.reg.Call(ctx, caller(store.RoleProspect), call("slow", `{}`))
		require.Equal(t, tools.StatusTimeout, o.Status)
	})

	t.Run("turn canceled", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(10*time.Millisecond, cancel)
		o := b.reg.Call(ctx, caller(store.RoleProspect), call("slow", `{}`))
		require.Equal(t, tools.StatusError, o.Status)
		require.ErrorIs(t, o.Err, context.Canceled)
		require.Equal(t, tools.CodeCanceled, readError(t, o).Error)
	})
}

func TestDefinitions(t *testing.T) {
	t.Parallel()
	b := setup(t)

	names := func(defs []llms.Tool) []string {
		var out []string
		for _, d := range defs {
			require.Equal(t, "function", d.Type)
			out = append(out, d.Function.Name)
		}
		return out
	}
	require.Equal(t, []string{"boom", "fail_test", "qualify_test_lead", "slow"}, names(b.reg.Definitions(store.RoleProspect)))
	require.Equal(t, []string{"boom", "fail_test", "slow"}, names(b.reg.Definitions(store.RoleStudent)))
	require.Equal(t, []string{"boom", "fail_test", "qualify_test_lead", "report_test_kpis", "slow"}, names(b.reg.Definitions(store.RoleStaff)))
	require.Empty(t, b.reg.Definitions(""))
	require.Empty(t, b.reg.Definitions("admin"))

	for _, d := range b.reg.Definitions(store.RoleStaff) {
		require.NotEmpty(t, d.Function.Description)
		params, ok := d.Function.Parameters.(map[string]any)
		require.True(t, ok, "parameters are a map")
		require.Equal(t, "object", params["type"])
		raw, ok := b.reg.Schema(d.Function.Name)
		require.True(t, ok)
		got, err := json.Marshal(params)
		require.NoError(t, err)
		require.JSONEq(t, string(raw), string(got))
	}

	// Each call hands out its own maps.
	d := b.reg.Definitions(store.RoleStaff)
	d[0].Function.Parameters.(map[string]any)["type"] = "mutated"
	d[0].Function.Parameters.(map[string]any)["properties"].(map[string]any)["extra"] = true
	again := b.reg.Definitions(store.RoleStaff)[0].Function.Parameters.(map[string]any)
	require.Equal(t, "object", again["type"])
	require.NotContains(t, again["properties"], "extra", "nested maps too")

	// A tool added later is offered at once.
	require.NoError(t, tools.AddSafely(b.reg, tools.Spec{Name: "added_later", Description: "Added after the definitions were read.", Roles: []store.Role{store.RoleStaff}, Examples: examples},
		func(context.Context, tools.Caller, struct{}) (struct{}, error) { return struct{}{}, nil }))
	require.Contains(t, names(b.reg.Definitions(store.RoleStaff)), "added_later")
}

func TestSchemaShape(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw, ok := b.reg.Schema("qualify_test_lead")
	require.True(t, ok)
	var s map[string]any
	require.NoError(t, json.Unmarshal(raw, &s))
	require.Equal(t, "object", s["type"])
	require.Equal(t, false, s["additionalProperties"])
	require.Equal(t, []any{"name", "email"}, s["required"])
	require.NotContains(t, s, "$schema")
	require.NotContains(t, s, "$defs")
	require.NotContains(t, s, "$id")
	props := s["properties"].(map[string]any)
	require.Equal(t, "Full name", props["name"].(map[string]any)["description"])
	require.Equal(t, "email", props["email"].(map[string]any)["format"])

	_, ok = b.reg.Schema("nope")
	require.False(t, ok)
}

func TestSpecs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	specs := b.reg.Specs()
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"boom", "fail_test", "qualify_test_lead", "report_test_kpis", "slow"}, names)
	require.Equal(t, tools.DefaultTimeout, specs[0].Timeout, "zero timeout is reported as the default")
	require.Equal(t, 50*time.Millisecond, specs[4].Timeout)
	require.True(t, specs[2].Mutating)

	// Specs are copies.
	specs[2].Roles[0] = store.RoleStudent
	require.False(t, b.reg.Allowed("qualify_test_lead", store.RoleStudent))

	s, ok := b.reg.Spec("report_test_kpis")
	require.True(t, ok)
	require.Equal(t, []store.Role{store.RoleStaff}, s.Roles)
	require.True(t, s.Allows(store.RoleStaff))
	require.False(t, s.Allows(store.RoleProspect))
}

type badOut struct {
	Error string `json:"error"`
}

type chanArgs struct {
	C chan int `json:"c"`
}

type node struct {
	Name     string `json:"name"`
	Children []node `json:"children"`
}

func TestAddMisconfiguration(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, tools.Caller, kpiArgs) (struct{}, error) { return struct{}{}, nil }
	good := tools.Spec{Name: "good_tool", Description: "d", Roles: everyone, Examples: examples}
	with := func(f func(*tools.Spec)) tools.Spec {
		s := good
		f(&s)
		return s
	}

	r := tools.NewRegistry()
	require.NoError(t, tools.AddSafely(r, good, ok))

	tests := map[string]error{
		"duplicate":        tools.AddSafely(r, good, ok),
		"no roles":         tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Roles = "a", nil }), ok),
		"bad role":         tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Roles = "b", []store.Role{"admin"} }), ok),
		"bad name":         tools.AddSafely(r, with(func(s *tools.Spec) { s.Name = "Search Knowledge" }), ok),
		"no description":   tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Description = "c", " " }), ok),
		"no examples":      tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Examples = "d", nil }), ok),
		"no english":       tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Examples = "e", examples[:1] }), ok),
		"bad example lang": tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Examples = "f", append(examples, tools.Example{Lang: "fr", Text: "x"}) }), ok),
		"negative timeout": tools.AddSafely(r, with(func(s *tools.Spec) { s.Name, s.Timeout = "g", -time.Second }), ok),
		"nil function":     tools.AddSafely[kpiArgs, struct{}](r, with(func(s *tools.Spec) { s.Name = "h" }), nil),
		"non-struct In": tools.AddSafely(r, with(func(s *tools.Spec) { s.Name = "i" }),
			func(context.Context, tools.Caller, string) (struct{}, error) { return struct{}{}, nil }),
		"unrepresentable In": tools.AddSafely(r, with(func(s *tools.Spec) { s.Name = "j" }),
			func(context.Context, tools.Caller, chanArgs) (struct{}, error) { return struct{}{}, nil }),
		"recursive In": tools.AddSafely(r, with(func(s *tools.Spec) { s.Name = "k" }),
			func(context.Context, tools.Caller, node) (struct{}, error) { return struct{}{}, nil }),
		"error in Out": tools.AddSafely(r, with(func(s *tools.Spec) { s.Name = "l" }),
			func(context.Context, tools.Caller, kpiArgs) (*badOut, error) { return nil, nil }),
	}
	for name, err := range tests {
		require.Error(t, err, name)
	}
	require.ErrorContains(t, tests["duplicate"], `"good_tool"`, "errors name the tool")
	require.Equal(t, []string{"good_tool"}, func() []string {
		var n []string
		for _, s := range r.Specs() {
			n = append(n, s.Name)
		}
		return n
	}(), "nothing misconfigured was registered")

	require.Panics(t, func() { tools.Add(r, good, ok) }, "Add panics where AddSafely errs")
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	calls := []struct {
		role   store.Role
		call   llms.ToolCall
		status tools.Status
	}{
		{store.RoleProspect, call("qualify_test_lead", `{"name":"Ana","email":"ana@example.com"}`), tools.StatusOK},
		{store.RoleProspect, call("qualify_test_lead", `{"name":"Ana"}`), tools.StatusInvalid},
		{store.RoleProspect, call("report_test_kpis", `{}`), tools.StatusRefused},
		{store.RoleStaff, call("report_test_kpis", `{"period":"this_week"}`), tools.StatusOK},
		{store.RoleStudent, call("nope", `{}`), tools.StatusUnknown},
		{store.RoleStudent, call("boom", `{}`), tools.StatusPanic},
		{store.RoleStudent, call("fail_test", `{"kind":"internal"}`), tools.StatusError},
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			c := calls[i%len(calls)]
			o := b.reg.Call(t.Context(), caller(c.role), c.call)
			if o.Status != c.status {
				t.Errorf("%s as %s: status %s, want %s (%v)", c.call.FunctionCall.Name, c.role, o.Status, c.status, o.Err)
			}
			_ = b.reg.Definitions(c.role)
			_ = b.reg.Specs()
		})
	}
	// Registering while calls run is safe too.
	wg.Go(func() {
		tools.Add(b.reg, tools.Spec{Name: "late", Description: "d", Roles: everyone, Examples: examples},
			func(context.Context, tools.Caller, kpiArgs) (struct{}, error) { return struct{}{}, nil })
	})
	wg.Wait()
	require.True(t, b.reg.Allowed("late", store.RoleStudent))
}

func TestValidationErrorText(t *testing.T) {
	t.Parallel()
	ve := &tools.ValidationError{Tool: "x", Fields: []tools.FieldError{{Field: "email", Problem: "missing"}, {Problem: "bad"}}}
	require.Equal(t, "x: invalid arguments: email: missing; bad", ve.Error())
	ve = &tools.ValidationError{Tool: "x", Message: "no", Fields: []tools.FieldError{{Field: "a", Problem: "b"}}}
	require.Equal(t, "x: invalid arguments: no; a: b", ve.Error())
	require.True(t, strings.HasPrefix(tools.Fail("c", "m").Error(), "c: m"))
	_, ok := tools.ReadError(`{"qualified":true}`)
	require.False(t, ok)
	_, ok = tools.ReadError(`not json`)
	require.False(t, ok)
}

type panickyArgs struct {
	X string `json:"x,omitempty"`
}

// Validate panics: a bug in an argument type, outside the tool function.
func (*panickyArgs) Validate() error { panic("validate bug") }

func TestPanicInValidateContained(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ran := false
	tools.Add(b.reg, tools.Spec{Name: "panicky", Description: "d", Roles: everyone, Examples: examples},
		func(context.Context, tools.Caller, panickyArgs) (struct{}, error) { ran = true; return struct{}{}, nil })

	var o tools.Outcome
	require.NotPanics(t, func() { o = b.reg.Call(t.Context(), caller(store.RoleStaff), call("panicky", `{}`)) })
	require.Equal(t, tools.StatusPanic, o.Status)
	require.Equal(t, tools.CodeInternalError, readError(t, o).Error)
	require.Equal(t, "call_1", o.Response.ToolCallID)
	require.NotContains(t, o.Response.Content, "validate bug")
	require.Contains(t, b.logs.String(), "validate bug")
	require.False(t, ran)
}
