package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// raw sends body as it is, with the content type given ("" for none).
func (b *bundle) raw(t *testing.T, method, path, key, ctype, body string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, b.http.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return send(t, req)
}

// nulAPI sends NUL characters everywhere a client can put one: text a
// person wrote loses them, anything else is a 400 naming the field, and
// never a 500 or the database's own words, on either store.
func nulAPI(t *testing.T, st fullStore) {
	b := setup(t, st, nil)
	ctx := t.Context()
	tk, _, err := st.OpenTicket(ctx, store.Ticket{Subject: "Acceso", Email: "ana@example.com"})
	require.NoError(t, err)

	// A chat message: the NUL goes, the turn is answered.
	r := b.raw(t, "POST", "/v1/chat/completions", studentKey, "application/json",
		`{"model":"faro","messages":[{"role":"user","content":"hola\u0000"}]}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	for _, c := range []struct{ method, path, body, field string }{
		{"PATCH", "/api/v1/tickets/" + tk.ID, `{"queue":"soporte\u0000"}`, "queue"},
		{"GET", "/api/v1/tickets?email=a%00b", "", "email"},
		{"GET", "/api/v1/conversations/a%00b", "", "path"},
		{"GET", "/api/v1/contacts/a%00b", "", "path"},
		{"PUT", "/api/v1/courses/ia-101", `{"title":{"es":"IA\u0000","en":"AI"},"language":"es","seats":10,"duration_weeks":4}`, "title.es"},
		{"POST", "/api/v1/documents", `{"template":"certificate","variables":{"student_name":"Ana\u0000","course_title":"IA"},"format":"html"}`, "student_name"},
		{"PUT", "/api/v1/subscriptions/sub-1", `{"email":"ana@example.com","plan":"pro\u0000","monthly_amount_cents":100,"currency":"USD","started_at":"2026-01-01T00:00:00Z"}`, "plan"},
		{"POST", "/api/v1/knowledge/documents", `{"source":"a\u0000.md","content":"# Hola\n\ntexto"}`, "source"},
	} {
		r := b.raw(t, c.method, c.path, adminKey, "application/json", c.body)
		require.Equal(t, http.StatusBadRequest, r.status, "%s %s: %s", c.method, c.path, r.body)
		e := r.errorBody(t)
		require.Contains(t, e.Message, c.field, "%s %s", c.method, c.path)
		require.Contains(t, e.Message, "control character", "%s %s", c.method, c.path)
	}

	// Free text loses its NULs: a knowledge upload and a staff reply.
	r = b.raw(t, "POST", "/api/v1/knowledge/documents", adminKey, "application/json", `{"source":"nul.md","content":"# Ho\u0000la\n\ntex\u0000to"}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	got, err := st.Ticket(ctx, tk.ID)
	require.NoError(t, err)
	require.Equal(t, tk.Queue, got.Queue, "the refused update changed nothing")
}

func TestNULOnSQLite(t *testing.T) {
	t.Parallel()
	nulAPI(t, openSQLite(t))
}

// TestHugeOffsets: every list route (each GET the description gives an
// offset) answers an offset past the end with an empty page, one too big
// to add to with 400, and never drops the connection.
func TestHugeOffsets(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	seedConversation(t, b.st, "ana")
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	b.do(t, "GET", "/api/v1/openapi.json", "", nil).json(t, &doc)
	lists := 0
	for path, item := range doc.Paths {
		op, ok := item["get"]
		if !ok {
			continue
		}
		for _, p := range op.Parameters {
			if p.Name != "offset" {
				continue
			}
			lists++
			r := b.do(t, "GET", path+"?offset=1000000000", adminKey, nil)
			require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
			var l server.List[json.RawMessage]
			r.json(t, &l)
			require.Empty(t, l.Data, path)
			require.Nil(t, l.NextOffset, path)
			for _, off := range []string{"1000000001", "9223372036854775807", "99999999999999999999"} {
				r := b.do(t, "GET", path+"?offset="+off, adminKey, nil)
				require.Equal(t, http.StatusBadRequest, r.status, "%s?offset=%s: %s", path, off, r.body)
				require.Equal(t, server.CodeInvalid, r.errorBody(t).Code)
			}
		}
	}
	require.GreaterOrEqual(t, lists, 8, "the list routes")

	_, conv := seedConversation(t, b.st, "bea")
	r := b.do(t, "GET", "/api/v1/conversations/"+conv.ID+"?after_seq=9223372036854775807", adminKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

// TestOneJSONValue: a body with anything after its JSON value (garbage, a
// second object) is refused on every kind of route, before it changes
// anything; whitespace after it is fine.
func TestOneJSONValue(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	tk, _, err := b.st.OpenTicket(t.Context(), store.Ticket{Subject: "Acceso", Email: "ana@example.com"})
	require.NoError(t, err)
	for _, c := range []struct{ method, path, key, body string }{
		{"PATCH", "/api/v1/tickets/" + tk.ID, adminKey, `{"priority":"low"} garbage`},
		{"PATCH", "/api/v1/tickets/" + tk.ID, adminKey, `{"priority":"low"}{"priority":"urgent"}`},
		{"POST", "/v1/chat/completions", studentKey, `{"messages":[{"role":"user","content":"hola"}]} {}`},
		{"POST", "/api/v1/documents", adminKey, `{"template":"certificate","variables":{}} x`},
		{"POST", "/api/v1/knowledge/documents", adminKey, `{"source":"a.md","content":"# A\n\nb"}]`},
	} {
		r := b.raw(t, c.method, c.path, c.key, "application/json", c.body)
		require.Equal(t, http.StatusBadRequest, r.status, "%s %s %s: %s", c.method, c.path, c.body, r.body)
		require.Contains(t, r.errorBody(t).Message, "exactly one", c.body)
	}
	got, err := b.st.Ticket(t.Context(), tk.ID)
	require.NoError(t, err)
	require.Equal(t, tk.Priority, got.Priority, "the refused update changed nothing")

	r := b.raw(t, "PATCH", "/api/v1/tickets/"+tk.ID, adminKey, "application/json", "{\"priority\":\"low\"}\n \n")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

// TestJSONWhateverContentType: every JSON route reads its body the same
// way whatever Content-Type comes with it (none, application/json, curl's
// default form type, text/plain).
func TestJSONWhateverContentType(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	for _, ctype := range []string{"", "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "text/plain"} {
		r := b.raw(t, "POST", "/api/v1/documents", adminKey, ctype,
			`{"template":"certificate","variables":{"student_name":"Ana","course_title":"IA","completion_date":"2026-11-30","certificate_number":"C-1"},"format":"html"}`)
		require.Equal(t, http.StatusCreated, r.status, "documents with %q: %s", ctype, r.body)
		r = b.raw(t, "POST", "/v1/chat/completions", studentKey, ctype, `{"messages":[{"role":"user","content":"hola"}]}`)
		require.Equal(t, http.StatusOK, r.status, "chat with %q: %s", ctype, r.body)
		r = b.raw(t, "POST", "/api/v1/knowledge/documents", adminKey, ctype, `{"source":"ct.md","content":"# Hola\n\ntexto"}`)
		require.Contains(t, []int{http.StatusCreated, http.StatusOK}, r.status, "upload with %q: %s", ctype, r.body)
	}
	r := b.raw(t, "POST", "/api/v1/documents", adminKey, "application/x-www-form-urlencoded", "template=certificate")
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.errorBody(t).Message, "JSON")
}

// TestCourseSeatsAndSubscriptionEmail: seats cannot drop below those
// taken (409 saying why), a full course reads full, and a subscription's
// email must be an address.
func TestCourseSeatsAndSubscriptionEmail(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	course := map[string]any{"title": map[string]string{"es": "IA", "en": "AI"}, "language": "es", "seats": 1, "duration_weeks": 4}
	require.Equal(t, http.StatusOK, b.do(t, "PUT", "/api/v1/courses/ia-1", adminKey, course).status)
	_, _, err := b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "ia-1", Email: "ana@example.com"})
	require.NoError(t, err)
	var l server.List[store.Course]
	b.do(t, "GET", "/api/v1/courses?status=full", adminKey, nil).json(t, &l)
	require.Len(t, l.Data, 1, "the full course is listed as full")
	require.Equal(t, store.CourseFull, l.Data[0].Status)
	course["seats"] = 0
	require.Equal(t, http.StatusBadRequest, b.do(t, "PUT", "/api/v1/courses/ia-1", adminKey, course).status)
	_, _, err = b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "ia-1", Email: "bea@example.com"})
	require.ErrorIs(t, err, store.ErrFull)

	b.do(t, "PUT", "/api/v1/courses/ia-2", adminKey, map[string]any{"seats": 2})
	for _, email := range []string{"a@example.com", "b@example.com"} {
		_, _, err := b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "ia-2", Email: email})
		require.NoError(t, err)
	}
	r := b.do(t, "PUT", "/api/v1/courses/ia-2", adminKey, map[string]any{"seats": 1})
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	require.Contains(t, r.errorBody(t).Message, "seats already taken")

	r = b.do(t, "PUT", "/api/v1/subscriptions/sub-1", adminKey, map[string]any{"email": "not-an-email", "plan": "pro", "started_at": "2026-01-01T00:00:00Z"})
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	require.Contains(t, r.errorBody(t).Message, "not an email address")
}

// TestCompleteEnrollmentThenCertificate: staff complete a student's
// enrolment through the API, and the student can then have the
// certificate from the generate_document tool; before, the tool says it
// is not completed.
func TestCompleteEnrollmentThenCertificate(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ctx := t.Context()
	require.Equal(t, http.StatusOK, b.do(t, "PUT", "/api/v1/courses/ia-101", adminKey,
		map[string]any{"title": map[string]string{"es": "IA 101", "en": "AI 101"}, "language": "es", "seats": 10, "duration_weeks": 4}).status)
	c, err := b.st.CreateContact(ctx, store.Contact{Name: "Inés Peña", Email: "ines@example.com"})
	require.NoError(t, err)
	en, _, err := b.st.Enroll(ctx, store.EnrollRequest{CourseSlug: "ia-101", ContactID: c.ID, Email: c.Email, Name: c.Name})
	require.NoError(t, err)

	reg := tools.NewRegistry()
	tools.AddGenerateDocument(reg, b.st, tools.DefaultDocumentConfig())
	ines := tools.Caller{ContactID: c.ID, ConversationID: "conv-1", Channel: "web", Language: "es", Email: c.Email, Name: c.Name, Role: store.RoleStudent}
	certificate := func() tools.GenerateDocumentResult {
		o := reg.Call(ctx, ines, llms.ToolCall{ID: "call-1", Type: "function", FunctionCall: &llms.FunctionCall{
			Name: "generate_document", Arguments: `{"template":"certificate","course":"ia-101","format":"html"}`}})
		require.Equal(t, tools.StatusOK, o.Status, "%s", o.Response.Content)
		var r tools.GenerateDocumentResult
		require.NoError(t, json.Unmarshal([]byte(o.Response.Content), &r))
		return r
	}
	require.Equal(t, tools.DocNotCompleted, certificate().Status, "not completed yet")

	require.Equal(t, http.StatusForbidden, b.do(t, "POST", "/api/v1/enrollments/"+en.ID+"/complete", studentKey, nil).status)
	r := b.do(t, "POST", "/api/v1/enrollments/"+en.ID+"/complete", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var done store.Enrollment
	r.json(t, &done)
	require.Equal(t, store.EnrollmentCompleted, done.Status)
	require.Equal(t, 100, done.Progress)
	require.Equal(t, http.StatusOK, b.do(t, "POST", "/api/v1/enrollments/"+en.ID+"/complete", staffKey, nil).status, "again: idempotent")
	require.Equal(t, http.StatusNotFound, b.do(t, "POST", "/api/v1/enrollments/nope/complete", staffKey, nil).status)

	got := certificate()
	require.Equal(t, tools.DocGenerated, got.Status, "%s", got.Message)
	require.NotEmpty(t, got.DocumentID)
	doc, err := b.st.GeneratedDocument(ctx, got.DocumentID)
	require.NoError(t, err)
	require.Contains(t, string(doc.Content), "Inés Peña")
	require.Equal(t, c.ID, doc.ForContact)

	// A pending payment cannot be completed.
	require.Equal(t, http.StatusOK, b.do(t, "PUT", "/api/v1/courses/paid", adminKey, map[string]any{"seats": 5, "price": map[string]any{"amount": 99, "currency": "USD"}}).status)
	pending, _, err := b.st.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "x@example.com"})
	require.NoError(t, err)
	r = b.do(t, "POST", "/api/v1/enrollments/"+pending.ID+"/complete", staffKey, nil)
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
}
