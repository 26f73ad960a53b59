package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// docStore is what these tests read and set beyond the tools' store.
type docStore interface {
	SetProgress(ctx context.Context, enrollmentID string, progress int) (store.Enrollment, error)
	GeneratedDocument(ctx context.Context, id string) (store.GeneratedDocument, error)
}

func docResult(t *testing.T, o tools.Outcome) tools.GenerateDocumentResult {
	t.Helper()
	require.Equal(t, tools.StatusOK, o.Status, "content: %s (%v)", o.Response.Content, o.Err)
	var r tools.GenerateDocumentResult
	require.NoError(t, json.Unmarshal([]byte(o.Response.Content), &r))
	return r
}

// completed enrols email in course and finishes it.
func (b *bizBundle) completed(t *testing.T, c tools.Caller, course string) store.Enrollment {
	t.Helper()
	en, _, err := b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: course, ContactID: c.ContactID, Email: c.Email, Name: c.Name})
	require.NoError(t, err)
	en, err = b.st.(docStore).SetProgress(t.Context(), en.ID, 100)
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentCompleted, en.Status)
	return en
}

func pdfPlainText(t *testing.T, raw []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		rows, err := r.Page(i).GetTextByRow()
		require.NoError(t, err)
		for _, row := range rows {
			for _, w := range row.Content {
				b.WriteString(w.S)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestGenerateDocumentStudentCertificate(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	ines := b.person(t, store.RoleStudent, "Inés Peña", "ines@example.com", "es")
	en := b.completed(t, ines, "fundamentos-ia")

	// The values come from her enrolment; what she passes about who it is
	// for is not used.
	o := b.call(t, ines, "generate_document", `{"template":"certificate","course":"fundamentos de ia generativa"}`)
	r := docResult(t, o)
	require.Equal(t, tools.DocGenerated, r.Status)
	require.Equal(t, "pdf", r.Format)
	require.Contains(t, r.URL, "/d/"+r.DocumentID+"?exp=")
	require.Contains(t, r.Message, r.URL)
	require.Contains(t, r.Message, "«Fundamentos de IA generativa»")
	doc, err := b.st.(docStore).GeneratedDocument(t.Context(), r.DocumentID)
	require.NoError(t, err)
	require.Equal(t, ines.ContactID, doc.CreatedBy)
	require.Equal(t, ines.ContactID, doc.ForContact)
	require.Equal(t, ines.ConversationID, doc.ConversationID)
	require.Equal(t, "es", doc.Language)
	text := pdfPlainText(t, doc.Content)
	require.Contains(t, text, "Inés Peña")
	require.Contains(t, text, "«Fundamentos de IA generativa»")
	require.Contains(t, text, tools.CertificateNumber(en))

	// Asked again in the same conversation: the same document.
	again := docResult(t, b.call(t, ines, "generate_document", `{"template":"certificate","course":"fundamentos-ia"}`))
	require.Equal(t, r.DocumentID, again.DocumentID)
	require.True(t, again.AlreadyGenerated)
	// As HTML it is another document.
	h := docResult(t, b.call(t, ines, "generate_document", `{"template":"certificate","course":"fundamentos-ia","format":"html"}`))
	require.NotEqual(t, r.DocumentID, h.DocumentID)

	// Someone else's: refused, whether by email or by name.
	o = b.call(t, ines, "generate_document", `{"template":"certificate","course":"fundamentos-ia","email":"lucia@example.com"}`)
	require.Equal(t, tools.StatusError, o.Status)
	require.Equal(t, tools.CodeNotAllowed, readError(t, o).Error)
	o = b.call(t, ines, "generate_document", `{"template":"certificate","course":"fundamentos-ia","variables":{"student_name":"Lucía Torres"}}`)
	require.Equal(t, tools.CodeNotAllowed, readError(t, o).Error)
	// Her own name, written without accents, is hers.
	require.Equal(t, tools.DocGenerated, docResult(t, b.call(t, ines, "generate_document",
		`{"template":"certificate","course":"fundamentos-ia","variables":{"nombre":"ines pena"}}`)).Status)

	// Only certificates.
	o = b.call(t, ines, "generate_document", `{"template":"proposal","variables":{"client_name":"x"}}`)
	require.Equal(t, tools.CodeNotAllowed, readError(t, o).Error)

	// A course she is not enrolled in, or has not finished.
	r = docResult(t, b.call(t, ines, "generate_document", `{"template":"certificate","course":"ia-marketing"}`))
	require.Equal(t, tools.DocNotEnrolled, r.Status)
	require.Contains(t, r.Message, "No encuentro ninguna inscripción tuya en «IA para marketing»")
	require.Empty(t, r.URL)
	_, _, err = b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "taller-1", ContactID: ines.ContactID, Email: ines.Email})
	require.NoError(t, err)
	r = docResult(t, b.call(t, ines, "generate_document", `{"template":"certificate","course":"taller-1"}`))
	require.Equal(t, tools.DocNotCompleted, r.Status)
	require.Contains(t, r.Message, "Todavía no has completado «Taller exprés de IA» (progreso: 0 %)")

	// A place on a waiting list is no enrolment: no certificate.
	_, _, err = b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "agentes-automatizacion", ContactID: ines.ContactID,
		Email: ines.Email, Waitlist: true})
	require.NoError(t, err)
	r = docResult(t, b.call(t, ines, "generate_document", `{"template":"certificate","course":"agentes-automatizacion"}`))
	require.Equal(t, tools.DocNotEnrolled, r.Status)
	require.Equal(t, "Estás en la lista de espera de «Automatización con agentes de IA», sin plaza todavía, así que no hay certificado que emitir: se emite al terminar el curso.", r.Message)
	require.Empty(t, r.URL)

	// No course named: asked for.
	requireInvalid(t, b.call(t, ines, "generate_document", `{"template":"certificate"}`), "course")

	// Prospects cannot call it at all.
	require.Equal(t, tools.StatusRefused, b.call(t, b.person(t, store.RoleProspect, "P", "", "es"), "generate_document",
		`{"template":"certificate","course":"fundamentos-ia"}`).Status)
}

func TestGenerateDocumentStaff(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	staff := b.person(t, store.RoleStaff, "Marta", "marta@brujula.example", "en")

	// Missing variables: nothing made, every one named, in the caller's
	// language.
	r := docResult(t, b.call(t, staff, "generate_document", `{"template":"proposal","variables":{"client":"Laura Gómez","company":"Acme"}}`))
	require.Equal(t, tools.DocIncomplete, r.Status)
	require.Equal(t, []string{"items"}, r.Missing, "the validity has a default: never asked")
	require.Contains(t, r.Message, "I still need: items with prices (items).")
	require.Empty(t, r.DocumentID)

	// An invoice without a number gets one, the same when the request is
	// made again, another for another conversation; a proposal without a
	// validity holds 30 days.
	inv := `{"template":"invoice","format":"markdown","variables":{"client_name":"Laura Gómez","items":"AI workshop 1500"}}`
	r1 := docResult(t, b.call(t, staff, "generate_document", inv))
	require.Equal(t, tools.DocGenerated, r1.Status)
	d1, err := b.st.(docStore).GeneratedDocument(t.Context(), r1.DocumentID)
	require.NoError(t, err)
	num := regexp.MustCompile(`INV-\d{8}-[0-9A-F]{6}`).FindString(string(d1.Content))
	require.NotEmpty(t, num, "%s", d1.Content)
	again := docResult(t, b.call(t, staff, "generate_document", inv))
	require.Equal(t, r1.DocumentID, again.DocumentID)
	other := docResult(t, b.call(t, b.person(t, store.RoleStaff, "Luis", "luis@brujula.example", "en"), "generate_document", inv))
	d2, err := b.st.(docStore).GeneratedDocument(t.Context(), other.DocumentID)
	require.NoError(t, err)
	require.NotContains(t, string(d2.Content), num)
	prop := docResult(t, b.call(t, staff, "generate_document", `{"template":"proposal","format":"markdown","variables":{"client":"Laura Gómez","company":"Acme","items":"AI workshop 1500"}}`))
	require.Equal(t, tools.DocGenerated, prop.Status)
	var pv map[string]any
	dp, err := b.st.(docStore).GeneratedDocument(t.Context(), prop.DocumentID)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(dp.Variables, &pv))
	require.NotEmpty(t, pv["valid_until"])

	r = docResult(t, b.call(t, staff, "generate_document", `{"template":"proposal","format":"markdown","variables":{"client":"Laura Gómez",
		"company":"<script>alert(1)</script> Acme","items":[{"description":"AI workshop","quantity":2,"unit_price":1500}],"valid_until":"30 days"}}`))
	require.Equal(t, tools.DocGenerated, r.Status)
	doc, err := b.st.(docStore).GeneratedDocument(t.Context(), r.DocumentID)
	require.NoError(t, err)
	require.Equal(t, "text/markdown; charset=utf-8", doc.ContentType)
	md := string(doc.Content)
	require.Contains(t, md, "| AI workshop | 2 | 1,500.00 | 3,000.00 |")
	require.Contains(t, md, "&lt;script&gt;")
	require.Empty(t, doc.ForContact)
	var vars map[string]any
	require.NoError(t, json.Unmarshal(doc.Variables, &vars))
	require.Equal(t, "2027-02-03", vars["valid_until"], "30 days from the day of issue, stored as a date")

	// A student's certificate, by email and course, from the enrolment.
	stu := b.person(t, store.RoleStudent, "Tom Becker", "tom@example.com", "en")
	en := b.completed(t, stu, "fundamentos-ia")
	r = docResult(t, b.call(t, staff, "generate_document", `{"template":"certificate","course":"fundamentos-ia","email":"tom@example.com"}`))
	require.Equal(t, tools.DocGenerated, r.Status, r.Message)
	doc, err = b.st.(docStore).GeneratedDocument(t.Context(), r.DocumentID)
	require.NoError(t, err)
	require.Equal(t, stu.ContactID, doc.ForContact)
	require.Equal(t, staff.ContactID, doc.CreatedBy)
	text := pdfPlainText(t, doc.Content)
	require.Contains(t, text, "Tom Becker")
	require.Contains(t, text, "“Generative AI Foundations”")
	require.Contains(t, text, tools.CertificateNumber(en))
	require.Contains(t, text, en.UpdatedAt.UTC().Format("January 2, 2006"))

	// An email with no enrolment in the course.
	o := b.call(t, staff, "generate_document", `{"template":"certificate","course":"ia-marketing","email":"tom@example.com"}`)
	require.Equal(t, tools.CodeNotFound, readError(t, o).Error)
	// Nor does a place on the course's waiting list make one.
	_, _, err = b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "agentes-automatizacion", Email: "tom@example.com", Waitlist: true})
	require.NoError(t, err)
	o = b.call(t, staff, "generate_document", `{"template":"certificate","course":"agentes-automatizacion","email":"tom@example.com"}`)
	require.Equal(t, tools.CodeNotFound, readError(t, o).Error, "no certificate for a waitlisted enrolment")
	require.Contains(t, readError(t, o).Message, "only on the waiting list")

	// Bad arguments are named.
	requireInvalid(t, b.call(t, staff, "generate_document", `{"template":"contract"}`), "template")
	requireInvalid(t, b.call(t, staff, "generate_document", `{"template":"invoice","format":"docx"}`), "format")
}

// The template enum the model sees is the catalogue's list.
func TestGenerateDocumentEnumIsTheCatalogue(t *testing.T) {
	t.Parallel()
	reg := tools.NewRegistry()
	tools.AddGenerateDocument(reg, stubBackend{}, tools.DefaultDocumentConfig())
	raw, ok := reg.Schema("generate_document")
	require.True(t, ok)
	var sch struct {
		Properties struct {
			Template struct {
				Enum []string `json:"enum"`
			} `json:"template"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(raw, &sch))
	cat, err := documents.New()
	require.NoError(t, err)
	require.Equal(t, cat.Names(), sch.Properties.Template.Enum)
}

// Seats of a course quoted with no price take the catalogue's: staff do
// not restate a list price. A line naming no course still needs one.
func TestGenerateDocumentPricesCourseSeats(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	staff := b.person(t, store.RoleStaff, "Marta", "marta@brujula.example", "en")
	r := docResult(t, b.call(t, staff, "generate_document", `{"template":"proposal","format":"markdown","variables":{"client_name":"Laura Gómez",
		"company":"Acme","items":"12x IA para marketing; Onboarding session 300","valid_until":"30 days"}}`))
	require.Equal(t, tools.DocGenerated, r.Status, r.Message)
	doc, err := b.st.(docStore).GeneratedDocument(t.Context(), r.DocumentID)
	require.NoError(t, err)
	md := string(doc.Content)
	require.Contains(t, md, "| IA para marketing | 12 | 249.00 | 2,988.00 |")
	require.Contains(t, md, "| Onboarding session | 1 | 300.00 | 300.00 |")

	r = docResult(t, b.call(t, staff, "generate_document", `{"template":"proposal","variables":{"client_name":"Laura Gómez",
		"company":"Acme","items":"3x brand workshop","valid_until":"30 days"}}`))
	require.Equal(t, tools.DocIncomplete, r.Status)
	require.Empty(t, r.DocumentID)
}

// Staff asking for a certificate without saying when the course was
// finished get it dated: the edition's end when it has passed, else the
// day of issue (the test courses have no duration).
func TestGenerateDocumentStaffCertificateDated(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	staff := b.person(t, store.RoleStaff, "Marta", "marta@brujula.example", "es")
	r := docResult(t, b.call(t, staff, "generate_document", `{"template":"certificate","course":"fundamentos-ia","format":"markdown","variables":{"student_name":"Lucía Paredes"}}`))
	require.Equal(t, tools.DocGenerated, r.Status, r.Message)
	doc, err := b.st.(docStore).GeneratedDocument(t.Context(), r.DocumentID)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(doc.Variables, &v))
	require.Equal(t, "2027-01-04", v["completion_date"])
	require.Regexp(t, `^CERT-20270104-[0-9A-F]{6}$`, v["certificate_number"])
}
