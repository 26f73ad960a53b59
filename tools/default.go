package tools

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/faroai/faro/kpi"
)

// Backend is everything the default tools need of the store; store.Store
// satisfies it.
type Backend interface {
	HandOffer
	LeadStore
	Enroller
	EnrollmentReader
	TicketOpener
	TicketReader
	DocumentStore
	kpi.Source
}

// Config holds the business rules of the default tools. The composition
// root may load it from configuration; [DefaultConfig] is the demo's.
type Config struct {
	Leads   LeadScoring
	Enroll  EnrollConfig
	Tickets TicketConfig
	// Signals, when set, gives qualify_lead the website's engagement
	// signals for the caller.
	Signals SignalSource
	// Documents holds the templates and the signer of download links of
	// generate_document.
	Documents DocumentConfig
	// KPILocation is the time zone of report_kpis' periods (a day, a
	// week…); nil is UTC.
	KPILocation *time.Location
}

// DefaultConfig returns the default rules of every tool.
func DefaultConfig() Config {
	return Config{Leads: DefaultLeadScoring(), Enroll: DefaultEnrollConfig(), Tickets: DefaultTicketConfig(), Documents: DefaultDocumentConfig()}
}

// NewDefault builds the registry of the tools Faro offers — the one list
// `faro serve`, `faro chat` and `faro eval conversations` (and the
// scenario runner) all use, so what a scenario shows is what the server
// does.
func NewDefault(b Backend, s Searcher, cfg Config, log *slog.Logger) (*Registry, error) {
	if b == nil || s == nil {
		return nil, fmt.Errorf("tools: NewDefault: nil store or searcher")
	}
	reg := NewRegistry(WithLogger(log))
	AddSearchKnowledge(reg, s)
	AddRequestHuman(reg, b)
	AddQualifyLead(reg, b, cfg.Leads, cfg.Signals)
	AddListCourses(reg, b)
	AddEnrollCourse(reg, b, cfg.Enroll)
	AddMyEnrollments(reg, b)
	AddOpenTicket(reg, b, cfg.Tickets)
	AddTicketStatus(reg, b)
	AddGenerateDocument(reg, b, cfg.Documents)
	AddReportKPIs(reg, kpi.NewReporter(b, cfg.KPILocation, nil))
	return reg, nil
}
