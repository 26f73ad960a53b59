package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseTickets(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		due := time.Date(2027, 1, 12, 9, 30, 0, 0, time.UTC)
		in := store.Ticket{
			ContactID: "c1", ConversationID: "v1", Email: "ana@example.com",
			Subject: "No puedo entrar a la plataforma", Description: "Me dice contraseña incorrecta",
			Category: store.CategoryAccess, Priority: store.PriorityHigh, Queue: "soporte-es", Language: "es",
			Status: store.TicketResolved, // ignored: a new ticket is open
			DueAt:  due,
		}
		before := time.Now()
		tk, created, err := s.OpenTicket(ctx, in)
		after := time.Now()
		require.NoError(t, err, "OpenTicket")
		require.True(t, created)
		require.NotEmpty(t, tk.ID)
		require.Positive(t, int64(tk.Number), "a ticket gets a number")
		require.Equal(t, store.TicketOpen, tk.Status, "a new ticket is open")
		requireStoreTime(t, tk.CreatedAt, before, after, "OpenTicket: CreatedAt")
		require.True(t, due.Equal(tk.DueAt), "DueAt: want %v, got %v", due, tk.DueAt)
		want := in
		want.ID, want.Number, want.Status, want.CreatedAt, want.UpdatedAt, want.DueAt = tk.ID, tk.Number, store.TicketOpen, tk.CreatedAt, tk.UpdatedAt, tk.DueAt
		requireSameTicket(t, want, tk, "OpenTicket returns what it stored")

		got, err := s.Ticket(ctx, tk.ID)
		require.NoError(t, err)
		requireSameTicket(t, tk, got, "Ticket")
		got, err = s.TicketByNumber(ctx, tk.Number)
		require.NoError(t, err)
		requireSameTicket(t, tk, got, "TicketByNumber")
		_, err = s.TicketByNumber(ctx, tk.Number+1000)
		requireErrorIs(t, err, store.ErrNotFound, "TicketByNumber of an unknown number")
		_, err = s.Ticket(ctx, "no-such-ticket")
		requireErrorIs(t, err, store.ErrNotFound, "Ticket of an unknown id")

		// Defaults.
		d, _, err := s.OpenTicket(ctx, store.Ticket{Subject: "Pregunta", Email: "x@example.com"})
		require.NoError(t, err)
		require.Equal(t, store.CategoryOther, d.Category, "an empty category is other")
		require.Equal(t, store.PriorityNormal, d.Priority, "an empty priority is normal")
		require.True(t, d.DueAt.IsZero(), "no SLA given, none stored")
		require.Greater(t, d.Number, tk.Number, "numbers grow")

		for name, bad := range map[string]store.Ticket{
			"no subject":       {Subject: "  ", Email: "x@example.com"},
			"unknown category": {Subject: "s", Category: "weather"},
			"unknown priority": {Subject: "s", Priority: "asap"},
		} {
			_, _, err := s.OpenTicket(ctx, bad)
			requireErrorIs(t, err, store.ErrInvalid, "OpenTicket with "+name)
		}

		// Notes.
		notes, err := s.TicketNotes(ctx, tk.ID)
		require.NoError(t, err)
		require.Empty(t, notes)
		n1, err := s.AddTicketNote(ctx, tk.ID, store.TicketNote{Author: "staff:marta", Text: "Reenviado el enlace"})
		require.NoError(t, err)
		require.NotZero(t, n1.ID)
		require.Equal(t, tk.ID, n1.TicketID)
		_, err = s.AddTicketNote(ctx, tk.ID, store.TicketNote{Author: "staff:marta", Text: " "})
		requireErrorIs(t, err, store.ErrInvalid, "AddTicketNote without text")
		_, err = s.AddTicketNote(ctx, "no-such-ticket", store.TicketNote{Text: "x"})
		requireErrorIs(t, err, store.ErrNotFound, "AddTicketNote to an unknown ticket")
		_, err = s.TicketNotes(ctx, "no-such-ticket")
		requireErrorIs(t, err, store.ErrNotFound, "TicketNotes of an unknown ticket")
		n2, err := s.AddTicketNote(ctx, tk.ID, store.TicketNote{Author: "user", Text: "Gracias"})
		require.NoError(t, err)
		notes, err = s.TicketNotes(ctx, tk.ID)
		require.NoError(t, err)
		require.Len(t, notes, 2)
		require.Equal(t, []int64{n1.ID, n2.ID}, []int64{notes[0].ID, notes[1].ID}, "notes oldest first")
		require.Equal(t, "Reenviado el enlace", notes[0].Text)
		require.Equal(t, "staff:marta", notes[0].Author)
		requireSameTime(t, n1.CreatedAt, notes[0].CreatedAt, "note CreatedAt")
		got, err = s.Ticket(ctx, tk.ID)
		require.NoError(t, err)
		require.False(t, got.UpdatedAt.Before(n2.CreatedAt), "a note touches the ticket")

		// Update.
		newDue := due.Add(48 * time.Hour)
		up, err := s.UpdateTicket(ctx, tk.ID, store.TicketUpdate{Status: store.TicketPending, Priority: store.PriorityUrgent, DueAt: newDue})
		require.NoError(t, err)
		require.Equal(t, store.TicketPending, up.Status)
		require.Equal(t, store.PriorityUrgent, up.Priority)
		require.Equal(t, "soporte-es", up.Queue, "an empty queue stays")
		require.True(t, newDue.Equal(up.DueAt))
		up, err = s.UpdateTicket(ctx, tk.ID, store.TicketUpdate{Queue: "billing-es"})
		require.NoError(t, err)
		require.Equal(t, "billing-es", up.Queue)
		require.Equal(t, store.PriorityUrgent, up.Priority, "an empty priority stays")
		got, err = s.Ticket(ctx, tk.ID)
		require.NoError(t, err)
		requireSameTicket(t, up, got, "Ticket after UpdateTicket")
		_, err = s.UpdateTicket(ctx, tk.ID, store.TicketUpdate{Status: "gone"})
		requireErrorIs(t, err, store.ErrInvalid, "UpdateTicket to an unknown status")
		_, err = s.UpdateTicket(ctx, tk.ID, store.TicketUpdate{Priority: "asap"})
		requireErrorIs(t, err, store.ErrInvalid, "UpdateTicket to an unknown priority")
		_, err = s.UpdateTicket(ctx, "no-such-ticket", store.TicketUpdate{Status: store.TicketClosed})
		requireErrorIs(t, err, store.ErrNotFound, "UpdateTicket of an unknown ticket")

		// List.
		list, err := s.ListTickets(ctx, store.TicketFilter{}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []store.TicketNumber{d.Number, tk.Number}, ticketNumbers(list), "newest first")
		list, err = s.ListTickets(ctx, store.TicketFilter{ContactID: "c1"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []store.TicketNumber{tk.Number}, ticketNumbers(list))
		list, err = s.ListTickets(ctx, store.TicketFilter{Email: "X@Example.com"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []store.TicketNumber{d.Number}, ticketNumbers(list), "the email filter is case-insensitive")
		list, err = s.ListTickets(ctx, store.TicketFilter{Status: store.TicketPending, Queue: "billing-es"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []store.TicketNumber{tk.Number}, ticketNumbers(list))
		list, err = s.ListTickets(ctx, store.TicketFilter{}, 1, 5)
		require.NoError(t, err)
		require.Equal(t, []store.TicketNumber{tk.Number}, ticketNumbers(list), "ListTickets paginates")
		_, err = s.ListTickets(ctx, store.TicketFilter{}, -1, 0)
		requireErrorIs(t, err, store.ErrInvalid, "ListTickets with a negative offset")
	})

	t.Run("DedupeWhileOpen", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		first, created, err := s.OpenTicket(ctx, store.Ticket{ContactID: "c1", Subject: "No puedo entrar a la plataforma",
			Description: "Primera vez", Category: store.CategoryAccess})
		require.NoError(t, err)
		require.True(t, created)

		// Same person, same subject in other words of no weight and other
		// letters: added to the open ticket.
		again, created, err := s.OpenTicket(ctx, store.Ticket{ContactID: "c1", Subject: "NO PUEDO ENTRAR EN PLATAFORMA!!",
			Description: "Sigue sin funcionar", Category: store.CategoryTechnical})
		require.NoError(t, err)
		require.False(t, created, "the same subject while open is not a new ticket")
		require.Equal(t, first.ID, again.ID)
		require.Equal(t, first.Number, again.Number)
		require.Equal(t, store.CategoryAccess, again.Category, "the open ticket keeps its fields")
		notes, err := s.TicketNotes(ctx, first.ID)
		require.NoError(t, err)
		require.Len(t, notes, 1, "the repeated request is a note")
		require.Equal(t, "Sigue sin funcionar", notes[0].Text)
		require.Equal(t, "user", notes[0].Author)

		// Another subject, or another person: new tickets.
		other, created, err := s.OpenTicket(ctx, store.Ticket{ContactID: "c1", Subject: "Factura duplicada"})
		require.NoError(t, err)
		require.True(t, created, "another subject is another ticket")
		require.NotEqual(t, first.ID, other.ID)
		_, created, err = s.OpenTicket(ctx, store.Ticket{ContactID: "c2", Subject: "No puedo entrar a la plataforma"})
		require.NoError(t, err)
		require.True(t, created, "another person is another ticket")

		// By email when there is no contact.
		e1, _, err := s.OpenTicket(ctx, store.Ticket{Email: "Luis@Example.com", Subject: "Certificate missing"})
		require.NoError(t, err)
		e2, created, err := s.OpenTicket(ctx, store.Ticket{Email: "luis@example.com ", Subject: "certificate  MISSING"})
		require.NoError(t, err)
		require.False(t, created, "the same email while open is de-duplicated")
		require.Equal(t, e1.ID, e2.ID)
		// With neither, never.
		_, c1, err := s.OpenTicket(ctx, store.Ticket{Subject: "Hello"})
		require.NoError(t, err)
		_, c2, err := s.OpenTicket(ctx, store.Ticket{Subject: "Hello"})
		require.NoError(t, err)
		require.True(t, c1 && c2, "anonymous tickets are never de-duplicated")

		// A pending ticket still counts as open.
		_, err = s.UpdateTicket(ctx, first.ID, store.TicketUpdate{Status: store.TicketPending})
		require.NoError(t, err)
		again, created, err = s.OpenTicket(ctx, store.Ticket{ContactID: "c1", Subject: "no puedo entrar a la plataforma"})
		require.NoError(t, err)
		require.False(t, created, "a pending ticket is still open")
		require.Equal(t, first.ID, again.ID)
		notes, err = s.TicketNotes(ctx, first.ID)
		require.NoError(t, err)
		require.Len(t, notes, 1, "an empty description adds no note")

		// Once resolved, the same subject opens a new ticket.
		_, err = s.UpdateTicket(ctx, first.ID, store.TicketUpdate{Status: store.TicketResolved})
		require.NoError(t, err)
		fresh, created, err := s.OpenTicket(ctx, store.Ticket{ContactID: "c1", Subject: "No puedo entrar a la plataforma"})
		require.NoError(t, err)
		require.True(t, created, "after resolution the same subject is a new ticket")
		require.NotEqual(t, first.ID, fresh.ID)
		require.Greater(t, fresh.Number, first.Number)

		// Reopening the resolved one would make two open tickets on one subject.
		_, err = s.UpdateTicket(ctx, first.ID, store.TicketUpdate{Status: store.TicketOpen})
		requireErrorIs(t, err, store.ErrConflict, "reopening a duplicate")
		got, err := s.Ticket(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, store.TicketResolved, got.Status, "a refused reopening changes nothing")
	})

	// Unique numbers under concurrency, and one ticket for concurrent
	// repeats of one request. On PGlite transactions run one at a time;
	// the test proves concurrency safety on SQLite and a real server.
	t.Run("Concurrent", func(t *testing.T) {
		b := setup(t, open)
		const n = 12
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			numbers = map[store.TicketNumber]int{}
			same    = map[string]int{}
			created int
			errs    []error
		)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				tk, _, err := b.store.OpenTicket(b.ctx, store.Ticket{ContactID: fmt.Sprintf("c%d", i), Subject: "Ayuda"})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				numbers[tk.Number]++
			}()
			go func() {
				defer wg.Done()
				tk, c, err := b.store.OpenTicket(b.ctx, store.Ticket{ContactID: "same", Subject: "Pago rechazado",
					Description: fmt.Sprintf("intento %d", i)})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				same[tk.ID]++
				if c {
					created++
				}
			}()
		}
		wg.Wait()
		require.Empty(t, errs, "concurrent OpenTicket")
		require.Len(t, numbers, n, "every ticket has its own number")
		require.Len(t, same, 1, "concurrent repeats of one request land on one ticket")
		require.Equal(t, 1, created, "exactly one of them opens it")
		for id := range same {
			notes, err := b.store.TicketNotes(b.ctx, id)
			require.NoError(t, err)
			require.Len(t, notes, n-1, "every other repeat is a note")
		}
	})
}

func ticketNumbers(ts []store.Ticket) []store.TicketNumber {
	out := []store.TicketNumber{}
	for _, t := range ts {
		out = append(out, t.Number)
	}
	return out
}

// requireSameTicket compares two tickets, timestamps as instants.
func requireSameTicket(t *testing.T, want, got store.Ticket, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	require.True(t, want.DueAt.Equal(got.DueAt), "%s: DueAt: want %v, got %v", what, want.DueAt, got.DueAt)
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.DueAt, got.DueAt = time.Time{}, time.Time{}
	require.Equal(t, want, got, what)
}
