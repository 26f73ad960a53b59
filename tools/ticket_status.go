package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faroai/faro/store"
)

// TicketReader is what ticket_status reads. store.Store satisfies it.
type TicketReader interface {
	TicketByNumber(ctx context.Context, n store.TicketNumber) (store.Ticket, error)
}

// TicketStatusArgs are the arguments of ticket_status.
type TicketStatusArgs struct {
	Number string `json:"number" jsonschema:"required,maxLength=30" jsonschema_description:"The ticket number as the user wrote it: T-000123, #123 or 123."`
}

// Validate checks the number reads as a ticket number.
func (a TicketStatusArgs) Validate() error {
	if _, err := store.ParseTicketNumber(a.Number); err != nil {
		return FieldError{Field: "number", Problem: "is not a ticket number (like T-000123)"}
	}
	return nil
}

// TicketStatusResult is what ticket_status returns.
type TicketStatusResult struct {
	Number    string               `json:"number"`
	Subject   string               `json:"subject"`
	Status    store.TicketStatus   `json:"status"`
	Priority  store.TicketPriority `json:"priority"`
	Queue     string               `json:"queue"`
	DueAt     string               `json:"due_at,omitempty"`
	UpdatedAt string               `json:"updated_at"`
	// Message is what to tell the user, in their language.
	Message string `json:"message"`
}

// AddTicketStatus registers ticket_status: a ticket's status by its
// number, for the person who opened it, and for staff any ticket. Anyone
// else is told there is no such ticket, as if it did not exist, so the
// tool never confirms another person's ticket. It panics when t is nil.
func AddTicketStatus(r *Registry, t TicketReader) {
	if t == nil {
		panic("tools: AddTicketStatus: nil TicketReader")
	}
	Add(r, Spec{
		Name:        "ticket_status",
		Description: "The status of a support ticket by its number (T-000123). Users see their own tickets only.",
		Roles:       []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "como va mi ticket T-000012?"},
			{Lang: "es", Text: "quiero saber el estado de mi incidencia 45"},
			{Lang: "es", Text: "ya resolvieron mi ticket?"},
			{Lang: "en", Text: "what's the status of ticket T-000012"},
			{Lang: "en", Text: "any update on my support ticket #45?"},
			{Lang: "en", Text: "has my ticket been resolved yet"},
			{Lang: "pt", Text: "qual o status do meu chamado 45?"},
			{Lang: "es", Text: "en que quedo el ticket T-000301 que abri"},
			{Lang: "es", Text: "revisame el estado del T-000077"},
			{Lang: "en", Text: "where is ticket T-000301 at"},
			{Lang: "en", Text: "check the status of T-000077 for a customer"},
			{Lang: "pt", Text: "como esta o chamado T-000301?"},
			{Lang: "pt", Text: "alguma novidade sobre o meu chamado?"},
		},
	}, func(ctx context.Context, c Caller, in TicketStatusArgs) (TicketStatusResult, error) {
		return ticketStatus(ctx, t, c, in)
	})
}

func ticketStatus(ctx context.Context, s TicketReader, c Caller, in TicketStatusArgs) (TicketStatusResult, error) {
	n, err := store.ParseTicketNumber(in.Number)
	if err != nil { // checked by Validate; kept for direct callers
		return TicketStatusResult{}, FieldError{Field: "number", Problem: "is not a ticket number (like T-000123)"}
	}
	notFound := &Failure{Code: CodeNotFound, Message: fmt.Sprintf("there is no ticket %s for this user; check the number", n)}
	t, err := s.TicketByNumber(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		notFound.Err = err
		return TicketStatusResult{}, notFound
	}
	if err != nil {
		return TicketStatusResult{}, fmt.Errorf("ticket_status: ticket %s: %w", n, err)
	}
	if c.Role != store.RoleStaff && !ownTicket(c, t) {
		// The same answer as a ticket that does not exist: telling "not
		// yours" would confirm that it does.
		return TicketStatusResult{}, notFound
	}
	res := TicketStatusResult{
		Number: t.Number.String(), Subject: t.Subject, Status: t.Status, Priority: t.Priority, Queue: t.Queue,
		UpdatedAt: t.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if !t.DueAt.IsZero() {
		res.DueAt = t.DueAt.UTC().Format(time.RFC3339)
	}
	res.Message = ticketStatusMessage(c.Language, res)
	return res, nil
}

// ownTicket reports whether the caller opened t: same contact, or the
// caller's known email.
func ownTicket(c Caller, t store.Ticket) bool {
	if c.ContactID != "" && t.ContactID == c.ContactID {
		return true
	}
	return c.Email != "" && store.FoldEmail(c.Email) == store.FoldEmail(t.Email)
}

// ticketStatusTexts are ticket_status' messages in one language. Each
// takes the number and the subject; open also the queue and the priority.
type ticketStatusTexts struct {
	resolved, closed, pending, open string
}

var ticketStatusMessages = map[string]ticketStatusTexts{
	"es": {
		resolved: "El ticket %s («%s») está resuelto. Si el problema vuelve, dímelo y lo retomamos con el equipo.",
		closed:   "El ticket %s («%s») está cerrado. Si el problema vuelve, dímelo y lo retomamos con el equipo.",
		pending:  "El ticket %s («%s») está esperando tu respuesta: el equipo necesita más información tuya.",
		open:     "El ticket %s («%s») sigue abierto en la cola %s, con prioridad %s. El equipo te responderá lo antes posible.",
	},
	"en": {
		resolved: "Ticket %s (“%s”) is resolved. If the problem is back, tell me and I'll reopen it with the team.",
		closed:   "Ticket %s (“%s”) is closed. If the problem is back, tell me and I'll reopen it with the team.",
		pending:  "Ticket %s (“%s”) is waiting for your reply: the team needs more information from you.",
		open:     "Ticket %s (“%s”) is open with the %s team, priority %s. They'll get back to you as soon as possible.",
	},
	"pt": {
		resolved: "O chamado %s (“%s”) está resolvido. Se o problema voltar, me avise que retomamos com a equipe.",
		closed:   "O chamado %s (“%s”) está encerrado. Se o problema voltar, me avise que retomamos com a equipe.",
		pending:  "O chamado %s (“%s”) está aguardando sua resposta: a equipe precisa de mais informações suas.",
		open:     "O chamado %s (“%s”) continua aberto na fila %s, com prioridade %s. A equipe vai responder o quanto antes.",
	},
}

func ticketStatusMessage(lang string, r TicketStatusResult) string {
	tx := inLang(ticketStatusMessages, lang)
	switch r.Status {
	case store.TicketResolved:
		return fmt.Sprintf(tx.resolved, r.Number, r.Subject)
	case store.TicketClosed:
		return fmt.Sprintf(tx.closed, r.Number, r.Subject)
	case store.TicketPending:
		return fmt.Sprintf(tx.pending, r.Number, r.Subject)
	}
	return fmt.Sprintf(tx.open, r.Number, r.Subject, r.Queue, priorityName(lang, r.Priority))
}
