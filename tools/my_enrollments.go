package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
)

// EnrollmentReader is what my_enrollments reads: the caller's enrolments
// and the titles of their courses. store.Store satisfies it.
type EnrollmentReader interface {
	CourseCatalog
	EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error)
	EnrollmentsByEmail(ctx context.Context, email string) ([]store.Enrollment, error)
}

// MyEnrollmentsArgs are the arguments of my_enrollments: none, the caller
// is who is asked about.
type MyEnrollmentsArgs struct{}

// MyEnrollmentsResult is what my_enrollments returns.
type MyEnrollmentsResult struct {
	Enrollments []MyEnrollment `json:"enrollments"`
	// Message lists them for the user, in their language.
	Message string `json:"message"`
}

// MyEnrollment is one of the caller's enrolments.
type MyEnrollment struct {
	Course   string                 `json:"course"`
	Title    string                 `json:"title"`
	Status   store.EnrollmentStatus `json:"status"`
	Progress int                    `json:"progress"` // percent
	// WaitlistPosition is the place on the course's waiting list (1
	// first) when Status is waitlisted: no seat yet.
	WaitlistPosition int    `json:"waitlist_position,omitempty"`
	Start            string `json:"start,omitempty"`
}

// AddMyEnrollments registers my_enrollments: the caller's own enrolments
// and progress, found by their contact and their known email — never by
// an argument, so nobody reads another person's. Students may call it. It
// panics when e is nil.
func AddMyEnrollments(r *Registry, e EnrollmentReader) {
	if e == nil {
		panic("tools: AddMyEnrollments: nil EnrollmentReader")
	}
	Add(r, Spec{
		Name:        "my_enrollments",
		Description: "The courses the user is enrolled in, with status and progress. Use it when a student asks about their courses or how far they are.",
		Roles:       []store.Role{store.RoleStudent},
		Examples: []Example{
			{Lang: "es", Text: "en que cursos estoy inscrito?"},
			{Lang: "es", Text: "como voy con mis cursos, cuanto progreso llevo"},
			{Lang: "es", Text: "mis inscripciones"},
			{Lang: "en", Text: "which courses am I enrolled in"},
			{Lang: "en", Text: "how far along am i in my courses"},
			{Lang: "en", Text: "show my enrollments"},
			{Lang: "pt", Text: "em quais cursos estou matriculado?"},
			{Lang: "es", Text: "a que cursos estoy anotado ahora?"},
			{Lang: "es", Text: "que cursos tengo y como voy"},
			{Lang: "en", Text: "which courses am I signed up for right now"},
			{Lang: "en", Text: "what's my progress in my courses"},
			{Lang: "pt", Text: "quais sao os meus cursos e meu progresso"},
			{Lang: "pt", Text: "em que cursos eu to inscrita?"},
			{Lang: "es", Text: "cuales cursos ya pague y tengo activos en mi cuenta"},
			{Lang: "en", Text: "which courses did I buy, check my account"},
			{Lang: "pt", Text: "quais cursos eu comprei? mostra as minhas inscrições"},
			{Lang: "en", Text: "what classes am I taking at the moment?"},
			{Lang: "es", Text: "en qué clases ando ahora mismo?"},
			{Lang: "en", Text: "which courses am I in?"},
			{Lang: "en", Text: "what am I studying with you these days?"},
			{Lang: "es", Text: "recuérdame en qué cursos estoy"},
			{Lang: "pt", Text: "quais cursos eu tenho?"},
			{Lang: "pt", Text: "em que cursos eu estou agora?"},
			{Lang: "en", Text: "did I finish my course already?"},
		},
	}, func(ctx context.Context, c Caller, _ MyEnrollmentsArgs) (MyEnrollmentsResult, error) {
		return myEnrollments(ctx, e, c)
	})
}

func myEnrollments(ctx context.Context, e EnrollmentReader, c Caller) (MyEnrollmentsResult, error) {
	var all []store.Enrollment
	if c.ContactID != "" {
		got, err := e.EnrollmentsByContact(ctx, c.ContactID)
		if err != nil {
			return MyEnrollmentsResult{}, fmt.Errorf("my_enrollments: by contact %s: %w", c.ContactID, err)
		}
		all = append(all, got...)
	}
	// Enrolments made with the email before the chat contact was known
	// (on the website, by staff) are the caller's too.
	if c.Email != "" {
		got, err := e.EnrollmentsByEmail(ctx, c.Email)
		if err != nil {
			return MyEnrollmentsResult{}, fmt.Errorf("my_enrollments: by email: %w", err)
		}
		all = append(all, got...)
	}
	out := MyEnrollmentsResult{Enrollments: []MyEnrollment{}}
	seen := map[string]bool{}
	for _, en := range all {
		if seen[en.ID] || en.Status == store.EnrollmentCancelled {
			continue
		}
		seen[en.ID] = true
		m := MyEnrollment{Course: en.CourseSlug, Title: en.CourseSlug, Status: en.Status, Progress: en.Progress,
			WaitlistPosition: en.WaitlistPosition}
		if co, err := e.Course(ctx, en.CourseSlug); err == nil {
			m.Title = co.Title.In(c.Language)
			if !co.Start.IsZero() {
				m.Start = co.Start.Format("2006-01-02")
			}
		}
		out.Enrollments = append(out.Enrollments, m)
	}
	out.Message = enrollmentsMessage(c.Language, out.Enrollments)
	return out, nil
}

// enrollmentsTexts are my_enrollments' messages in one language; line
// takes the title, the status and the progress, start a date; waiting
// takes the title, the status and the place on the waiting list (a place
// has no progress to show).
type enrollmentsTexts struct {
	none, header, line, start, waiting string
}

var enrollmentsMessages = map[string]enrollmentsTexts{
	"es": {
		none:   "Todavía no tienes ninguna inscripción en cursos. ¿Quieres ver el catálogo?",
		header: "Tus cursos:", line: "\n- %s — %s, progreso %d%%", start: " (empieza el %s)",
		waiting: "\n- %s — %s, en el puesto %d; te escribiremos si se libera una plaza",
	},
	"en": {
		none:   "You're not enrolled in any course yet. Would you like to see the catalogue?",
		header: "Your courses:", line: "\n- %s — %s, progress %d%%", start: " (starts %s)",
		waiting: "\n- %s — %s, in position %d; we'll write to you if a seat frees up",
	},
	"pt": {
		none:   "Você ainda não tem matrícula em nenhum curso. Quer ver o catálogo?",
		header: "Seus cursos:", line: "\n- %s — %s, progresso %d%%", start: " (começa em %s)",
		waiting: "\n- %s — %s, na posição %d; vamos escrever para você se abrir uma vaga",
	},
}

func enrollmentsMessage(lang string, es []MyEnrollment) string {
	tx := inLang(enrollmentsMessages, lang)
	if len(es) == 0 {
		return tx.none
	}
	var b strings.Builder
	b.WriteString(tx.header)
	for _, m := range es {
		if m.Status == store.EnrollmentWaitlisted {
			fmt.Fprintf(&b, tx.waiting, m.Title, enrollmentStatusName(lang, m.Status), m.WaitlistPosition)
			continue
		}
		fmt.Fprintf(&b, tx.line, m.Title, enrollmentStatusName(lang, m.Status), m.Progress)
		if m.Start != "" {
			fmt.Fprintf(&b, tx.start, longDate(m.Start, lang))
		}
	}
	return b.String()
}
