package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

// TicketOpener is what open_ticket needs from the store: tickets (with
// their de-duplication) and the caller's enrolments, which make them a
// customer of a higher tier. store.Store satisfies it.
type TicketOpener interface {
	OpenTicket(ctx context.Context, t store.Ticket) (store.Ticket, bool, error)
	ListTickets(ctx context.Context, f store.TicketFilter, offset, limit int) ([]store.Ticket, error)
	EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error)
}

// TicketConfig holds the support rules: the SLA of each priority. The
// composition root may load it from configuration.
type TicketConfig struct {
	// SLA is how long the team has to answer a ticket, by priority.
	SLA map[store.TicketPriority]time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultTicketConfig is the support team's first agreement: urgent in 2
// hours, high in 8, normal in 24, low in 72.
func DefaultTicketConfig() TicketConfig {
	return TicketConfig{SLA: map[store.TicketPriority]time.Duration{
		store.PriorityUrgent: 2 * time.Hour,
		store.PriorityHigh:   8 * time.Hour,
		store.PriorityNormal: 24 * time.Hour,
		store.PriorityLow:    72 * time.Hour,
	}}
}

func (cfg TicketConfig) now() time.Time {
	if cfg.Now != nil {
		return cfg.Now()
	}
	return time.Now()
}

// OpenTicketArgs are the arguments of open_ticket.
type OpenTicketArgs struct {
	Subject     string `json:"subject" jsonschema:"required,maxLength=200" jsonschema_description:"A short subject: what the problem is, in the user's words."`
	Description string `json:"description" jsonschema:"required,maxLength=4000" jsonschema_description:"What happened, with the details the user gave (what they tried, error messages, dates)."`
	Category    string `json:"category,omitempty" jsonschema:"enum=billing,enum=access,enum=technical,enum=course_content,enum=sales,enum=other" jsonschema_description:"billing (payments, invoices, refunds), access (login, password, account), technical (the platform fails, an error, something that does not work, a page or video that does not load, play or submit), course_content (a mistake or gap in what is taught), sales, or other. Omit when unsure: it is derived from the text."`
	Email       string `json:"email,omitempty" jsonschema:"format=email,maxLength=254" jsonschema_description:"Email to answer at. Leave it out to use the one we know for the user."`
	Priority    string `json:"priority,omitempty" jsonschema:"enum=low,enum=normal,enum=high,enum=urgent" jsonschema_description:"Staff only: overrides the priority the rules derive (category, urgent words, customer tier). Leave it out otherwise."`
}

// OpenTicketResult is what open_ticket returns.
type OpenTicketResult struct {
	Number   string               `json:"number"` // "T-000123", what the user quotes
	Status   store.TicketStatus   `json:"status"`
	Category store.TicketCategory `json:"category"`
	Priority store.TicketPriority `json:"priority"`
	Queue    string               `json:"queue"`
	DueAt    string               `json:"due_at,omitempty"` // RFC 3339, the SLA
	// AddedToExisting: the person had an open ticket on this subject; the
	// description was added to it instead of opening another.
	AddedToExisting bool `json:"added_to_existing"`
	// Message is what to tell the user, in their language.
	Message string `json:"message"`
}

// AddOpenTicket registers open_ticket: a support ticket with a priority
// derived by rules (category, urgent words, customer tier; staff may set
// it), routed to a queue by category and language, due by the SLA of its
// priority, linked to the conversation. The same person on the same
// subject while a ticket is open adds to it. Everyone may call it. It
// panics when t is nil.
func AddOpenTicket(r *Registry, t TicketOpener, cfg TicketConfig) {
	if t == nil {
		panic("tools: AddOpenTicket: nil TicketOpener")
	}
	Add(r, Spec{
		Name: "open_ticket",
		Description: "Open a support ticket for a problem the team must look into: payments and refunds, access to the account or campus, " +
			"something that does not work, course material. The user gets a ticket number to follow it with ticket_status.",
		Roles: []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "no puedo acceder al campus, quiero abrir un ticket"},
			{Lang: "es", Text: "me cobraron dos veces el curso, necesito que lo revisen"},
			{Lang: "es", Text: "quiero reportar un problema: los videos del modulo 2 no cargan"},
			{Lang: "es", Text: "abre una incidencia por favor, la factura tiene mal mis datos"},
			{Lang: "en", Text: "I can't log in to the platform, please open a ticket"},
			{Lang: "en", Text: "I was charged twice for my course"},
			{Lang: "en", Text: "report a problem: the quiz in lesson 4 won't submit"},
			{Lang: "en", Text: "file a support request, my invoice is wrong"},
			{Lang: "pt", Text: "quero abrir um chamado, nao consigo acessar a plataforma"},
			{Lang: "es", Text: "el quiz de la semana 3 da error cada vez que lo envio, ya probe otro navegador"},
			{Lang: "es", Text: "pague el curso hace dos dias y todavia no me aparece en el campus"},
			{Lang: "es", Text: "los videos no cargan desde ayer, ya borre la cache y nada"},
			{Lang: "en", Text: "the app keeps crashing when I open lesson 5, tried reinstalling already"},
			{Lang: "en", Text: "I paid for the course but it still doesn't show up in my account"},
			{Lang: "en", Text: "the certificate page gives an error, please have someone look at it"},
			{Lang: "pt", Text: "me cobraram duas vezes no cartao, preciso que verifiquem"},
			{Lang: "pt", Text: "os videos do modulo 2 nao carregam, ja tentei outro navegador"},
			{Lang: "pt", Text: "paguei o curso e ele nao aparece na minha conta"},
			// Reports that ask the team to look, fix or pass it on.
			{Lang: "es", Text: "la respuesta correcta del test de la leccion 2 esta mal marcada, lo pueden corregir?"},
			{Lang: "es", Text: "ya cambie la clave y sigue sin dejarme entrar, dice cuenta bloqueada. lo revisan?"},
			{Lang: "es", Text: "el archivo de ejercicios da error de permisos al abrirlo, avisen al equipo tecnico"},
			{Lang: "en", Text: "downloading my certificate shows a 404 error since monday, can your tech team check"},
			{Lang: "en", Text: "changed my password but the login still fails, could someone check my account"},
			{Lang: "en", Text: "the answer key for the module 3 quiz is wrong, please pass it on to whoever fixes it"},
			{Lang: "pt", Text: "o link do material da aula 3 esta quebrado, da pra avisar a equipe?"},
			{Lang: "pt", Text: "troquei a senha e continuo sem conseguir entrar, alguem pode verificar minha conta?"},
			{Lang: "pt", Text: "o botao de baixar o certificado da erro, podem olhar isso?"},
		},
		Mutating: true,
	}, func(ctx context.Context, c Caller, in OpenTicketArgs) (OpenTicketResult, error) {
		return openTicket(ctx, t, cfg, c, in)
	})
}

func openTicket(ctx context.Context, s TicketOpener, cfg TicketConfig, c Caller, in OpenTicketArgs) (OpenTicketResult, error) {
	email := strings.TrimSpace(in.Email)
	if email == "" {
		email = c.Email
	}
	if email == "" && (c.Channel == "web" || c.Channel == "" || c.Channel == "api") {
		// On the website there is no other way to answer the person once
		// they leave; chat channels answer where they wrote.
		return OpenTicketResult{}, FieldError{Field: "email", Problem: ProblemMissing}
	}
	text := in.Subject + "\n" + in.Description
	category := store.TicketCategory(in.Category)
	if category == "" {
		category = ticketCategory(text)
	}
	priority := store.TicketPriority(in.Priority)
	if c.Role != store.RoleStaff || priority == "" {
		customer := c.Role == store.RoleStudent
		if !customer && c.ContactID != "" && c.Role != store.RoleStaff {
			ens, err := s.EnrollmentsByContact(ctx, c.ContactID)
			if err != nil {
				return OpenTicketResult{}, fmt.Errorf("open_ticket: enrolments of %s: %w", c.ContactID, err)
			}
			for _, e := range ens {
				if e.Status != store.EnrollmentCancelled {
					customer = true
				}
			}
		}
		derived := TicketPriorityFor(category, text, customer)
		if priority != "" && priority != derived {
			// Only staff override the rules. A model that read "urgente"
			// and set urgent agrees with them, and is not refused for it.
			return OpenTicketResult{}, FieldError{Field: "priority", Problem: "only staff may set the priority; leave it out and the rules decide"}
		}
		priority = derived
	}
	lang := c.Language
	if lang != "en" && lang != "es" {
		lang = "es"
	}
	t := store.Ticket{
		ConversationID: c.ConversationID, Email: email,
		Subject: strings.TrimSpace(in.Subject), Description: strings.TrimSpace(in.Description),
		Category: category, Priority: priority, Queue: string(category) + "-" + lang, Language: lang,
	}
	// Staff opening a ticket for a client do not make it theirs.
	if c.Role != store.RoleStaff || store.FoldEmail(email) == store.FoldEmail(c.Email) {
		t.ContactID = c.ContactID
	}
	if d, ok := cfg.SLA[priority]; ok && d > 0 {
		t.DueAt = cfg.now().Add(d).UTC()
	}
	// People say the same problem in other words the second time ("me
	// cobraron dos veces el curso de IA" then "me cobraron dos veces"):
	// a near subject of an active ticket of theirs in the same category
	// takes that ticket's subject, so the store adds to it.
	same, err := similarActiveTicket(ctx, s, t)
	if err != nil {
		return OpenTicketResult{}, err
	}
	if same != "" {
		t.Subject = same
	}
	stored, created, err := s.OpenTicket(ctx, t)
	if err != nil {
		return OpenTicketResult{}, fmt.Errorf("open_ticket: %w", err)
	}
	res := OpenTicketResult{
		Number: stored.Number.String(), Status: stored.Status, Category: stored.Category, Priority: stored.Priority,
		Queue: stored.Queue, AddedToExisting: !created,
	}
	if !stored.DueAt.IsZero() {
		res.DueAt = stored.DueAt.UTC().Format(time.RFC3339)
	}
	res.Message = ticketMessage(c.Language, res)
	return res, nil
}

// similarActiveTicket returns the subject of the person's active ticket in
// t's category whose subject is near t's: most of the words of the
// shorter subject (by [store.SubjectKey]) are in the longer. "" when none.
func similarActiveTicket(ctx context.Context, s TicketOpener, t store.Ticket) (string, error) {
	f := store.TicketFilter{ContactID: t.ContactID}
	if f.ContactID == "" {
		if t.Email == "" {
			return "", nil
		}
		f.Email = t.Email
	}
	open, err := s.ListTickets(ctx, f, 0, 50)
	if err != nil {
		return "", fmt.Errorf("open_ticket: tickets of the caller: %w", err)
	}
	key := strings.Fields(store.SubjectKey(t.Subject))
	best, bestScore := "", 0.0
	for _, o := range open {
		if !o.Status.Active() || o.Category != t.Category {
			continue
		}
		if sc := keyOverlap(key, strings.Fields(store.SubjectKey(o.Subject))); sc > bestScore {
			best, bestScore = o.Subject, sc
		}
	}
	if bestScore >= 0.75 {
		return best, nil
	}
	return "", nil
}

// keyOverlap is the share of the shorter key's terms found in the other;
// 0 when the shorter has fewer than two terms ("factura" alone says too
// little to take two problems for one).
func keyOverlap(a, b []string) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 2 {
		return 0
	}
	n := 0
	for _, w := range a {
		if slices.Contains(b, w) {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

// TicketPriorityFor derives a ticket's priority: the category's base
// (access high — the person cannot work; billing, technical and sales
// normal; course content and other low), raised to urgent by words of
// urgency or money taken wrongly ("urgente", "cobrado dos veces", "charged
// twice", "cobrado duas vezes") and to high by a lock-out ("no puedo
// acceder", "can't log in", "não consigo acessar");
// a customer (an enrolled student) is one level higher, up to high.
func TicketPriorityFor(category store.TicketCategory, text string, customer bool) store.TicketPriority {
	levels := []store.TicketPriority{store.PriorityLow, store.PriorityNormal, store.PriorityHigh, store.PriorityUrgent}
	p := 1
	switch category {
	case store.CategoryAccess:
		p = 2
	case store.CategoryCourseContent, store.CategoryOther:
		p = 0
	}
	if customer && p < 2 {
		p++
	}
	t := " " + foldText(text) + " "
	switch {
	case containsAny(t, " urgente ", " urgent ", " urgencia ", " emergencia ", " emergency ", " asap ", "cuanto antes",
		"cobrado dos veces", "cobraron dos veces", "cobro doble", "doble cobro", "cobrado doble", "charged twice",
		"double charged", "charged me twice", "fraude", " fraud ", "cobrado duas vezes", "cobraram duas vezes",
		"cobranca duplicada", "cobrado em dobro"):
		p = 3
	case containsAny(t, "no puedo acceder", "no puedo entrar", "no me deja entrar", "no puedo iniciar sesion",
		"can t access", "cannot access", "can t log in", "cannot log in", "can t login", "locked out", "cuenta bloqueada",
		"account locked", "nao consigo acessar", "nao consigo entrar", "nao consigo fazer login", "conta bloqueada"):
		p = max(p, 2)
	}
	return levels[p]
}

// ticketCategory guesses the category of a ticket from its words.
func ticketCategory(text string) store.TicketCategory {
	t := " " + foldText(text) + " "
	switch {
	case containsAny(t, "cobr", "factura", " pago", "pague", "reembolso", "devolucion", "tarjeta", "charge", "invoice",
		"payment", " paid", "refund", "billing", " card ", "fatura", "pagamento", "paguei", "cartao", "estorno"):
		return store.CategoryBilling
	case containsAny(t, "acceder", "acceso", "contrasena", "entrar", "iniciar sesion", "login", "log in", "password",
		"access", "cuenta", "account", "acessar", "acesso", "senha", "conta "):
		return store.CategoryAccess
	// Something that stops working is technical wherever it happens
	// ("the week 2 quiz crashes"); a mistake in what a lesson teaches
	// ("un error en el ejercicio") is course content.
	case containsAny(t, "no funciona", "no carga", "bug", "crash", "not working", "doesn t work", "won t", "broken",
		"video", "nao funciona", "nao carrega", "travou"):
		return store.CategoryTechnical
	case containsAny(t, "modulo", "leccion", "material", "contenido", "ejercicio", "module", "lesson", "content", "exercise", "quiz",
		" aula", "conteudo", "exercicio"):
		return store.CategoryCourseContent
	case containsAny(t, "error", "falla", "erro"):
		return store.CategoryTechnical
	case containsAny(t, "precio", "comprar", "descuento", "cotizacion", "price", "buy", "discount", "quote", "preco", "desconto",
		"orcamento"):
		return store.CategorySales
	}
	return store.CategoryOther
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// ticketTexts are open_ticket's messages in one language: added takes the
// number, opened the number and the priority.
type ticketTexts struct {
	added, opened string
}

var ticketMessages = map[string]ticketTexts{
	"es": {
		added:  "Ya tienes abierto el ticket %s sobre esto, así que he añadido tu mensaje a ese ticket en lugar de abrir otro. El equipo te responderá allí.",
		opened: "He abierto el ticket %s (prioridad %s). El equipo de soporte te responderá; puedes preguntarme por su estado con ese número.",
	},
	"en": {
		added:  "You already have ticket %s open about this, so I've added your message to it instead of opening another. The team will answer there.",
		opened: "I've opened ticket %s (priority %s). The support team will get back to you; you can ask me for its status with that number.",
	},
	"pt": {
		added:  "Você já tem o chamado %s aberto sobre isso, então adicionei sua mensagem a ele em vez de abrir outro. A equipe vai responder por lá.",
		opened: "Abri o chamado %s (prioridade %s). A equipe de suporte vai entrar em contato com você; é só me perguntar pela situação dele com esse número.",
	},
}

func ticketMessage(lang string, r OpenTicketResult) string {
	tx := inLang(ticketMessages, lang)
	if r.AddedToExisting {
		return fmt.Sprintf(tx.added, r.Number)
	}
	return fmt.Sprintf(tx.opened, r.Number, priorityName(lang, r.Priority))
}

// priorityNames name a ticket's priority for people, by language.
var priorityNames = map[string]map[store.TicketPriority]string{
	"es": {store.PriorityLow: "baja", store.PriorityNormal: "normal", store.PriorityHigh: "alta", store.PriorityUrgent: "urgente"},
	"en": {store.PriorityLow: "low", store.PriorityNormal: "normal", store.PriorityHigh: "high", store.PriorityUrgent: "urgent"},
	"pt": {store.PriorityLow: "baixa", store.PriorityNormal: "normal", store.PriorityHigh: "alta", store.PriorityUrgent: "urgente"},
}

// priorityName is p in lang; the priority itself when it has no name.
func priorityName(lang string, p store.TicketPriority) string {
	if n, ok := inLang(priorityNames, lang)[p]; ok {
		return n
	}
	return string(p)
}
