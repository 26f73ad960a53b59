package storetest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// exerciseNUL checks that text holding U+0000 is refused with ErrInvalid
// by writes and lookups alike, and that the store goes on working after:
// PostgreSQL cannot hold a NUL in text or JSON, so neither backend may.
func exerciseNUL(t *testing.T, open func(t *testing.T) store.Store) {
	b := setup(t, open)
	ctx, s := b.ctx, b.store
	const bad = "a\x00b"

	c, err := s.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	conv, err := s.CreateConversation(ctx, store.Conversation{ContactID: c.ID, Channel: "web", ExternalID: "v1"})
	require.NoError(t, err)
	tk, _, err := s.OpenTicket(ctx, store.Ticket{Subject: "Acceso", Email: "ana@example.com"})
	require.NoError(t, err)
	course := demoCourse("ia-101", 10, 0)
	_, err = s.PutCourse(ctx, course)
	require.NoError(t, err)

	nulCourse := course
	nulCourse.Title.ES = "Curso" + bad
	for op, call := range map[string]func() error{
		"CreateContact with a NUL in the name": func() error {
			_, err := s.CreateContact(ctx, store.Contact{Name: bad})
			return err
		},
		"Contact of an id with a NUL": func() error {
			_, err := s.Contact(ctx, bad)
			return err
		},
		"Conversation of an id with a NUL": func() error {
			_, err := s.Conversation(ctx, bad)
			return err
		},
		"AppendMessage with a NUL in the text": func() error {
			_, _, err := s.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorUser, Text: "hola" + bad, Channel: "web"})
			return err
		},
		"UpdateTicket with a NUL in the queue": func() error {
			_, err := s.UpdateTicket(ctx, tk.ID, store.TicketUpdate{Queue: bad})
			return err
		},
		"ListTickets of an email with a NUL": func() error {
			_, err := s.ListTickets(ctx, store.TicketFilter{Email: bad}, 0, 10)
			return err
		},
		"PutCourse with a NUL in the title (JSON)": func() error {
			_, err := s.PutCourse(ctx, nulCourse)
			return err
		},
		"PutSubscription with a NUL in the plan": func() error {
			_, _, err := s.PutSubscription(ctx, store.Subscription{ExternalID: "sub-1", Email: "ana@example.com", Plan: bad, MonthlyAmountCents: 100, Currency: "USD"})
			return err
		},
		"SaveGeneratedDocument with a NUL in the variables (JSON)": func() error {
			vars, err := json.Marshal(map[string]string{"student_name": bad})
			require.NoError(t, err)
			_, _, err = s.SaveGeneratedDocument(ctx, store.GeneratedDocument{Template: "certificate", Format: "pdf", Variables: vars,
				Content: []byte("%PDF"), ContentType: "application/pdf", Filename: "c.pdf", CreatedBy: "api:ops"})
			return err
		},
		"PutDocument with a NUL in the source": func() error {
			_, err := s.PutDocument(ctx, store.Document{Source: "es/" + bad + ".md", Title: "T", Language: "es", ContentHash: "h"}, nil)
			return err
		},
	} {
		requireErrorIs(t, call(), store.ErrInvalid, op)
	}

	// Nothing was written, and the store still answers.
	got, err := s.Ticket(ctx, tk.ID)
	require.NoError(t, err, "the store answers after the refusals")
	require.Equal(t, tk.Queue, got.Queue, "the refused update changed nothing")
	stored, err := s.Course(ctx, "ia-101")
	require.NoError(t, err)
	require.Equal(t, course.Title, stored.Title, "the refused course changed nothing")
	_, err = s.Subscription(ctx, "sub-1")
	requireErrorIs(t, err, store.ErrNotFound, "the refused subscription is not stored")
	// Binary content keeps its NUL bytes: only text is refused.
	d, _, err := s.SaveGeneratedDocument(ctx, store.GeneratedDocument{Template: "certificate", Format: "pdf",
		Content: []byte("%PDF\x00\xff"), ContentType: "application/pdf", Filename: "c.pdf", CreatedBy: "api:ops"})
	require.NoError(t, err, "binary content may hold NUL bytes")
	full, err := s.GeneratedDocument(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, []byte("%PDF\x00\xff"), full.Content)
}
