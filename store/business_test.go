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
