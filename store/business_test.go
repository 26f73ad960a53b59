package store_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func TestTicketNumber(t *testing.T) {
	require.Equal(t, "T-000123", store.TicketNumber(123).String())
	require.Equal(t, "T-1234567", store.TicketNumber(1234567).String())
	for _, s := range []string{"T-000123", "t-123", "T123", "#123", " 123 ", "000123"} {
		n, err := store.ParseTicketNumber(s)
		require.NoError(t, err, s)
		require.Equal(t, store.TicketNumber(123), n, s)
	}
	for _, s := range []string{"", "T-", "0", "-5", "T-abc", "123x", "X-123"} {
		_, err := store.ParseTicketNumber(s)
		require.ErrorIs(t, err, store.ErrInvalid, s)
	}
	b, err := json.Marshal(struct {
		N store.TicketNumber `json:"n"`
	}{42})
	require.NoError(t, err)
	require.JSONEq(t, `{"n":"T-000042"}`, string(b), "JSON shows the number people quote")
	var back struct {
		N store.TicketNumber `json:"n"`
	}
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, store.TicketNumber(42), back.N)
}

func TestSubjectKey(t *testing.T) {
	same := [][2]string{
		{"No puedo entrar a la plataforma", "NO PUEDO ENTRAR EN PLATAFORMA!!"},
		{"Problema con la factura", "problemas factura"},
		{"I cannot log in", "cannot log in!"},
		{"Pago rechazado", "rechazado, pago"},
	}
	for _, p := range same {
		require.Equal(t, store.SubjectKey(p[0]), store.SubjectKey(p[1]), "%q and %q", p[0], p[1])
	}
	require.NotEqual(t, store.SubjectKey("Factura duplicada"), store.SubjectKey("No puedo entrar"))
}

func TestSignalsMerge(t *testing.T) {
	a := store.Signals{PagesViewed: 5, TimeOnSiteSeconds: 100, DemoRequested: true, EmailOpens: 1}
	b := store.Signals{PagesViewed: 3, TimeOnSiteSeconds: 200, PricingVisits: 2, Downloads: 1}
	want := store.Signals{PagesViewed: 5, TimeOnSiteSeconds: 200, PricingVisits: 2, DemoRequested: true, EmailOpens: 1, Downloads: 1}
	require.Equal(t, want, a.Merge(b))
	require.Equal(t, want, b.Merge(a), "merging is symmetric")
	require.Equal(t, want, want.Merge(b), "and idempotent")
	require.ErrorIs(t, store.Signals{EmailClicks: -1}.Check(), store.ErrInvalid)
	require.NoError(t, want.Check())
}

func TestLocalizedIn(t *testing.T) {
	l := store.Localized{ES: "Hola", EN: "Hello"}
	require.Equal(t, "Hola", l.In("es"))
	require.Equal(t, "Hello", l.In("en"))
	require.Equal(t, "Hola", l.In("pt"), "Portuguese reads Spanish, the nearer language")
	require.Equal(t, "Hello", store.Localized{EN: "Hello"}.In("pt"), "or English when there is no Spanish")
	require.Equal(t, "Hello", l.In("fr"), "other languages read English first")
	require.Equal(t, "Hola", store.Localized{ES: "Hola"}.In("en"), "falls back to the other language")
}

func TestEnrollmentStatusHoldsSeat(t *testing.T) {
	for s, holds := range map[store.EnrollmentStatus]bool{
		store.EnrollmentPendingPayment: true, store.EnrollmentActive: true, store.EnrollmentCompleted: true,
		store.EnrollmentCancelled: false, store.EnrollmentWaitlisted: false,
	} {
		require.True(t, s.Valid(), "%s is valid", s)
		require.Equal(t, holds, s.HoldsSeat(), "%s holds a seat", s)
	}
	require.False(t, store.EnrollmentStatus("soon").Valid())
}

func TestFreeSeats(t *testing.T) {
	c := store.Course{Status: store.CourseOpen, Seats: 5, SeatsTaken: 3}
	require.Equal(t, 2, store.FreeSeats(c))
	c.Status = store.CourseFull
	require.Zero(t, store.FreeSeats(c), "a course marked full offers no seat")
	c.Status = store.CourseClosed
	require.Zero(t, store.FreeSeats(c), "nor a closed one")
	c = store.Course{Status: store.CourseOpen, Seats: 2, SeatsTaken: 3}
	require.Zero(t, store.FreeSeats(c), "never below zero")
}

func TestSeatOfferedEvent(t *testing.T) {
	c := store.Course{Slug: "ia-101", Language: "en", Title: store.Localized{ES: "IA 101 (es)", EN: "AI 101"}}
	e := store.Enrollment{ID: "e1", CourseSlug: "ia-101", ContactID: "c1", Email: "ana@example.com", Name: "Ana",
		Status: store.EnrollmentPendingPayment}
	ev, err := store.SeatOfferedEvent(c, e)
	require.NoError(t, err)
	require.Equal(t, "enrollment.seat_offered:e1", ev.ID)
	require.Equal(t, store.EventSeatOffered, ev.Type)
	require.JSONEq(t, `{"enrollment_id":"e1","course":"ia-101","title":"AI 101","email":"ana@example.com",
		"name":"Ana","status":"pending_payment","contact_id":"c1"}`, string(ev.Payload))
	for _, lang := range []string{"es", "pt", ""} {
		c.Language = lang
		ev, err = store.SeatOfferedEvent(c, e)
		require.NoError(t, err)
		require.Contains(t, string(ev.Payload), `"title":"IA 101 (es)"`, "a course in %q: the Spanish title", lang)
	}
}

func TestAddEnrollmentGroupWaitlisted(t *testing.T) {
	var s store.EnrollmentStats
	store.AddEnrollmentGroup(&s, store.EnrollmentWaitlisted, "USD", 3, 300)
	require.Equal(t, store.EnrollmentStats{Waitlisted: 3}, s, "waitlisted: neither pending nor confirmed, no revenue")
}
