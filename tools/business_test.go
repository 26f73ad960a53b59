package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// businessStore is what these tests need of a backend: the tools' store
// and a way to make contacts and conversations.
type businessStore interface {
	tools.Backend
	CreateContact(ctx context.Context, c store.Contact) (store.Contact, error)
	CreateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error)
	LeadHistory(ctx context.Context, leadID string) ([]store.LeadStageChange, error)
	LeadByEmail(ctx context.Context, email string) (store.Lead, error)
	Event(ctx context.Context, id string) (store.Event, error)
	ClaimEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Event, error)
	TicketNotes(ctx context.Context, ticketID string) ([]store.TicketNote, error)
	PutCourse(ctx context.Context, c store.Course) (store.Course, error)
	SetProgress(ctx context.Context, enrollmentID string, progress int) (store.Enrollment, error)
	Enrollment(ctx context.Context, id string) (store.Enrollment, error)
	ListEnrollments(ctx context.Context, f store.EnrollmentFilter, offset, limit int) ([]store.Enrollment, error)
}

// bizBundle is one test's store, registry and people.
type bizBundle struct {
	st  businessStore
	reg *tools.Registry
	now time.Time
}

func newSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func setupBiz(t *testing.T, st businessStore) *bizBundle {
	t.Helper()
	b := &bizBundle{st: st, now: time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)}
	cfg := tools.DefaultConfig()
	cfg.Tickets.Now = func() time.Time { return b.now }
	cfg.Documents.Now = func() time.Time { return b.now }
	reg, err := tools.NewDefault(st, stubSearcher{}, cfg, nil)
	require.NoError(t, err)
	b.reg = reg
	for _, c := range []store.Course{
		{Slug: "fundamentos-ia", Title: store.Localized{ES: "Fundamentos de IA generativa", EN: "Generative AI Foundations"},
			Language: "es", Topics: []string{"ia-generativa", "prompts"}, Level: "beginner", Price: store.Money{Amount: 0, Currency: "USD"}, Seats: 500,
			Start: time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC), Status: store.CourseOpen},
		{Slug: "ia-marketing", Title: store.Localized{ES: "IA para marketing", EN: "AI for Marketing"},
			Language: "es", Topics: []string{"marketing", "copywriting"}, Price: store.Money{Amount: 249, Currency: "USD"}, Seats: 60,
			Start: time.Date(2027, 2, 8, 0, 0, 0, 0, time.UTC), Status: store.CourseOpen},
		{Slug: "prompt-engineering", Title: store.Localized{ES: "Prompt engineering en la práctica", EN: "Prompt Engineering in Practice"},
			Language: "en", Topics: []string{"prompts"}, Price: store.Money{Amount: 199, Currency: "USD"}, Seats: 80, Status: store.CourseOpen},
		{Slug: "agentes-automatizacion", Title: store.Localized{ES: "Automatización con agentes de IA", EN: "Automation with AI Agents"},
			Language: "es", Topics: []string{"agentes", "python"}, Level: "advanced", Price: store.Money{Amount: 349, Currency: "USD"}, Seats: 40, Status: store.CourseFull},
		{Slug: "ia-ventas", Title: store.Localized{ES: "IA para ventas", EN: "AI for Sales"},
			Language: "es", Topics: []string{"ventas"}, Price: store.Money{Amount: 149, Currency: "USD"}, Seats: 30, Status: store.CourseClosed},
		{Slug: "taller-1", Title: store.Localized{ES: "Taller exprés de IA", EN: "AI express workshop"},
			Language: "es", Price: store.Money{Amount: 0, Currency: "USD"}, Seats: 1, Status: store.CourseOpen},
	} {
		_, err := st.PutCourse(t.Context(), c)
		require.NoError(t, err)
	}
	return b
}

// person makes a contact with a conversation and returns its caller.
func (b *bizBundle) person(t *testing.T, role store.Role, name, email, lang string) tools.Caller {
	t.Helper()
	ext := fmt.Sprintf("%s-%d", strings.ToLower(name), time.Now().UnixNano())
	c, err := b.st.CreateContact(t.Context(), store.Contact{Name: name, Email: email, Role: role,
		Identities: []store.Identity{{Channel: "web", ExternalID: ext}}})
	require.NoError(t, err)
	conv, err := b.st.CreateConversation(t.Context(), store.Conversation{ContactID: c.ID, Channel: "web", ExternalID: ext, Language: lang})
	require.NoError(t, err)
	return tools.Caller{ContactID: c.ID, ConversationID: conv.ID, Channel: "web", Language: lang, Email: email, Name: name, Role: role}
}

func (b *bizBundle) call(t *testing.T, c tools.Caller, name, args string) tools.Outcome {
	t.Helper()
	return b.reg.Call(t.Context(), c, call(name, args))
}

func requireInvalid(t *testing.T, o tools.Outcome, fields ...string) {
	t.Helper()
	require.Equal(t, tools.StatusInvalid, o.Status, "content: %s", o.Response.Content)
	er := readError(t, o)
	var got []string
	for _, f := range er.Fields {
		got = append(got, f.Field)
	}
	require.Subset(t, got, fields, "content: %s", o.Response.Content)
}

func TestQualifyLead(t *testing.T) {
	t.Parallel()
	testQualifyLead(t, setupBiz(t, newSQLite(t)))
}

func testQualifyLead(t *testing.T, b *bizBundle) {
	ana := b.person(t, store.RoleProspect, "Ana", "", "es")

	// Who may call it.
	require.Equal(t, tools.StatusRefused, b.call(t, b.person(t, store.RoleStudent, "Stu", "stu@example.com", "es"), "qualify_lead",
		`{"name":"Stu","email":"stu@example.com","interest":"courses"}`).Status)
	require.True(t, b.reg.Allowed("qualify_lead", store.RoleStaff))

	// Invalid and missing arguments come back named, one problem each.
	requireInvalid(t, b.call(t, ana, "qualify_lead", `{"name":"Ana","email":"ana-at-example","interest":"courses"}`), "email")
	requireInvalid(t, b.call(t, ana, "qualify_lead", `{"name":"Ana","email":"ana@example.com","interest":"courses","budget":-500}`), "budget")
	requireInvalid(t, b.call(t, ana, "qualify_lead", `{"name":"Ana","email":"ana@example.com","interest":"cursos"}`), "interest")
	o := b.call(t, ana, "qualify_lead", `{"name":"Ana","interest":"courses"}`)
	require.Equal(t, []string{"email"}, tools.Missing(o.Err))

	// A modest lead: marketing qualified, no demo offered.
	o = b.call(t, ana, "qualify_lead", `{"name":"Ana Pérez","email":"Ana@Example.com","company":"Acme","company_size":20,"country":"Chile","interest":"courses","budget":1500,"timeline":"en 2 meses"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.QualifyLeadResult)
	require.True(t, res.Created)
	require.Equal(t, store.StageMarketingQualified, res.Stage)
	require.Equal(t, store.StageNew, res.PreviousStage)
	require.False(t, res.OfferDemo)
	require.Len(t, res.Score.Factors, 4)
	require.Contains(t, res.Message, "Gracias, Ana")
	require.NotContains(t, res.Message, "puntuación", "a prospect never hears their score")

	// The same email, other case: the same lead, updated, and now sales
	// qualified — lead.qualified enqueued, a demo offered.
	o = b.call(t, ana, "qualify_lead", `{"name":"Ana Pérez","email":"ana@example.COM","company_size":300,"industry":"retail","interest":"courses","budget":8000}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res2 := o.Result.(tools.QualifyLeadResult)
	require.False(t, res2.Created)
	require.Equal(t, res.LeadID, res2.LeadID, "one lead per email")
	require.Equal(t, store.StageSalesQualified, res2.Stage)
	require.True(t, res2.OfferDemo)
	require.Contains(t, res2.Message, "demo")
	ev, err := b.st.Event(t.Context(), "lead.qualified:"+res.LeadID)
	require.NoError(t, err)
	require.Equal(t, tools.EventLeadQualified, ev.Type)
	var payload map[string]any
	require.NoError(t, json.Unmarshal(ev.Payload, &payload))
	require.Equal(t, "Ana@Example.com", payload["email"], "the email keeps its first spelling")
	require.Equal(t, ana.ConversationID, payload["conversation_id"])
	require.NotEmpty(t, payload["factors"])

	// Again: still sales qualified, no second demo offer, no second event.
	o = b.call(t, ana, "qualify_lead", `{"name":"Ana","email":"ana@example.com","interest":"courses","budget":100}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, store.StageSalesQualified, o.Result.(tools.QualifyLeadResult).Stage, "never backwards")
	require.False(t, o.Result.(tools.QualifyLeadResult).OfferDemo)
	events, err := b.st.ClaimEvents(t.Context(), time.Now().Add(time.Minute), 10, time.Minute)
	require.NoError(t, err)
	n := 0
	for _, e := range events {
		if e.Type == tools.EventLeadQualified {
			n++
		}
	}
	require.Equal(t, 1, n)

	hist, err := b.st.LeadHistory(t.Context(), res.LeadID)
	require.NoError(t, err)
	require.Len(t, hist, 2, "new → marketing_qualified → sales_qualified, kept")
	lead, err := b.st.LeadByEmail(t.Context(), "ANA@example.com")
	require.NoError(t, err)
	require.Equal(t, ana.ContactID, lead.ContactID, "a prospect's lead is linked to their contact")

	// Staff see the score, in English when they write English.
	staff := b.person(t, store.RoleStaff, "Sam", "sam.sales@brujula.example", "en")
	o = b.call(t, staff, "qualify_lead", `{"name":"Bo","email":"bo@client.example","interest":"documents"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Contains(t, o.Result.(tools.QualifyLeadResult).Message, "score")
	lead, err = b.st.LeadByEmail(t.Context(), "bo@client.example")
	require.NoError(t, err)
	require.Empty(t, lead.ContactID, "staff qualify someone else")
}

func TestEnrollCourse(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	ana := b.person(t, store.RoleProspect, "Ana", "ana@example.com", "es")

	// A free course by a title with a typo and no accents: active at once.
	o := b.call(t, ana, "enroll_course", `{"course":"fundamentos de ia generatva"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.EnrollCourseResult)
	require.Equal(t, store.EnrollmentActive, res.Status)
	require.Equal(t, "fundamentos-ia", res.Course)
	require.Equal(t, "ana@example.com", res.Email, "the caller's known email")
	require.Empty(t, res.PaymentLink)
	require.Contains(t, res.Message, "te he inscrito")

	// Again: already enrolled, nothing changes.
	o = b.call(t, ana, "enroll_course", `{"course":"fundamentos-ia"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	again := o.Result.(tools.EnrollCourseResult)
	require.True(t, again.AlreadyEnrolled)
	require.Equal(t, res.EnrollmentID, again.EnrollmentID)
	require.Contains(t, again.Message, "Ya estabas inscrito")

	// A paid course by its English title: pending payment, with the link.
	o = b.call(t, ana, "enroll_course", `{"course":"AI for marketing"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	paid := o.Result.(tools.EnrollCourseResult)
	require.Equal(t, store.EnrollmentPendingPayment, paid.Status)
	require.Equal(t, "https://pay.example/checkout?course=ia-marketing&enrollment="+paid.EnrollmentID, paid.PaymentLink)
	require.Contains(t, paid.Message, paid.PaymentLink)
	require.Contains(t, paid.Message, "el pago de 249 USD", "says the seat waits for a payment, in the word people look for")
	require.Equal(t, "249 USD", paid.Price)

	// Full: a place on the waiting list, said plainly; no seat, no link.
	o = b.call(t, ana, "enroll_course", `{"course":"agentes-automatizacion"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	wait := o.Result.(tools.EnrollCourseResult)
	require.Equal(t, store.EnrollmentWaitlisted, wait.Status)
	require.Equal(t, 1, wait.WaitlistPosition)
	require.False(t, wait.AlreadyEnrolled)
	require.Empty(t, wait.PaymentLink, "no seat to pay for")
	require.Equal(t, "El curso «Automatización con agentes de IA» está completo, así que te he apuntado a su lista de espera, "+
		"en el puesto 1. Si se libera una plaza, te escribiremos a ana@example.com, por orden de la lista.", wait.Message)
	o = b.call(t, ana, "enroll_course", `{"course":"agentes-automatizacion"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	again = o.Result.(tools.EnrollCourseResult)
	require.True(t, again.AlreadyEnrolled, "asking again: the same place")
	require.Equal(t, wait.EnrollmentID, again.EnrollmentID)
	require.Equal(t, store.EnrollmentWaitlisted, again.Status)
	require.Equal(t, 1, again.WaitlistPosition)
	require.Contains(t, again.Message, "Ya estabas en la lista de espera")
	require.NotContains(t, again.Message, "inscrit")
	require.NotContains(t, again.Message, "http")

	// Closed, unknown, ambiguous: said clearly.
	o = b.call(t, ana, "enroll_course", `{"course":"IA para ventas"}`)
	require.Equal(t, "course_closed", readError(t, o).Error, "a closed course has no waiting list")
	requireInvalid(t, b.call(t, ana, "enroll_course", `{"course":"cocina italiana"}`), "course")
	o = b.call(t, ana, "enroll_course", `{"course":"ia para markting y ventas"}`)
	requireInvalid(t, o, "course")
	require.Contains(t, o.Response.Content, "ia-marketing")
	require.Contains(t, o.Response.Content, "ia-ventas")

	// Without a known email, it is asked for; a bad one is refused.
	anon := b.person(t, store.RoleProspect, "Leo", "", "en")
	o = b.call(t, anon, "enroll_course", `{"course":"fundamentos-ia"}`)
	require.Equal(t, []string{"email"}, tools.Missing(o.Err))
	requireInvalid(t, b.call(t, anon, "enroll_course", `{"course":"fundamentos-ia","email":"leo@"}`), "email")
	o = b.call(t, anon, "enroll_course", `{"course":"fundamentos-ia","email":"leo@example.com","name":"Leo Gil"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Contains(t, o.Result.(tools.EnrollCourseResult).Message, "you're enrolled")
	require.Contains(t, o.Result.(tools.EnrollCourseResult).Title, "Generative AI Foundations", "the title in the caller's language")

	// The last seat: one gets it (Leo, with the email he enrolled with
	// before), the next is told it is full and joins the waiting list.
	o = b.call(t, anon, "enroll_course", `{"course":"taller-1"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, "leo@example.com", o.Result.(tools.EnrollCourseResult).Email)
	o = b.call(t, ana, "enroll_course", `{"course":"taller-1"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, store.EnrollmentWaitlisted, o.Result.(tools.EnrollCourseResult).Status)
	require.Equal(t, 1, o.Result.(tools.EnrollCourseResult).WaitlistPosition)
	bo := b.person(t, store.RoleProspect, "Bo", "bo@example.com", "en")
	o = b.call(t, bo, "enroll_course", `{"course":"taller-1"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, "“AI express workshop” is full, so I've put you on its waiting list, in position 2. "+
		"If a seat frees up, we'll write to you at bo@example.com, in waiting-list order.", o.Result.(tools.EnrollCourseResult).Message)

	// Students and staff may enrol; everyone's role is checked.
	for _, role := range []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff} {
		require.True(t, b.reg.Allowed("enroll_course", role))
	}
}

// testEnrollSeatsConcurrently races more people than seats for a course:
// exactly the seats are given, the rest are put on the waiting list, each
// at a place of their own.
func testEnrollSeatsConcurrently(t *testing.T, st businessStore, slug string) {
	b := &bizBundle{st: st}
	reg, err := tools.NewDefault(st, stubSearcher{}, tools.DefaultConfig(), nil)
	require.NoError(t, err)
	b.reg = reg
	_, err = st.PutCourse(t.Context(), store.Course{Slug: slug, Title: store.Localized{ES: "Carrera " + slug, EN: "Race " + slug},
		Language: "es", Price: store.Money{Currency: "USD"}, Seats: 3, Status: store.CourseOpen})
	require.NoError(t, err)
	const people = 10
	outcomes := make([]tools.Outcome, people)
	var wg sync.WaitGroup
	for i := range people {
		c := tools.Caller{Role: store.RoleProspect, Language: "es", Email: fmt.Sprintf("p%d-%s@example.com", i, slug)}
		wg.Go(func() { outcomes[i] = b.reg.Call(t.Context(), c, call("enroll_course", `{"course":"`+slug+`"}`)) })
	}
	wg.Wait()
	seated, places := 0, []int{}
	for _, o := range outcomes {
		res, _ := o.Result.(tools.EnrollCourseResult)
		switch {
		case o.Status == tools.StatusOK && res.Status == store.EnrollmentActive:
			seated++
		case o.Status == tools.StatusOK && res.Status == store.EnrollmentWaitlisted:
			places = append(places, res.WaitlistPosition)
		default:
			t.Errorf("unexpected outcome %s: %s (%v)", o.Status, o.Response.Content, o.Err)
		}
	}
	require.Equal(t, 3, seated, "exactly the seats")
	require.ElementsMatch(t, []int{1, 2, 3, 4, 5, 6, 7}, places, "the rest wait, each at a place of their own")
}

func TestEnrollSeatsConcurrentlySQLite(t *testing.T) {
	t.Parallel()
	testEnrollSeatsConcurrently(t, newSQLite(t), "carrera-sqlite")
}

func TestListCourses(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	en := b.person(t, store.RoleProspect, "Leo", "", "en")
	o := b.call(t, en, "list_courses", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.ListCoursesResult)
	require.Len(t, res.Courses, 6)
	byslug := map[string]tools.CourseSummary{}
	for _, c := range res.Courses {
		byslug[c.Slug] = c
	}
	require.Equal(t, "AI for Marketing", byslug["ia-marketing"].Title, "in the caller's language")
	require.Equal(t, 60, byslug["ia-marketing"].SeatsLeft)
	require.Equal(t, "2027-02-08", byslug["ia-marketing"].Start)
	require.Equal(t, 249.0, byslug["ia-marketing"].Price)
	require.Equal(t, store.CourseFull, byslug["agentes-automatizacion"].Status)
	require.Contains(t, res.Message, "These are our courses")

	o = b.call(t, en, "list_courses", `{"language":"en"}`)
	require.Len(t, o.Result.(tools.ListCoursesResult).Courses, 1)
	o = b.call(t, en, "list_courses", `{"topic":"Marketing"}`)
	require.Len(t, o.Result.(tools.ListCoursesResult).Courses, 1)
	o = b.call(t, en, "list_courses", `{"topic":"cocina"}`)
	require.Empty(t, o.Result.(tools.ListCoursesResult).Courses)
	requireInvalid(t, b.call(t, en, "list_courses", `{"language":"fr"}`), "language")
	o = b.call(t, en, "list_courses", `{"level":"beginner"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Len(t, o.Result.(tools.ListCoursesResult).Courses, 1)
	require.Equal(t, "fundamentos-ia", o.Result.(tools.ListCoursesResult).Courses[0].Slug)
	requireInvalid(t, b.call(t, en, "list_courses", `{"level":"expert"}`), "level")

	es := b.person(t, store.RoleStudent, "Ana", "ana@example.com", "es")
	o = b.call(t, es, "list_courses", `{"topic":"prompts"}`)
	require.Equal(t, tools.StatusOK, o.Status)
	require.Contains(t, o.Result.(tools.ListCoursesResult).Message, "Fundamentos de IA generativa")
}

func TestMyEnrollments(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	ana := b.person(t, store.RoleStudent, "Ana", "ana@example.com", "es")
	bo := b.person(t, store.RoleStudent, "Bo", "bo@example.com", "en")

	require.Equal(t, tools.StatusRefused, b.call(t, b.person(t, store.RoleProspect, "P", "", "es"), "my_enrollments", `{}`).Status)

	o := b.call(t, ana, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Empty(t, o.Result.(tools.MyEnrollmentsResult).Enrollments)
	require.Contains(t, o.Result.(tools.MyEnrollmentsResult).Message, "Todavía no")

	require.Equal(t, tools.StatusOK, b.call(t, ana, "enroll_course", `{"course":"fundamentos-ia"}`).Status)
	require.Equal(t, tools.StatusOK, b.call(t, bo, "enroll_course", `{"course":"ia-marketing"}`).Status)
	// Enrolled by staff with Ana's email, before her chat contact existed.
	staff := b.person(t, store.RoleStaff, "Sam", "sam@brujula.example", "es")
	require.Equal(t, tools.StatusOK, b.call(t, staff, "enroll_course", `{"course":"ia-marketing","email":"ANA@example.com","name":"Ana"}`).Status)

	o = b.call(t, ana, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	got := o.Result.(tools.MyEnrollmentsResult)
	require.Len(t, got.Enrollments, 2, "by contact and by email, no one else's")
	require.Contains(t, got.Message, "Fundamentos de IA generativa")
	require.Contains(t, got.Message, "pendiente de pago")
	requireInvalid(t, b.call(t, ana, "my_enrollments", `{"email":"bo@example.com"}`))

	// A place on a waiting list shows as such, with the place and no
	// progress, in each language.
	require.Equal(t, tools.StatusOK, b.call(t, ana, "enroll_course", `{"course":"agentes-automatizacion"}`).Status)
	require.Equal(t, tools.StatusOK, b.call(t, bo, "enroll_course", `{"course":"agentes-automatizacion"}`).Status)
	o = b.call(t, ana, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	got = o.Result.(tools.MyEnrollmentsResult)
	require.Len(t, got.Enrollments, 3)
	require.Equal(t, tools.MyEnrollment{Course: "agentes-automatizacion", Title: "Automatización con agentes de IA",
		Status: store.EnrollmentWaitlisted, WaitlistPosition: 1}, got.Enrollments[0], "newest first")
	require.Contains(t, got.Message, "\n- Automatización con agentes de IA — en lista de espera, en el puesto 1; te escribiremos si se libera una plaza")
	o = b.call(t, bo, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Contains(t, o.Result.(tools.MyEnrollmentsResult).Message,
		"\n- Automation with AI Agents — on the waiting list, in position 2; we'll write to you if a seat frees up")
	rui := b.person(t, store.RoleStudent, "Rui", "rui@example.com", "pt")
	require.Equal(t, tools.StatusOK, b.call(t, rui, "enroll_course", `{"course":"agentes-automatizacion"}`).Status)
	o = b.call(t, rui, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, "Seus cursos:\n- Automatización con agentes de IA — na lista de espera, na posição 3; vamos escrever para você se abrir uma vaga",
		o.Result.(tools.MyEnrollmentsResult).Message)
}

// A person who asks for a seat in a full course is told so plainly in
// their language, Portuguese (from Brazil) too: the place on the waiting
// list, where they will be written to, no enrolment and no payment link.
func TestEnrollCourseWaitlistMessages(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	rui := b.person(t, store.RoleProspect, "Rui", "rui@example.com", "pt")
	o := b.call(t, rui, "enroll_course", `{"course":"agentes-automatizacion"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.EnrollCourseResult)
	require.Equal(t, "O curso “Automatización con agentes de IA” está lotado, então coloquei você na lista de espera, na posição 1. "+
		"Se abrir uma vaga, vamos escrever para rui@example.com, seguindo a ordem da lista.", res.Message)
	require.Equal(t, "349 USD", res.Price, "the price stays known")
	require.Empty(t, res.PaymentLink)
	o = b.call(t, rui, "enroll_course", `{"course":"agentes-automatizacion"}`)
	require.Equal(t, "Você já está na lista de espera de “Automatización con agentes de IA”, na posição 1; ainda não abriu nenhuma vaga. "+
		"Se abrir, vamos escrever para rui@example.com, seguindo a ordem da lista.", o.Result.(tools.EnrollCourseResult).Message)
	leo := b.person(t, store.RoleProspect, "Leo", "leo@example.com", "en")
	o = b.call(t, leo, "enroll_course", `{"course":"agentes-automatizacion"}`)
	require.Equal(t, 2, o.Result.(tools.EnrollCourseResult).WaitlistPosition)
	o = b.call(t, leo, "enroll_course", `{"course":"agentes-automatizacion"}`)
	require.Equal(t, "You're already on the waiting list for “Automation with AI Agents”, in position 2; no seat has freed up yet. "+
		"If one does, we'll write to you at leo@example.com, in waiting-list order.", o.Result.(tools.EnrollCourseResult).Message)
	for _, m := range []string{res.Message, o.Result.(tools.EnrollCourseResult).Message} {
		for _, word := range []string{"enrolled", "matrícula", "inscrit", "pay", "pag", "http"} {
			require.NotContains(t, strings.ToLower(m), word, "a place on the list is no enrolment and has nothing to pay")
		}
	}
}

func TestOpenTicketAndStatus(t *testing.T) {
	t.Parallel()
	testOpenTicketAndStatus(t, setupBiz(t, newSQLite(t)))
}

func testOpenTicketAndStatus(t *testing.T, b *bizBundle) {
	ana := b.person(t, store.RoleStudent, "Ana", "ana@example.com", "es")

	o := b.call(t, ana, "open_ticket", `{"subject":"Me cobraron dos veces","description":"Veo dos cargos de 249 USD en mi tarjeta"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	t1 := o.Result.(tools.OpenTicketResult)
	require.Equal(t, store.CategoryBilling, t1.Category, "derived from the words")
	require.Equal(t, store.PriorityUrgent, t1.Priority)
	require.Equal(t, "billing-es", t1.Queue)
	require.Equal(t, b.now.Add(2*time.Hour).Format(time.RFC3339), t1.DueAt, "the urgent SLA")
	require.False(t, t1.AddedToExisting)
	require.Regexp(t, `^T-\d{6}$`, t1.Number)
	require.Contains(t, t1.Message, t1.Number)

	// Same person, same subject (other words order, accents): added.
	o = b.call(t, ana, "open_ticket", `{"subject":"me cobraron dos veces!!","description":"Sigue sin resolverse","category":"billing"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	t2 := o.Result.(tools.OpenTicketResult)
	require.True(t, t2.AddedToExisting)
	require.Equal(t, t1.Number, t2.Number)
	require.Contains(t, t2.Message, "Ya tienes abierto")
	// In fewer words, the same problem: added too. Another problem of the
	// same category is a new ticket.
	o = b.call(t, ana, "open_ticket", `{"subject":"cobraron dos veces","description":"Sigo viendo los dos cargos"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.True(t, o.Result.(tools.OpenTicketResult).AddedToExisting)
	require.Equal(t, t1.Number, o.Result.(tools.OpenTicketResult).Number)
	o = b.call(t, ana, "open_ticket", `{"subject":"La factura de enero tiene mal mi NIF","description":"Necesito corregirla"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.False(t, o.Result.(tools.OpenTicketResult).AddedToExisting)

	// Only staff set the priority; others may only agree with the rules.
	requireInvalid(t, b.call(t, ana, "open_ticket", `{"subject":"x","description":"y","priority":"urgent"}`), "priority")
	o = b.call(t, ana, "open_ticket", `{"subject":"Es urgente: el certificado sale con mi nombre mal","description":"Lo necesito hoy","priority":"urgent"}`)
	require.Equal(t, tools.StatusOK, o.Status, "the rules say urgent too: %v", o.Err)
	require.Equal(t, store.PriorityUrgent, o.Result.(tools.OpenTicketResult).Priority)
	staff := b.person(t, store.RoleStaff, "Sam", "sam@brujula.example", "en")
	o = b.call(t, staff, "open_ticket", `{"subject":"Client cannot download invoice","description":"Reported by phone","category":"billing","email":"client@example.com","priority":"low"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	t3 := o.Result.(tools.OpenTicketResult)
	require.Equal(t, store.PriorityLow, t3.Priority)
	require.Equal(t, "billing-en", t3.Queue)

	// A prospect on the website without a known email is asked for it;
	// bad categories are refused.
	leo := b.person(t, store.RoleProspect, "Leo", "", "en")
	o = b.call(t, leo, "open_ticket", `{"subject":"Can't log in","description":"The password reset link expired"}`)
	require.Equal(t, []string{"email"}, tools.Missing(o.Err))
	requireInvalid(t, b.call(t, leo, "open_ticket", `{"subject":"a","description":"b","category":"hardware","email":"leo@example.com"}`), "category")
	o = b.call(t, leo, "open_ticket", `{"subject":"Can't log in","description":"The password reset link expired","email":"leo@example.com"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	t4 := o.Result.(tools.OpenTicketResult)
	require.Equal(t, store.CategoryAccess, t4.Category)
	require.Equal(t, store.PriorityHigh, t4.Priority)
	require.Equal(t, "access-en", t4.Queue)

	// Status: the owner sees it, by any spelling of the number.
	num := strings.TrimPrefix(t1.Number, "T-")
	for _, n := range []string{t1.Number, "#" + strings.TrimLeft(num, "0"), strings.ToLower(t1.Number)} {
		o = b.call(t, ana, "ticket_status", `{"number":"`+n+`"}`)
		require.Equal(t, tools.StatusOK, o.Status, "%s: %v", n, o.Err)
		require.Equal(t, store.TicketOpen, o.Result.(tools.TicketStatusResult).Status)
	}
	require.Contains(t, o.Result.(tools.TicketStatusResult).Message, "sigue abierto")

	// Someone else gets exactly what a number that does not exist gets.
	other := b.call(t, leo, "ticket_status", `{"number":"`+t1.Number+`"}`)
	missing := b.call(t, leo, "ticket_status", `{"number":"T-999999"}`)
	require.Equal(t, tools.StatusError, other.Status)
	require.Equal(t, readError(t, missing).Error, readError(t, other).Error)
	require.Equal(t, strings.ReplaceAll(readError(t, missing).Message, "T-999999", t1.Number), readError(t, other).Message)
	// Staff see any.
	o = b.call(t, staff, "ticket_status", `{"number":"`+t1.Number+`"}`)
	require.Equal(t, tools.StatusOK, o.Status)
	requireInvalid(t, b.call(t, leo, "ticket_status", `{"number":"abc"}`), "number")
}

func TestRequestHumanNotifiesStaff(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	ana := b.person(t, store.RoleProspect, "Ana", "ana@example.com", "es")
	o := b.call(t, ana, "request_human", `{"reason":"quiere hablar con ventas"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	o = b.call(t, ana, "request_human", `{}`)
	require.True(t, o.Result.(tools.RequestHumanResult).AlreadyHandedOff)

	events, err := b.st.ClaimEvents(t.Context(), time.Now().Add(time.Minute), 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, events, 1, "one hand-off, one notification")
	require.Equal(t, tools.EventHandoff, events[0].Type)
	require.True(t, strings.HasPrefix(events[0].ID, "conversation.handoff:"+ana.ConversationID+":"))
	var p map[string]any
	require.NoError(t, json.Unmarshal(events[0].Payload, &p))
	require.Equal(t, "quiere hablar con ventas", p["reason"])
	require.Equal(t, ana.ConversationID, p["conversation_id"])
}

// siteSignals is what the website measured, by contact: the widget's side
// of SignalSource.
type siteSignals map[string]store.Signals

func (s siteSignals) CallerSignals(_ context.Context, c tools.Caller) (store.Signals, bool) {
	sg, ok := s[c.ContactID]
	return sg, ok
}

// The website's engagement signals reach the lead score without the model
// passing them; staff qualifying someone else do not get their own.
func TestQualifyLeadReadsWebsiteSignals(t *testing.T) {
	t.Parallel()
	st := newSQLite(t)
	b := setupBiz(t, st)
	site := siteSignals{}
	cfg := tools.DefaultConfig()
	cfg.Signals = site
	reg, err := tools.NewDefault(st, stubSearcher{}, cfg, nil)
	require.NoError(t, err)
	b.reg = reg

	args := `{"name":"Eva","email":"eva@example.com","interest":"marketing_saas"}`
	plain := b.person(t, store.RoleProspect, "Eva", "", "es")
	o := b.call(t, plain, "qualify_lead", args)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	without := o.Result.(tools.QualifyLeadResult)

	eager := b.person(t, store.RoleProspect, "Leo", "", "es")
	site[eager.ContactID] = store.Signals{PagesViewed: 12, TimeOnSiteSeconds: 900, PricingVisits: 3, DemoRequested: true}
	o = b.call(t, eager, "qualify_lead", `{"name":"Leo","email":"leo@example.com","interest":"marketing_saas"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	with := o.Result.(tools.QualifyLeadResult)
	require.Greater(t, with.Score.Total, without.Score.Total, "the site's signals count")
	lead, err := st.LeadByEmail(t.Context(), "leo@example.com")
	require.NoError(t, err)
	require.Equal(t, 3, lead.Signals.PricingVisits)
	require.True(t, lead.Signals.DemoRequested)

	staff := b.person(t, store.RoleStaff, "Sol", "sol@example.com", "es")
	site[staff.ContactID] = store.Signals{PricingVisits: 9}
	o = b.call(t, staff, "qualify_lead", `{"name":"Max","email":"max@example.com","interest":"courses"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	lead, err = st.LeadByEmail(t.Context(), "max@example.com")
	require.NoError(t, err)
	require.Zero(t, lead.Signals.PricingVisits, "staff's own visits are not the lead's")
}
