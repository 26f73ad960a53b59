package scenario

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// ModelFunc makes the model one scenario runs against.
type ModelFunc func(ctx context.Context, env ModelEnv) (llms.Model, error)

// ModelEnv is what a scenario's model may need to know.
type ModelEnv struct {
	Scenario Scenario
	// Store is the scenario's store: its courses (the demo catalogue and
	// the scenario's course fixtures) are those the offline engine names
	// (see [OfflineModel]).
	Store store.Store
	// Tools are the scenario's tools, whose examples the offline engine
	// routes messages by.
	Tools *tools.Registry
	// Embedder is the one the knowledge base uses.
	Embedder knowledge.Embedder
}

// ToolsFunc makes the tool registry of one scenario, over its store and
// knowledge base.
type ToolsFunc func(st store.Store, kb *knowledge.Base, log *slog.Logger) (*tools.Registry, error)

// Options configure a [Runner]. The zero value runs on the offline engine
// with the offline embedder and the tools Faro registers by default.
type Options struct {
	// ModelFunc makes each scenario's model; nil means the offline engine
	// ([OfflineModel]).
	ModelFunc ModelFunc
	// ModelName names the model in reports; default "offline" when
	// ModelFunc is nil, else "custom".
	ModelName string
	// Embedder indexes the knowledge; nil means the offline embedder.
	// EmbedderName identifies it in the index (required with Embedder).
	Embedder     knowledge.Embedder
	EmbedderName string
	// ToolsFunc makes each scenario's tools; nil means [DefaultTools].
	ToolsFunc ToolsFunc
	// Concurrency is how many scenarios run at once; 0 means the number
	// of CPUs.
	Concurrency int
	// TempDir is where the stores are made; "" means the system's.
	TempDir string
	// Logger gets the agent's and the knowledge base's logs; nil discards
	// them.
	Logger *slog.Logger
}

// Runner runs scenarios, each in a fresh store. Make one with [NewRunner]
// and Close it. It is safe for concurrent use.
type Runner struct {
	opts     Options
	dir      string // temporary, removed by Close
	demoDB   string // the demo knowledge base, ingested once, copied per scenario
	embedder knowledge.Embedder
	embName  string
}

// NewRunner ingests the demo knowledge base once into a temporary
// database, which every scenario then starts from.
func NewRunner(ctx context.Context, opts Options) (*Runner, error) {
	r := &Runner{opts: opts, embedder: opts.Embedder, embName: opts.EmbedderName}
	if r.opts.Logger == nil {
		r.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if r.opts.Concurrency <= 0 {
		r.opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	if r.opts.ToolsFunc == nil {
		r.opts.ToolsFunc = DefaultTools
	}
	if r.opts.ModelName == "" {
		r.opts.ModelName = "custom"
		if r.opts.ModelFunc == nil {
			r.opts.ModelName = "offline"
		}
	}
	if r.opts.ModelFunc == nil {
		r.opts.ModelFunc = OfflineModel
	}
	if r.embedder == nil {
		e, err := offline.NewEmbedder(offline.EmbedderOptions{})
		if err != nil {
			return nil, fmt.Errorf("scenarios: offline embedder: %w", err)
		}
		r.embedder, r.embName = e, e.Name()
	} else if r.embName == "" {
		return nil, errors.New("scenarios: Options.Embedder needs an EmbedderName")
	}
	dir, err := os.MkdirTemp(opts.TempDir, "faro-scenarios-")
	if err != nil {
		return nil, fmt.Errorf("scenarios: temporary folder: %w", err)
	}
	r.dir = dir
	r.demoDB = filepath.Join(dir, "demo.db")
	if err := r.ingestDemo(ctx); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return r, nil
}

// ingestDemo builds the demo database file every scenario copies.
func (r *Runner) ingestDemo(ctx context.Context) error {
	db, err := sqlite.Open(ctx, r.demoDB)
	if err != nil {
		return fmt.Errorf("scenarios: open demo database: %w", err)
	}
	kb := knowledge.New(db, r.embedder, r.embName, r.opts.Logger)
	rep, err := kb.Ingest(ctx, knowledge.Source{FS: demo.Knowledge, Paths: []string{"knowledge"}}, knowledge.IngestOptions{})
	if err == nil {
		// The demo catalogue too, as serve loads it on first start.
		var courses []Course
		if courses, err = demoCourses(); err == nil {
			err = putCourses(ctx, db, courses, "demo catalogue")
		}
	}
	if err == nil {
		// And the demo subscriptions, so staff asking for the MRR see
		// the figures serve shows.
		_, err = demo.AddMissingSubscriptions(ctx, db, demo.Subscriptions)
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("scenarios: ingest the demo knowledge base, catalogue and subscriptions: %w", err)
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("scenarios: demo document %s: %s", rep.Failed[0].Source, rep.Failed[0].Reason)
	}
	return nil
}

// Close removes the temporary databases.
func (r *Runner) Close() error {
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("scenarios: remove %s: %w", r.dir, err)
	}
	return nil
}

// Run runs the scenarios, several at once, and reports on them in their
// order. A scenario that cannot run (a fixture that cannot be stored, a
// turn that fails) is a failed result with its Error, not an error of Run;
// Run's error is for ctx ending.
func (r *Runner) Run(ctx context.Context, scenarios []Scenario) (Report, error) {
	start := time.Now()
	rep := Report{Model: r.opts.ModelName, Scenarios: make([]Result, len(scenarios))}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.opts.Concurrency, len(scenarios)) {
		wg.Go(func() {
			for i := range next {
				rep.Scenarios[i] = r.RunOne(ctx, scenarios[i])
			}
		})
	}
feed:
	for i := range scenarios {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("scenarios: %w", err)
	}
	rep.summarize()
	rep.Duration = time.Since(start)
	return rep, nil
}

// RunOne runs one scenario in a fresh store.
func (r *Runner) RunOne(ctx context.Context, s Scenario) Result {
	start := time.Now()
	res := Result{Name: s.Name, File: s.File, Split: s.Split, Role: s.Role, Language: scenarioLanguage(s)}
	if err := r.run(ctx, s, &res); err != nil {
		res.Error = err.Error()
	}
	res.Passed = res.Error == "" && len(res.Turns) == len(s.Turns)
	for i, t := range res.Turns {
		if len(t.Unmet) > 0 {
			res.Passed = false
			if res.First == nil {
				res.First = &Failure{Turn: i + 1, User: t.User, Unmet: t.Unmet[0]}
			}
		}
	}
	res.Duration = time.Since(start)
	return res
}

func (r *Runner) run(ctx context.Context, s Scenario, res *Result) (err error) {
	dir, err := os.MkdirTemp(r.dir, "scenario-")
	if err != nil {
		return fmt.Errorf("temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "faro.db")
	if err := copyDatabase(r.demoDB, path); err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		if cerr := st.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()

	kb := knowledge.New(st, r.embedder, r.embName, r.opts.Logger)
	if err := addKnowledge(ctx, kb, s.Fixtures.Knowledge); err != nil {
		return err
	}
	sender, contactID, err := addContact(ctx, st, s)
	if err != nil {
		return err
	}
	if err := putCourses(ctx, st, s.Fixtures.Courses, "fixtures.courses"); err != nil {
		return err
	}
	if err := addEnrollments(ctx, st, s, contactID); err != nil {
		return err
	}
	reg, err := r.opts.ToolsFunc(st, kb, r.opts.Logger)
	if err != nil {
		return fmt.Errorf("tools: %w", err)
	}
	model, err := r.opts.ModelFunc(ctx, ModelEnv{Scenario: s, Store: st, Tools: reg, Embedder: r.embedder})
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	a, err := agent.New(agent.Options{
		Store:     st,
		Model:     model,
		Tools:     reg,
		Knowledge: kb,
		Logger:    r.opts.Logger,
		// One message a turn: no burst window to wait out.
		Limits: agent.Limits{BurstWindow: -1},
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(context.WithoutCancel(ctx)); err == nil && cerr != nil {
			err = cerr
		}
	}()

	for i, t := range s.Turns {
		obs, err := r.turn(ctx, a, st, s, sender, i, t.User)
		if err != nil {
			return fmt.Errorf("turn %d: %w", i+1, err)
		}
		res.Turns = append(res.Turns, TurnResult{User: t.User, Observed: obs, Unmet: Check(t.Expect, obs), Tools: expectedTools(t.Expect)})
	}
	return nil
}

// turn sends one message as the scenario's person and observes what
// happened.
func (r *Runner) turn(ctx context.Context, a *agent.Agent, st store.Store, s Scenario, sender store.Identity, i int, text string) (Observed, error) {
	var streamed strings.Builder
	reply, err := a.Turn(ctx, agent.Message{
		Channel:    s.Channel,
		PlatformID: fmt.Sprintf("%s-%d", sender.ExternalID, i+1),
		Sender:     sender,
		SenderName: s.Contact.Name,
		Text:       text,
		// As trusted code would, having authenticated the caller.
		Role: s.Role,
	}, func(delta string) { streamed.WriteString(delta) })
	if err != nil {
		return Observed{}, err
	}
	obs := Observed{Reply: reply.Text, Outcome: string(reply.Outcome)}
	for _, c := range reply.Tools {
		obs.Calls = append(obs.Calls, Call{Tool: c.Name, Args: c.Args, Status: string(c.Status)})
	}
	for _, c := range reply.Citations {
		obs.Citations = append(obs.Citations, Citation{Source: c.Source, Title: c.Title, Link: c.Link})
	}
	// The store, not the reply, says who has the conversation now.
	conv, err := st.Conversation(ctx, reply.ConversationID)
	if err != nil {
		return obs, fmt.Errorf("read the conversation: %w", err)
	}
	obs.HandedOff = conv.Status == store.ConversationHandedOff
	return obs, nil
}

// addKnowledge ingests the scenario's documents. A language is given to
// Markdown and text documents as front matter.
func addKnowledge(ctx context.Context, kb *knowledge.Base, docs []KnowledgeFixture) error {
	for i, d := range docs {
		text := d.Text
		if d.Language != "" && isMarkdownOrText(d.Source) && !strings.HasPrefix(text, "---\n") {
			text = "---\nlanguage: " + d.Language + "\n---\n" + text
		}
		rep, err := kb.IngestData(ctx, d.Source, []byte(text), knowledge.IngestOptions{Force: true})
		if err != nil {
			return fmt.Errorf("fixtures.knowledge[%d] (%s): %w", i, d.Source, err)
		}
		if len(rep.Failed) > 0 {
			return fmt.Errorf("fixtures.knowledge[%d] (%s): %s", i, d.Source, rep.Failed[0].Reason)
		}
	}
	return nil
}

func isMarkdownOrText(source string) bool {
	switch strings.ToLower(filepath.Ext(source)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// addContact stores what is known about the person and returns the
// identity their messages come from, and their contact id.
func addContact(ctx context.Context, st store.Store, s Scenario) (store.Identity, string, error) {
	id := store.Identity{Channel: s.Channel, ExternalID: "scenario-" + slug(s.Name)}
	c := store.Contact{
		Name:       cmp.Or(s.Contact.Name, ""),
		Email:      s.Contact.Email,
		Phone:      s.Contact.Phone,
		Language:   s.Contact.Language,
		Identities: []store.Identity{id},
	}
	// A student is a student in the store too, as enrolment would have
	// made them; staff rights come from configuration only, which the
	// forced role stands for.
	if s.Role == store.RoleStudent {
		c.Role = store.RoleStudent
	}
	stored, err := st.CreateContact(ctx, c)
	if err != nil {
		return id, "", fmt.Errorf("contact: %w", err)
	}
	return id, stored.ID, nil
}

// addEnrollments makes the person's enrolments of the fixtures: paid when
// the course is, then moved to their progress (100 completes them).
func addEnrollments(ctx context.Context, st store.Store, s Scenario, contactID string) error {
	for i, f := range s.Fixtures.Enrollments {
		at := fmt.Sprintf("fixtures.enrollments[%d] (%s)", i, f.Course)
		en, err := enrollPast(ctx, st, store.EnrollRequest{CourseSlug: f.Course, ContactID: contactID, Email: s.Contact.Email, Name: s.Contact.Name})
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		if en.Status == store.EnrollmentPendingPayment {
			if en, err = st.ConfirmPayment(ctx, en.ID, "scenario-"+slug(s.Name)); err != nil {
				return fmt.Errorf("%s: pay: %w", at, err)
			}
		}
		if f.Progress > 0 {
			if _, err := st.SetProgress(ctx, en.ID, f.Progress); err != nil {
				return fmt.Errorf("%s: progress: %w", at, err)
			}
		}
	}
	return nil
}

// enrollPast enrols as the person did when the course was taking
// enrolments: a course closed or full now (its cohort over, the person's
// certificate due; the seats taken after them) is opened for the
// enrolment and set back.
func enrollPast(ctx context.Context, st store.Store, req store.EnrollRequest) (store.Enrollment, error) {
	en, _, err := st.Enroll(ctx, req)
	if !errors.Is(err, store.ErrClosed) && !errors.Is(err, store.ErrFull) {
		return en, err
	}
	c, err := st.Course(ctx, req.CourseSlug)
	if err != nil {
		return en, err
	}
	open := c
	open.Status = store.CourseOpen
	if _, err := st.PutCourse(ctx, open); err != nil {
		return en, err
	}
	en, _, err = st.Enroll(ctx, req)
	if _, perr := st.PutCourse(ctx, c); err == nil {
		err = perr
	}
	return en, err
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}

// copyDatabase copies the demo database file (closed, so fully
// checkpointed) to dst.
func copyDatabase(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy the demo database: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("copy the demo database: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy the demo database: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy the demo database: %w", err)
	}
	return nil
}

// DefaultTools registers the tools every scenario gets: those the server
// registers, by the one function that lists them ([tools.NewDefault]),
// with the default business rules.
func DefaultTools(st store.Store, kb *knowledge.Base, log *slog.Logger) (*tools.Registry, error) {
	// Asserted rather than required of store.Store, so that the scenario
	// runner builds whichever way store.Store is composed; both backends
	// keep the business data.
	backend, ok := st.(tools.Backend)
	if !ok {
		return nil, fmt.Errorf("store %T does not keep the business data the tools need", st)
	}
	return tools.NewDefault(backend, kb, tools.DefaultConfig(), log)
}
