package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)

	r := b.do(t, "GET", "/api/v1/contacts", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, server.CodeUnauthorized, r.errorBody(t).Code)
	require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")

	r = b.do(t, "GET", "/api/v1/contacts", "not-a-key-of-ours-at-all", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, server.CodeUnauthorized, r.errorBody(t).Code)

	req, _ := http.NewRequest("GET", b.http.URL+"/api/v1/contacts", nil)
	req.Header.Set("Authorization", "Basic "+adminKey)
	require.Equal(t, http.StatusUnauthorized, send(t, req).status, "only bearer tokens")

	for _, key := range []string{studentKey, prospectKey} {
		r = b.do(t, "GET", "/api/v1/contacts", key, nil)
		require.Equal(t, http.StatusForbidden, r.status)
		require.Equal(t, server.CodeForbidden, r.errorBody(t).Code)
	}
	for _, key := range []string{adminKey, staffKey} {
		require.Equal(t, http.StatusOK, b.do(t, "GET", "/api/v1/contacts", key, nil).status)
	}
	// Destructive knowledge operations are the admin's.
	r = b.do(t, "DELETE", "/api/v1/knowledge/documents/x", staffKey, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	require.Equal(t, http.StatusForbidden, b.do(t, "POST", "/api/v1/knowledge/reindex", staffKey, nil).status)
	require.Equal(t, http.StatusForbidden, b.do(t, "POST", "/api/v1/knowledge/documents", staffKey, server.UploadRequest{Source: "a.md", Content: "x"}).status)
	require.Equal(t, http.StatusNotFound, b.do(t, "DELETE", "/api/v1/knowledge/documents/x", adminKey, nil).status)
	// Every key may talk to the assistant.
	for _, key := range []string{adminKey, staffKey, studentKey, prospectKey} {
		require.Equal(t, http.StatusOK, b.do(t, "GET", "/v1/models", key, nil).status)
	}
	require.Equal(t, http.StatusUnauthorized, b.do(t, "GET", "/v1/models", "", nil).status)
	require.Equal(t, http.StatusUnauthorized, b.do(t, "POST", "/v1/chat/completions", "", map[string]any{}).status)
	// No keys configured: nothing gets in.
	none := setup(t, nil, func(o *server.Options) { o.Keys = nil })
	require.Equal(t, http.StatusUnauthorized, none.do(t, "GET", "/api/v1/contacts", adminKey, nil).status)
	require.NotContains(t, b.logs.String(), adminKey, "keys never reach the log")
}

// failingAdmin fails every read with an error that must not be shown.
type failingAdmin struct{ store.Store }

func (failingAdmin) ListContacts(context.Context, int, int) ([]store.Contact, error) {
	return nil, errors.New(`pq: relation "contacts" does not exist at 10.0.0.7`)
}

func TestErrorShape(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)

	r := b.do(t, "GET", "/api/v1/contacts/nope", staffKey, nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, server.ErrorDetail{Code: server.CodeNotFound, Message: "not found"}, r.errorBody(t))

	r = b.do(t, "GET", "/api/v1/nothing-here", staffKey, nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, server.CodeNotFound, r.errorBody(t).Code)

	r = b.do(t, "DELETE", "/api/v1/contacts", staffKey, nil)
	require.Equal(t, http.StatusMethodNotAllowed, r.status)
	require.Equal(t, server.CodeMethodNotAllowed, r.errorBody(t).Code)
	require.Equal(t, []string{"GET"}, r.header.Values("Allow"))

	req, _ := http.NewRequest("POST", b.http.URL+"/api/v1/conversations/x/reply", strings.NewReader(`{"text":`))
	req.Header.Set("Authorization", "Bearer "+staffKey)
	req.Header.Set("Content-Type", "application/json")
	r = send(t, req)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, server.CodeInvalid, r.errorBody(t).Code)

	r = b.do(t, "POST", "/api/v1/conversations/x/reply", staffKey, map[string]any{"txt": "hi"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.errorBody(t).Message, `unknown field "txt"`)

	// Anything unexpected is "internal error" to the client, and logged
	// in full with the request id.
	bad := setup(t, nil, func(o *server.Options) { o.Admin = failingAdmin{o.Admin.(store.Store)} })
	req, _ = http.NewRequest("GET", bad.http.URL+"/api/v1/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+staffKey)
	req.Header.Set(server.RequestIDHeader, "req-abc-123")
	r = send(t, req)
	require.Equal(t, http.StatusInternalServerError, r.status)
	require.Equal(t, server.ErrorDetail{Code: server.CodeInternal, Message: "internal error"}, r.errorBody(t))
	require.NotContains(t, string(r.body), "relation")
	require.Equal(t, "req-abc-123", r.header.Get(server.RequestIDHeader))
	var line string
	for l := range strings.Lines(bad.logs.String()) {
		if strings.Contains(l, "request failed") {
			line = l
		}
	}
	require.Contains(t, line, "request_id=req-abc-123")
	require.Contains(t, line, `relation \"contacts\" does not exist`)
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	r := b.do(t, "GET", "/healthz", "", nil)
	id := r.header.Get(server.RequestIDHeader)
	require.Len(t, id, 24, "one is made when none came")

	req, _ := http.NewRequest("GET", b.http.URL+"/api/v1/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+staffKey)
	req.Header.Set(server.RequestIDHeader, "from-the-proxy-1")
	require.Equal(t, "from-the-proxy-1", send(t, req).header.Get(server.RequestIDHeader))
	require.Contains(t, b.logs.String(), "request_id=from-the-proxy-1")

	req.Header.Set(server.RequestIDHeader, "bad id with spaces")
	got := send(t, req).header.Get(server.RequestIDHeader)
	require.NotContains(t, got, " ", "an id that could forge log lines is replaced")
}

func TestPagination(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	for i := range 5 {
		seedConversation(t, b.st, fmt.Sprintf("p%d", i))
	}
	var seen []string
	path := "/api/v1/contacts?limit=2"
	for pages := 0; path != ""; pages++ {
		require.Less(t, pages, 4)
		r := b.do(t, "GET", path, staffKey, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var l server.List[store.Contact]
		r.json(t, &l)
		for _, c := range l.Data {
			seen = append(seen, c.Name)
		}
		if l.Next == "" {
			require.Nil(t, l.NextOffset)
			require.Len(t, l.Data, 1)
		} else {
			require.Equal(t, len(seen), *l.NextOffset)
			require.Contains(t, l.Next, fmt.Sprintf("offset=%d", *l.NextOffset))
		}
		path = l.Next
	}
	require.ElementsMatch(t, []string{"p0", "p1", "p2", "p3", "p4"}, seen)

	var l server.List[store.Contact]
	b.do(t, "GET", "/api/v1/contacts", staffKey, nil).json(t, &l)
	require.Len(t, l.Data, 5, "default limit 50")
	require.Empty(t, l.Next)

	for _, q := range []string{"limit=0", "limit=201", "limit=x", "offset=-1"} {
		r := b.do(t, "GET", "/api/v1/contacts?"+q, staffKey, nil)
		require.Equal(t, http.StatusBadRequest, r.status, q)
		require.Equal(t, server.CodeInvalid, r.errorBody(t).Code)
	}
}

// recordingDeliverer records staff replies handed to a channel.
type recordingDeliverer struct {
	got chan store.Message
	err error
}

func (d *recordingDeliverer) Deliver(_ context.Context, _ store.Conversation, m store.Message) error {
	d.got <- m
	return d.err
}

// adminAPI exercises the conversation, contact and knowledge endpoints on
// st; both backends run it.
func adminAPI(t *testing.T, st fullStore) {
	b := setup(t, st, nil)
	ctx := t.Context()
	contact, conv := seedConversation(t, b.st, "ana")

	// Contacts.
	var cs server.List[store.Contact]
	b.do(t, "GET", "/api/v1/contacts", staffKey, nil).json(t, &cs)
	require.Len(t, cs.Data, 1)
	var c store.Contact
	b.do(t, "GET", "/api/v1/contacts/"+contact.ID, staffKey, nil).json(t, &c)
	require.Equal(t, "ana", c.Name)

	// Conversations and transcripts.
	var convs server.List[store.Conversation]
	b.do(t, "GET", "/api/v1/conversations?contact_id="+contact.ID, staffKey, nil).json(t, &convs)
	require.Len(t, convs.Data, 1)
	b.do(t, "GET", "/api/v1/conversations?contact_id=someone-else", staffKey, nil).json(t, &convs)
	require.Empty(t, convs.Data)
	var tr server.Transcript
	b.do(t, "GET", "/api/v1/conversations/"+conv.ID, staffKey, nil).json(t, &tr)
	require.Equal(t, conv.ID, tr.Conversation.ID)
	require.Len(t, tr.Messages, 2)
	require.Nil(t, tr.NextAfterSeq)
	b.do(t, "GET", "/api/v1/conversations/"+conv.ID+"?limit=1", staffKey, nil).json(t, &tr)
	require.Len(t, tr.Messages, 1)
	require.EqualValues(t, 1, *tr.NextAfterSeq)
	var last server.Transcript
	b.do(t, "GET", fmt.Sprintf("/api/v1/conversations/%s?limit=1&after_seq=%d", conv.ID, *tr.NextAfterSeq), staffKey, nil).json(t, &last)
	require.Equal(t, "¡Hola! ¿En qué te ayudo?", last.Messages[0].Text)
	require.Nil(t, last.NextAfterSeq)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", "/api/v1/conversations/nope", staffKey, nil).status)

	// A staff reply needs a handed-off conversation.
	r := b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/reply", staffKey, server.StaffReplyRequest{Text: "Hola Ana, soy Marta"})
	require.Equal(t, http.StatusConflict, r.status)
	require.Equal(t, server.CodeConflict, r.errorBody(t).Code)
	conv.Status = store.ConversationHandedOff
	_, err := b.st.UpdateConversation(ctx, conv)
	require.NoError(t, err)

	// No deliverer for the channel: stored, not delivered.
	var reply server.StaffReply
	r = b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/reply", staffKey, server.StaffReplyRequest{Text: "Hola Ana, soy Marta"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	r.json(t, &reply)
	require.False(t, reply.Delivered)
	require.Equal(t, store.AuthorStaff, reply.Message.Author)
	require.EqualValues(t, 3, reply.Message.Seq)
	require.JSONEq(t, `{"staff":"sales"}`, string(reply.Message.Meta))

	d := &recordingDeliverer{got: make(chan store.Message, 1)}
	b.srv.RegisterDeliverer("web", d)
	b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/reply", adminKey, server.StaffReplyRequest{Text: "¿Sigues ahí?"}).json(t, &reply)
	require.True(t, reply.Delivered)
	require.Equal(t, "¿Sigues ahí?", (<-d.got).Text)
	d.err = errors.New("socket gone")
	b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/reply", adminKey, server.StaffReplyRequest{Text: "Te escribo por email"}).json(t, &reply)
	require.False(t, reply.Delivered, "a failed delivery still stores the reply")
	<-d.got
	msgs, err := b.st.Messages(ctx, conv.ID, store.MessageQuery{})
	require.NoError(t, err)
	require.Len(t, msgs, 5)
	require.Equal(t, http.StatusBadRequest, b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/reply", staffKey, server.StaffReplyRequest{Text: "  "}).status)
	require.Equal(t, http.StatusNotFound, b.do(t, "POST", "/api/v1/conversations/nope/reply", staffKey, server.StaffReplyRequest{Text: "x"}).status)

	// Release hands it back to the bot; again is fine. (Take, after it.)
	var released store.Conversation
	b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/release", staffKey, nil).json(t, &released)
	require.Equal(t, store.ConversationOpen, released.Status)
	require.Equal(t, http.StatusOK, b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/release", staffKey, nil).status)
	got, err := b.st.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, store.ConversationOpen, got.Status)

	// Take: staff answer it until they release it; the steps are stored.
	var taken store.Conversation
	b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/take", staffKey, nil).json(t, &taken)
	require.Equal(t, store.ConversationHandedOff, taken.Status)
	require.Equal(t, http.StatusOK, b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/take", staffKey, nil).status, "again is fine")
	require.Equal(t, http.StatusNotFound, b.do(t, "POST", "/api/v1/conversations/nope/take", staffKey, nil).status)
	events, err := b.st.HandoffEvents(ctx, conv.ID)
	require.NoError(t, err)
	require.Len(t, events, 6, "3 replies, a release, 2 takes: %+v", events)
	require.Equal(t, store.HandoffTaken, events[5].Kind)
	require.Equal(t, "api:sales", events[5].Actor)
	b.do(t, "POST", "/api/v1/conversations/"+conv.ID+"/release", staffKey, nil).json(t, &released)
	require.Equal(t, store.ConversationOpen, released.Status)

	// Knowledge: upload as JSON, as multipart, list, get, reindex, delete.
	var up server.Upload
	r = b.do(t, "POST", "/api/v1/knowledge/documents", adminKey, server.UploadRequest{
		Source: "cursos/ia-101", ContentType: "text/markdown",
		Content: "# IA 101\n\nEl curso IA 101 cuesta 300 USD y dura 6 semanas.\n",
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Contains(t, string(r.body), `"duration_ms":`, "a duration names its unit")
	require.NotContains(t, string(r.body), `"duration":`)
	r.json(t, &up)
	require.Equal(t, "cursos/ia-101.md", up.Document.Source)
	require.Equal(t, 1, up.Report.Added)
	require.Positive(t, up.Document.Chunks)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "refunds.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("Refunds are possible within 14 days of the start of a course."))
	require.NoError(t, mw.Close())
	req, _ := http.NewRequest("POST", b.http.URL+"/api/v1/knowledge/documents", &body)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r = send(t, req)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	r.json(t, &up)
	require.Equal(t, "refunds.txt", up.Document.Source)

	// The same content again changes nothing.
	r = b.do(t, "POST", "/api/v1/knowledge/documents", adminKey, server.UploadRequest{
		Source: "cursos/ia-101.md", Content: "# IA 101\n\nEl curso IA 101 cuesta 300 USD y dura 6 semanas.\n",
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = b.do(t, "POST", "/api/v1/knowledge/documents", adminKey, server.UploadRequest{Source: "notes.bin", Content: "x"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, http.StatusBadRequest, b.do(t, "POST", "/api/v1/knowledge/documents", adminKey, server.UploadRequest{Source: "../etc/passwd.txt", Content: "x"}).status)

	var docs server.List[store.Document]
	b.do(t, "GET", "/api/v1/knowledge/documents", staffKey, nil).json(t, &docs)
	require.Len(t, docs.Data, 2)
	var doc store.Document
	b.do(t, "GET", "/api/v1/knowledge/documents/"+docs.Data[0].ID, staffKey, nil).json(t, &doc)
	require.Equal(t, docs.Data[0].Source, doc.Source)

	var ri server.Reindex
	r = b.do(t, "POST", "/api/v1/knowledge/reindex", adminKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &ri)
	require.Positive(t, ri.Chunks)

	r = b.do(t, "DELETE", "/api/v1/knowledge/documents/"+doc.ID, adminKey, nil)
	require.Equal(t, http.StatusNoContent, r.status)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", "/api/v1/knowledge/documents/"+doc.ID, staffKey, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(t, "DELETE", "/api/v1/knowledge/documents/"+doc.ID, adminKey, nil).status)
}

func TestAdminAPIOnSQLite(t *testing.T) {
	t.Parallel()
	adminAPI(t, openSQLite(t))
}

// businessAPI exercises leads, courses, enrolments and tickets on st.
func businessAPI(t *testing.T, st fullStore) {
	b := setup(t, st, nil)
	ctx := t.Context()

	// Courses: put (admin), list.
	course := store.Course{
		Title: store.Localized{ES: "IA para marketing", EN: "AI for marketing"}, Language: "es", Topics: []string{"marketing"},
		Price: store.Money{Amount: 300, Currency: "USD"}, Seats: 10, DurationWeeks: 6,
		Start: time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC),
	}
	require.Equal(t, http.StatusForbidden, b.do(t, "PUT", "/api/v1/courses/ia-mkt", staffKey, course).status)
	var saved store.Course
	r := b.do(t, "PUT", "/api/v1/courses/ia-mkt", adminKey, course)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &saved)
	require.Equal(t, "ia-mkt", saved.Slug)
	require.Equal(t, store.CourseOpen, saved.Status)
	course.Slug = "other"
	require.Equal(t, http.StatusBadRequest, b.do(t, "PUT", "/api/v1/courses/ia-mkt", adminKey, course).status)
	course.Slug, course.Seats = "", 0
	require.Equal(t, http.StatusBadRequest, b.do(t, "PUT", "/api/v1/courses/ia-mkt", adminKey, course).status, "the store's ErrInvalid")
	var courses server.List[store.Course]
	b.do(t, "GET", "/api/v1/courses?topic=marketing", staffKey, nil).json(t, &courses)
	require.Len(t, courses.Data, 1)
	b.do(t, "GET", "/api/v1/courses?language=en", staffKey, nil).json(t, &courses)
	require.Empty(t, courses.Data)

	// Enrolments: list, confirm payment (idempotent by reference).
	e, created, err := b.st.Enroll(ctx, store.EnrollRequest{CourseSlug: "ia-mkt", Email: "ana@example.com", Name: "Ana"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, store.EnrollmentPendingPayment, e.Status)
	var es server.List[store.Enrollment]
	b.do(t, "GET", "/api/v1/enrollments?course=ia-mkt&status=pending_payment", staffKey, nil).json(t, &es)
	require.Len(t, es.Data, 1)
	var confirmed store.Enrollment
	r = b.do(t, "POST", "/api/v1/enrollments/"+e.ID+"/confirm-payment", staffKey, server.ConfirmPaymentRequest{PaymentRef: "TRX-1"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &confirmed)
	require.Equal(t, store.EnrollmentActive, confirmed.Status)
	require.Equal(t, http.StatusOK, b.do(t, "POST", "/api/v1/enrollments/"+e.ID+"/confirm-payment", staffKey, server.ConfirmPaymentRequest{PaymentRef: "TRX-1"}).status)
	r = b.do(t, "POST", "/api/v1/enrollments/"+e.ID+"/confirm-payment", staffKey, server.ConfirmPaymentRequest{PaymentRef: "TRX-2"})
	require.Equal(t, http.StatusConflict, r.status)
	require.Equal(t, server.CodeConflict, r.errorBody(t).Code)
	require.Equal(t, http.StatusNotFound, b.do(t, "POST", "/api/v1/enrollments/nope/confirm-payment", staffKey, server.ConfirmPaymentRequest{PaymentRef: "TRX-1"}).status)
	require.Equal(t, http.StatusBadRequest, b.do(t, "POST", "/api/v1/enrollments/"+e.ID+"/confirm-payment", staffKey, server.ConfirmPaymentRequest{}).status)

	// A waiting list: a place is listed with its position, cannot be paid
	// or completed, and more seats put through the API promote it.
	tiny := course
	tiny.Seats = 1
	require.Equal(t, http.StatusOK, b.do(t, "PUT", "/api/v1/courses/tiny", adminKey, tiny).status)
	_, _, err = b.st.Enroll(ctx, store.EnrollRequest{CourseSlug: "tiny", Email: "seat@example.com"})
	require.NoError(t, err)
	wait, created, err := b.st.Enroll(ctx, store.EnrollRequest{CourseSlug: "tiny", Email: "wait@example.com", Waitlist: true})
	require.NoError(t, err)
	require.True(t, created)
	r = b.do(t, "GET", "/api/v1/enrollments?course=tiny&status=waitlisted", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Contains(t, string(r.body), `"status":"waitlisted"`)
	require.Contains(t, string(r.body), `"waitlist_position":1`)
	r.json(t, &es)
	require.Equal(t, []string{wait.ID}, []string{es.Data[0].ID})
	r = b.do(t, "POST", "/api/v1/enrollments/"+wait.ID+"/confirm-payment", staffKey, server.ConfirmPaymentRequest{PaymentRef: "TRX-9"})
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	require.Contains(t, r.errorBody(t).Message, "waitlisted")
	r = b.do(t, "POST", "/api/v1/enrollments/"+wait.ID+"/complete", staffKey, nil)
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	require.Contains(t, r.errorBody(t).Message, "waitlisted")
	tiny.Seats = 2
	var grown store.Course
	r = b.do(t, "PUT", "/api/v1/courses/tiny", adminKey, tiny)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &grown)
	require.Equal(t, 2, grown.SeatsTaken, "the new seat went to the waiting list")
	b.do(t, "GET", "/api/v1/enrollments?course=tiny&status=waitlisted", staffKey, nil).json(t, &es)
	require.Empty(t, es.Data)
	b.do(t, "GET", "/api/v1/enrollments?course=tiny&status=pending_payment", staffKey, nil).json(t, &es)
	require.Len(t, es.Data, 2)
	ev, err := b.st.Event(ctx, store.EventSeatOffered+":"+wait.ID)
	require.NoError(t, err, "the promotion's event, for the webhook")
	require.Equal(t, store.EventSeatOffered, ev.Type)

	// Leads: list, get with score factors and history.
	lead, _, err := b.st.UpsertLead(ctx, store.Lead{Email: "cto@acme.example", Name: "Luis", Company: "Acme", Interest: store.InterestCourses})
	require.NoError(t, err)
	_, err = b.st.SetLeadStage(ctx, lead.ID, store.StageMarketingQualified, 55, []byte(`{"company_size":20,"budget":35}`))
	require.NoError(t, err)
	var leads server.List[store.Lead]
	b.do(t, "GET", "/api/v1/leads?stage=marketing_qualified", staffKey, nil).json(t, &leads)
	require.Len(t, leads.Data, 1)
	b.do(t, "GET", "/api/v1/leads?stage=new", staffKey, nil).json(t, &leads)
	require.Empty(t, leads.Data)
	require.Equal(t, http.StatusBadRequest, b.do(t, "GET", "/api/v1/leads?stage=hot", staffKey, nil).status)
	b.do(t, "GET", "/api/v1/leads?min_score=55&sort=score", staffKey, nil).json(t, &leads)
	require.Len(t, leads.Data, 1, "scored 55: at least 55")
	b.do(t, "GET", "/api/v1/leads?min_score=55.5", staffKey, nil).json(t, &leads)
	require.Empty(t, leads.Data)
	b.do(t, "GET", "/api/v1/leads?channel=telegram", staffKey, nil).json(t, &leads)
	require.Empty(t, leads.Data, "the lead has no chat on telegram")
	for _, q := range []string{"min_score=-1", "min_score=a", "sort=random"} {
		r := b.do(t, "GET", "/api/v1/leads?"+q, staffKey, nil)
		require.Equal(t, http.StatusBadRequest, r.status, q)
		require.Equal(t, server.CodeInvalid, r.errorBody(t).Code, q)
	}
	var ld server.LeadDetail
	b.do(t, "GET", "/api/v1/leads/"+lead.ID, staffKey, nil).json(t, &ld)
	require.InDelta(t, 55, ld.Score, 0.001)
	require.JSONEq(t, `{"company_size":20,"budget":35}`, string(ld.ScoreFactors))
	require.Len(t, ld.History, 1)
	require.Equal(t, store.StageMarketingQualified, ld.History[0].To)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", "/api/v1/leads/nope", staffKey, nil).status)

	// Tickets: list, get with notes, update.
	tk, _, err := b.st.OpenTicket(ctx, store.Ticket{Email: "ana@example.com", Subject: "No puedo entrar", Description: "La clave no funciona", Category: store.CategoryAccess})
	require.NoError(t, err)
	_, _, err = b.st.OpenTicket(ctx, store.Ticket{Email: "ana@example.com", Subject: "no puedo entrar", Description: "Sigo sin poder"})
	require.NoError(t, err)
	var ts server.List[store.Ticket]
	b.do(t, "GET", "/api/v1/tickets?status=open", staffKey, nil).json(t, &ts)
	require.Len(t, ts.Data, 1)
	var td server.TicketDetail
	b.do(t, "GET", "/api/v1/tickets/"+tk.ID, staffKey, nil).json(t, &td)
	require.Equal(t, tk.Number, td.Number)
	require.Len(t, td.Notes, 1, "the repeated request")
	var updated store.Ticket
	r = b.do(t, "PATCH", "/api/v1/tickets/"+tk.ID, staffKey, server.TicketUpdateRequest{Status: store.TicketPending, Priority: store.PriorityHigh})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &updated)
	require.Equal(t, store.TicketPending, updated.Status)
	require.Equal(t, store.PriorityHigh, updated.Priority)
	require.Equal(t, http.StatusBadRequest, b.do(t, "PATCH", "/api/v1/tickets/"+tk.ID, staffKey, server.TicketUpdateRequest{Status: "done"}).status)
	require.Equal(t, http.StatusBadRequest, b.do(t, "PATCH", "/api/v1/tickets/"+tk.ID, staffKey, server.TicketUpdateRequest{}).status)
	require.Equal(t, http.StatusNotFound, b.do(t, "PATCH", "/api/v1/tickets/nope", staffKey, server.TicketUpdateRequest{Status: store.TicketClosed}).status)
}

func TestBusinessAPIOnSQLite(t *testing.T) {
	t.Parallel()
	businessAPI(t, openSQLite(t))
}
