package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

// LeadStore is what qualify_lead needs from the store: one lead per email,
// its stage with history, and the outbox for lead.qualified. store.Store
// satisfies it.
type LeadStore interface {
	UpsertLead(ctx context.Context, l store.Lead) (store.Lead, bool, error)
	SetLeadStage(ctx context.Context, leadID string, stage store.LeadStage, score float64, factors json.RawMessage) (store.LeadStageChange, error)
	EventEnqueuer
}

// SignalSource reports the engagement signals the website measured for
// the caller, when it has them (the widget keeps them for visitors who
// consented to analytics). qualify_lead merges them into the lead with
// those given as arguments, so the score reads what the site saw rather
// than what the model remembered to pass.
type SignalSource interface {
	CallerSignals(ctx context.Context, c Caller) (store.Signals, bool)
}

// EventEnqueuer puts an event in the outbox, from which the webhook
// deliverer sends it to the configured URLs.
type EventEnqueuer interface {
	EnqueueEvent(ctx context.Context, e store.Event) (bool, error)
}

// EventLeadQualified is the outbox event of a lead that reached
// sales_qualified; its id is "lead.qualified:<lead id>", so a CRM gets one
// per lead however often it is re-qualified.
const EventLeadQualified = "lead.qualified"

// QualifyLeadArgs are the arguments of qualify_lead.
type QualifyLeadArgs struct {
	Name        string  `json:"name,omitempty" jsonschema:"maxLength=200" jsonschema_description:"The prospect's full name, when they gave it: the email identifies the lead, so never hold the lead back for the name."`
	Email       string  `json:"email" jsonschema:"required,format=email,maxLength=254" jsonschema_description:"The prospect's email; one lead per email."`
	Phone       string  `json:"phone,omitempty" jsonschema:"maxLength=40" jsonschema_description:"Phone or WhatsApp number, with country code when given."`
	Company     string  `json:"company,omitempty" jsonschema:"maxLength=200" jsonschema_description:"The prospect's company or organisation."`
	CompanySize int     `json:"company_size,omitempty" jsonschema:"minimum=0" jsonschema_description:"Number of employees of the company."`
	Industry    string  `json:"industry,omitempty" jsonschema:"maxLength=100" jsonschema_description:"The company's sector: education, retail, marketing…"`
	Country     string  `json:"country,omitempty" jsonschema:"maxLength=100" jsonschema_description:"Country where the prospect or company is."`
	Interest    string  `json:"interest" jsonschema:"required,enum=courses,enum=marketing_saas,enum=documents" jsonschema_description:"What they want: courses (AI courses, training, learning AI), marketing_saas (the marketing automation SaaS, Brújula Pulse, Pulse, WhatsApp, email campaigns) or documents (AI document generation, contracts)."`
	Budget      float64 `json:"budget,omitempty" jsonschema:"minimum=0" jsonschema_description:"Budget in USD, as a number."`
	Timeline    string  `json:"timeline,omitempty" jsonschema:"maxLength=100" jsonschema_description:"When they want to start or buy, in their words: this month, Q3, in 6 months."`

	// Engagement the website and the mailing tool report for this person;
	// running totals, never made up from the conversation.
	PagesViewed       int  `json:"pages_viewed,omitempty" jsonschema:"minimum=0" jsonschema_description:"Pages of the website viewed, as the website reports. Omit when not reported."`
	TimeOnSiteSeconds int  `json:"time_on_site_seconds,omitempty" jsonschema:"minimum=0" jsonschema_description:"Seconds spent on the website, as reported. Omit when not reported."`
	PricingVisits     int  `json:"pricing_visits,omitempty" jsonschema:"minimum=0" jsonschema_description:"Visits to the pricing page, as reported. Omit when not reported."`
	DemoRequested     bool `json:"demo_requested,omitempty" jsonschema_description:"True when the prospect asked for a demo."`
	EmailOpens        int  `json:"email_opens,omitempty" jsonschema:"minimum=0" jsonschema_description:"Marketing emails opened, as the mailing tool reports. Omit when not reported."`
	EmailClicks       int  `json:"email_clicks,omitempty" jsonschema:"minimum=0" jsonschema_description:"Links clicked in marketing emails, as reported. Omit when not reported."`
	Downloads         int  `json:"downloads,omitempty" jsonschema:"minimum=0" jsonschema_description:"Resources downloaded (guides, brochures), as reported. Omit when not reported."`
}

// Validate checks what the schema cannot: numbers a JSON schema lets
// through (not finite), and sizes below zero.
func (a QualifyLeadArgs) Validate() error {
	var errs []error
	if a.Budget < 0 || math.IsNaN(a.Budget) || math.IsInf(a.Budget, 0) {
		errs = append(errs, FieldError{Field: "budget", Problem: "must be a positive amount in USD, or left out when unknown"})
	}
	if a.CompanySize < 0 {
		errs = append(errs, FieldError{Field: "company_size", Problem: "must be a number of employees, 0 or more"})
	}
	return errors.Join(errs...)
}

// QualifyLeadResult is what qualify_lead returns.
type QualifyLeadResult struct {
	LeadID string `json:"lead_id"`
	// Created is false when the email had a lead already: it was updated.
	Created bool            `json:"created"`
	Stage   store.LeadStage `json:"stage"`
	// PreviousStage is the stage before this call.
	PreviousStage store.LeadStage `json:"previous_stage"`
	Score         LeadScore       `json:"score"`
	// OfferDemo asks the model to offer the prospect a demo with sales:
	// the lead has just become sales qualified.
	OfferDemo bool `json:"offer_demo"`
	// Message is what to tell the user, in their language.
	Message string `json:"message"`
}

// AddQualifyLead registers qualify_lead: it saves the prospect as a lead
// (one per email), scores it with cfg and moves its stage forward; crossing
// into sales_qualified enqueues lead.qualified for the CRM webhooks and
// tells the model to offer a demo. Prospects and staff may call it. It
// panics when s is nil.
func AddQualifyLead(r *Registry, s LeadStore, cfg LeadScoring, signals SignalSource) {
	if s == nil {
		panic("tools: AddQualifyLead: nil LeadStore")
	}
	Add(r, Spec{
		Name: "qualify_lead",
		Description: "Save a prospect who is interested in buying (courses, the marketing SaaS, document generation) as a sales lead, " +
			"with their contact details and company, and score it. Use it when someone wants a quote, a demo, pricing for their team " +
			"or to be contacted by sales. Ask for what is missing; never invent values. The result says whether to offer a demo.",
		Roles: []store.Role{store.RoleProspect, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "quiero que me contacte un asesor comercial"},
			{Lang: "es", Text: "me interesa la plataforma de marketing para mi empresa, somos 50 empleados"},
			{Lang: "es", Text: "quisiera una cotizacion de los cursos para mi equipo"},
			{Lang: "es", Text: "podemos agendar una demo? tenemos presupuesto de 5000 dolares"},
			{Lang: "es", Text: "soy director de una agencia y queremos contratar la generacion de documentos"},
			{Lang: "es", Text: "que alguien de ventas me escriba, quiero una propuesta para mi empresa"},
			{Lang: "en", Text: "I'd like a sales rep to contact me"},
			{Lang: "en", Text: "we're interested in your marketing platform for our company, about 200 employees"},
			{Lang: "en", Text: "can I get a quote for training my team"},
			{Lang: "en", Text: "can we book a demo? our budget is around 10k"},
			{Lang: "en", Text: "please have your sales team reach out to me about pricing for my team"},
			{Lang: "en", Text: "we'd also like a proposal for the document generation service"},
			{Lang: "pt", Text: "quero falar com um consultor comercial sobre a plataforma"},
			{Lang: "es", Text: "soy Marta de Textiles Sur, somos 30 personas y queremos capacitar al equipo en ia"},
			{Lang: "es", Text: "me interesa Pulse para mi tienda online, quiero una demo"},
			{Lang: "es", Text: "queremos formar a 15 personas del area comercial, presupuesto de 4000 usd"},
			{Lang: "en", Text: "I'm Tom from Nordic Foods, 80 staff, we need AI training for the marketing team"},
			{Lang: "en", Text: "interested in a demo of Pulse for our agency"},
			{Lang: "en", Text: "we have about 3k budget to train 10 people, can someone send a quote"},
			{Lang: "pt", Text: "sou a Carla da Alfa Logistica, somos 40 funcionarios e queremos um treinamento"},
			{Lang: "pt", Text: "quero uma demonstracao do Pulse para minha empresa"},
			{Lang: "pt", Text: "queremos capacitar nossa equipe de vendas, orcamento de 5 mil dolares"},
		},
		Mutating: true,
	}, func(ctx context.Context, c Caller, in QualifyLeadArgs) (QualifyLeadResult, error) {
		return qualifyLead(ctx, s, cfg, signals, c, in)
	})
}

func qualifyLead(ctx context.Context, s LeadStore, cfg LeadScoring, signals SignalSource, c Caller, in QualifyLeadArgs) (QualifyLeadResult, error) {
	lead := store.Lead{
		Email:       strings.TrimSpace(in.Email),
		Name:        strings.TrimSpace(in.Name),
		Phone:       strings.TrimSpace(in.Phone),
		Company:     strings.TrimSpace(in.Company),
		CompanySize: in.CompanySize,
		Industry:    strings.TrimSpace(in.Industry),
		Country:     strings.TrimSpace(in.Country),
		Interest:    store.LeadInterest(in.Interest),
		Budget:      in.Budget,
		Timeline:    strings.TrimSpace(in.Timeline),
		Signals: store.Signals{
			PagesViewed: in.PagesViewed, TimeOnSiteSeconds: in.TimeOnSiteSeconds, PricingVisits: in.PricingVisits,
			DemoRequested: in.DemoRequested, EmailOpens: in.EmailOpens, EmailClicks: in.EmailClicks, Downloads: in.Downloads,
		},
	}
	// A prospect's lead is the prospect: link the chat contact. Staff
	// qualify someone else, whose contact is not the caller.
	if c.Role != store.RoleStaff {
		lead.ContactID = c.ContactID
		if signals != nil {
			if seen, ok := signals.CallerSignals(ctx, c); ok {
				lead.Signals = lead.Signals.Merge(seen)
			}
		}
	}
	stored, created, err := s.UpsertLead(ctx, lead)
	if err != nil {
		return QualifyLeadResult{}, fmt.Errorf("qualify_lead: save lead %s: %w", lead.Email, err)
	}
	// Scored on the stored lead: signals merge with earlier reports and
	// fields given before count too.
	score := cfg.Score(stored)
	stage := cfg.Stage(stored.Stage, score.Total)
	factors, err := json.Marshal(score.Factors)
	if err != nil {
		return QualifyLeadResult{}, fmt.Errorf("qualify_lead: encode score factors: %w", err)
	}
	change, err := s.SetLeadStage(ctx, stored.ID, stage, score.Total, factors)
	if err != nil {
		return QualifyLeadResult{}, fmt.Errorf("qualify_lead: set stage of lead %s: %w", stored.ID, err)
	}
	if stage == store.StageSalesQualified {
		// Enqueued whenever the lead is sales qualified, not only on the
		// move: the id makes it once per lead, and a crash between the two
		// writes loses nothing.
		payload, err := json.Marshal(leadQualifiedPayload{
			LeadID: stored.ID, Email: stored.Email, Name: stored.Name, Phone: stored.Phone, Company: stored.Company,
			CompanySize: stored.CompanySize, Industry: stored.Industry, Country: stored.Country, Interest: stored.Interest,
			Budget: stored.Budget, Timeline: stored.Timeline, Score: score.Total, Factors: score.Factors,
			ConversationID: c.ConversationID, QualifiedAt: time.Now().UTC(),
		})
		if err != nil {
			return QualifyLeadResult{}, fmt.Errorf("qualify_lead: encode event: %w", err)
		}
		if _, err := s.EnqueueEvent(ctx, store.Event{ID: EventLeadQualified + ":" + stored.ID, Type: EventLeadQualified, Payload: payload}); err != nil {
			return QualifyLeadResult{}, fmt.Errorf("qualify_lead: enqueue %s for lead %s: %w", EventLeadQualified, stored.ID, err)
		}
	}
	res := QualifyLeadResult{
		LeadID: stored.ID, Created: created, Stage: stage, PreviousStage: change.From, Score: score,
		OfferDemo: stage == store.StageSalesQualified && change.Changed(),
	}
	if res.PreviousStage == "" {
		res.PreviousStage = stored.Stage
	}
	res.Message = leadMessage(c, stored, res)
	return res, nil
}

// leadQualifiedPayload is the body of a lead.qualified event.
type leadQualifiedPayload struct {
	LeadID         string             `json:"lead_id"`
	Email          string             `json:"email"`
	Name           string             `json:"name"`
	Phone          string             `json:"phone,omitempty"`
	Company        string             `json:"company,omitempty"`
	CompanySize    int                `json:"company_size,omitempty"`
	Industry       string             `json:"industry,omitempty"`
	Country        string             `json:"country,omitempty"`
	Interest       store.LeadInterest `json:"interest,omitempty"`
	Budget         float64            `json:"budget,omitempty"`
	Timeline       string             `json:"timeline,omitempty"`
	Score          float64            `json:"score"`
	Factors        []ScoreFactor      `json:"factors"`
	ConversationID string             `json:"conversation_id,omitempty"`
	QualifiedAt    time.Time          `json:"qualified_at"`
}

// leadTexts are qualify_lead's messages in one language. staff takes who
// the lead is (leadWho), the stage and the score; created and updated the first name and
// the email; demo is appended when the model should offer a demo.
type leadTexts struct {
	staff, created, updated, demo string
	// thanks opens created and updated: with the first name when the
	// lead has one (%s), anonymous when it has none.
	thanks, thanksAnon string
}

var leadMessages = map[string]leadTexts{
	"es": {
		staff:  "Listo: he guardado a %s como lead para el equipo comercial, en la etapa %s y con una puntuación de %s/100.",
		thanks: "¡Gracias, %s! ", thanksAnon: "¡Gracias! ",
		created: "He registrado tus datos y el equipo comercial te contactará en %s.",
		updated: "Ya teníamos tus datos con %s: los he actualizado y el equipo comercial los tendrá en cuenta.",
		demo:    " ¿Te gustaría agendar una demo personalizada con nuestro equipo? Dime qué días y horarios te vienen bien.",
	},
	"en": {
		staff:  "Done: I've saved %s as a lead for the sales team, at stage %s with a score of %s/100.",
		thanks: "Thanks, %s! ", thanksAnon: "Thanks! ",
		created: "I've saved your details and our sales team will contact you at %s.",
		updated: "We already had your details under %s: I've updated them for our sales team.",
		demo:    " Would you like to book a personalised demo with our team? Tell me which days and times suit you.",
	},
	"pt": {
		staff:  "Pronto: salvei %s como lead para a equipe comercial, na etapa %s e com uma pontuação de %s/100.",
		thanks: "Obrigado, %s! ", thanksAnon: "Obrigado! ",
		created: "Registrei seus dados e a equipe comercial vai entrar em contato pelo e-mail %s.",
		updated: "Já tínhamos seus dados com %s: atualizei as informações para a equipe comercial.",
		demo:    " Você gostaria de agendar uma demonstração personalizada com a nossa equipe? Me diga quais dias e horários são melhores para você.",
	},
}

// leadMessage is what the user is told. A prospect never hears their
// score; staff get it, with the stage.
func leadMessage(c Caller, l store.Lead, res QualifyLeadResult) string {
	tx := inLang(leadMessages, c.Language)
	if c.Role == store.RoleStaff {
		return fmt.Sprintf(tx.staff, leadWho(l), res.Stage, fmtPoints(res.Score.Total))
	}
	msg := tx.thanksAnon
	if n := firstName(l.Name); n != "" {
		msg = fmt.Sprintf(tx.thanks, n)
	}
	if res.Created {
		msg += fmt.Sprintf(tx.created, l.Email)
	} else {
		msg += fmt.Sprintf(tx.updated, l.Email)
	}
	if res.OfferDemo {
		msg += tx.demo
	}
	return msg
}

// leadWho names a lead for staff: "Dave Kim (Brightside, dave@…)", or the
// email alone when that is all there is.
func leadWho(l store.Lead) string {
	inside := l.Email
	if l.Company != "" {
		inside = l.Company + ", " + l.Email
	}
	if l.Name == "" {
		if l.Company == "" {
			return l.Email
		}
		return l.Company + " (" + l.Email + ")"
	}
	return l.Name + " (" + inside + ")"
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return name
}
