package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// chatChannels are the channels `faro chat` may pretend to be.
var chatChannels = []string{"web", "telegram", "whatsapp", "slack", "discord", "mattermost", "api"}

func runChat(ctx context.Context, env *environment, args []string) error {
	return chat(ctx, env, os.Stdin, args)
}

// chat is `faro chat`: a conversation with the agent in the terminal, as a
// chosen role and contact, on the configured store with the demo
// knowledge base loaded when it is empty. It reads one message a line
// from in and shows the reply as it streams, then the tool calls and
// citations of the turn. /reset starts a new conversation, /quit (or the
// end of the input) leaves.
func chat(ctx context.Context, env *environment, in io.Reader, args []string) error {
	fs, cfgPath := newFlagSet(env, "chat")
	role := fs.String("role", string(store.RoleProspect), "who you are: prospect, student or staff (decided here, as configuration would)")
	name := fs.String("name", "", "your name, as the contact knows it")
	email := fs.String("email", "", "your e-mail, as the contact knows it")
	channel := fs.String("channel", "web", "the channel the messages come from: "+strings.Join(chatChannels, ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return &usageError{fmt.Sprintf("faro chat: unexpected argument %q", fs.Arg(0))}
	case !store.Role(*role).Valid():
		return &usageError{fmt.Sprintf("faro chat: --role %q is not prospect, student or staff", *role)}
	case !slices.Contains(chatChannels, *channel):
		return &usageError{fmt.Sprintf("faro chat: --channel %q is not one of %s", *channel, strings.Join(chatChannels, ", "))}
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	// Info lines (store opened, a tool called) would interleave with the
	// conversation on the terminal: the chat logs warnings and errors,
	// unless debug is asked for.
	logCfg := cfg
	if logCfg.LogLevel == "info" {
		logCfg.LogLevel = "warn"
	}
	log := newLogger(logCfg, env)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	loadDemoKnowledge(ctx, cfg, st, log)
	loadDemoCatalog(ctx, st, log)
	loadDemoSubscriptions(ctx, st, log)

	kb, err := cfg.newKnowledgeBase(st, log)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	// Document links signed as `faro serve` signs them (FARO_WIDGET_SECRET
	// or the one generated into the data directory), so they open there.
	secret, err := widgetSecret(cfg)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	docs, err := newDocuments(cfg, secret)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	reg, err := agentToolsWith(st, kb, log, nil, docs, cfg.Location())
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	// The model as the server builds it.
	model, err := newModel(cfg, st, reg, log)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	a, err := agent.New(agent.Options{
		Store: st, Model: model, Tools: reg, Knowledge: kb, Logger: log,
		Instructions: cfg.Instructions.All, Persona: cfg.Persona(),
		// One line is one message: nothing to wait for.
		Limits: agent.Limits{BurstWindow: -1},
	})
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	defer a.Close(context.WithoutCancel(ctx))

	sender, err := chatContact(ctx, st, *channel, store.Role(*role), *name, *email)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	s := &chatSession{
		env: env, agent: a, channel: *channel, sender: sender, role: store.Role(*role),
		name: *name, chatID: newChatID(),
	}
	who := *role
	if *name != "" || *email != "" {
		who += " " + strings.TrimSpace(*name+" <"+*email+">")
		who = strings.ReplaceAll(who, " <>", "")
	}
	fmt.Fprintf(env.stdout, "Faro chat as %s on %s; model %s. /reset starts a new conversation, /quit leaves.\n", who, *channel, modelName(cfg))
	return s.loop(ctx, in)
}

// chatSession is one terminal conversation.
type chatSession struct {
	env     *environment
	agent   *agent.Agent
	channel string
	sender  store.Identity
	role    store.Role
	name    string
	chatID  string // the conversation; /reset makes a new one
	seq     int
}

// loop reads lines until /quit, the end of the input or ctx ending. Lines
// are read in their own goroutine so that an interrupt is not held up by
// a read that waits for the terminal.
func (s *chatSession) loop(ctx context.Context, in io.Reader) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReader(in)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				readErr <- err
				return
			}
		}
	}()
	out := s.env.stdout
	for {
		fmt.Fprint(out, "\nyou> ")
		var line string
		select {
		case <-ctx.Done():
			fmt.Fprintln(out)
			return nil
		case err := <-readErr:
			fmt.Fprintln(out)
			if err != nil {
				return fmt.Errorf("chat: read: %w", err)
			}
			return nil
		case line = <-lines:
		}
		text := strings.TrimSpace(line)
		switch strings.ToLower(text) {
		case "":
			continue
		case "/quit", "/exit":
			return nil
		case "/reset":
			s.chatID = newChatID()
			fmt.Fprintln(out, "(new conversation)")
			continue
		case "/help":
			fmt.Fprintln(out, "Type a message and press Enter. /reset starts a new conversation, /quit leaves.")
			continue
		}
		if err := s.turn(ctx, text); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fmt.Fprintf(out, "(error: %v)\n", err)
		}
	}
}

// turn sends one message and shows the reply as it streams, then its tool
// calls and citations.
func (s *chatSession) turn(ctx context.Context, text string) error {
	out := s.env.stdout
	s.seq++
	fmt.Fprint(out, "faro> ")
	var streamed strings.Builder
	reply, err := s.agent.Turn(ctx, agent.Message{
		Channel:    s.channel,
		PlatformID: fmt.Sprintf("%s-%d", s.chatID, s.seq),
		ChatID:     s.chatID,
		Sender:     s.sender,
		SenderName: s.name,
		Text:       text,
		// The person at the terminal chose the role: trusted, like an API
		// key carrying one.
		Role: s.role,
	}, func(delta string) {
		streamed.WriteString(delta)
		fmt.Fprint(out, delta)
	})
	if err != nil {
		if streamed.Len() > 0 {
			fmt.Fprintln(out)
		}
		return err
	}
	// Reply.Text is final: it may differ from what streamed (citation
	// markers checked, a canned reply after a limit). Show it when it does.
	switch final := strings.TrimSpace(reply.Text); {
	case reply.Outcome == agent.OutcomeHandedOff:
		fmt.Fprintln(out, "(a person from the team has this conversation now; the bot stays quiet. /reset starts a new one)")
	case strings.TrimSpace(streamed.String()) == final:
		fmt.Fprintln(out)
	case streamed.Len() == 0:
		fmt.Fprintln(out, final)
	default:
		fmt.Fprintf(out, "\n  (final) %s\n", final)
	}
	for _, c := range reply.Tools {
		args := oneLine(string(c.Args))
		if args == "" {
			args = "{}"
		}
		fmt.Fprintf(out, "  tool %s %s → %s\n", c.Name, args, c.Status)
	}
	for _, c := range reply.Citations {
		fmt.Fprintf(out, "  [%s] %s", c.Ref, c.Title)
		if c.Title == "" {
			fmt.Fprint(out, c.Source)
		} else {
			fmt.Fprintf(out, " — %s", c.Source)
		}
		if c.Link != "" && c.Link != c.Source {
			fmt.Fprintf(out, " (%s)", c.Link)
		}
		fmt.Fprintln(out)
	}
	if reply.Handoff && reply.Outcome != agent.OutcomeHandedOff {
		fmt.Fprintln(out, "  (handed to a person)")
	}
	return nil
}

// chatContact finds or stores the contact the terminal speaks as and
// returns the identity its messages come from: one per e-mail (or name),
// so that a later `faro chat` with the same flags is the same person. A
// chat with neither is a new guest each time: anonymous people sharing one
// contact would share its leads, tickets and enrolments.
func chatContact(ctx context.Context, st store.Store, channel string, role store.Role, name, email string) (store.Identity, error) {
	who := strings.ToLower(strings.TrimSpace(email))
	if who == "" {
		who = strings.ToLower(strings.Join(strings.Fields(name), "-"))
	}
	if who == "" {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		who = "guest-" + hex.EncodeToString(b[:])
	}
	id := store.Identity{Channel: channel, ExternalID: "terminal:" + who}
	c, err := st.ContactByIdentity(ctx, id)
	switch {
	case err == nil:
		return id, nil
	case !errors.Is(err, store.ErrNotFound):
		return id, fmt.Errorf("find contact: %w", err)
	}
	c = store.Contact{Name: name, Email: email, Identities: []store.Identity{id}}
	if role == store.RoleStudent {
		c.Role = store.RoleStudent
	}
	if _, err = st.CreateContact(ctx, c); errors.Is(err, store.ErrConflict) && email != "" {
		// The e-mail belongs to a contact already: speak as them.
		var known store.Contact
		if known, err = st.ContactByEmail(ctx, email); err == nil {
			err = st.LinkIdentity(ctx, known.ID, id)
		}
	}
	if err != nil {
		return id, fmt.Errorf("store contact: %w", err)
	}
	return id, nil
}

func newChatID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "terminal-" + time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// agentTools registers the tools the agent offers, by the one function
// that lists them (tools.NewDefault, which scenario.DefaultTools calls
// too): `faro serve`, `faro chat` and `faro eval conversations` use it.
func agentTools(st store.Store, kb *knowledge.Base, log *slog.Logger) (*tools.Registry, error) {
	return agentToolsWith(st, kb, log, nil, tools.DefaultDocumentConfig(), time.UTC)
}

// agentToolsWith is agentTools with the website's engagement signals for
// qualify_lead (nil: only what the model passes) and the templates and
// link signer of generate_document (the server's, so that its links open),
// and the time zone of report_kpis' periods.
func agentToolsWith(st store.Store, kb *knowledge.Base, log *slog.Logger, signals tools.SignalSource, docs tools.DocumentConfig, loc *time.Location) (*tools.Registry, error) {
	// Asserted rather than required of store.Store, so this builds
	// whichever way store.Store is composed; both backends keep the
	// business data.
	backend, ok := st.(tools.Backend)
	if !ok {
		return nil, fmt.Errorf("tools: store %T does not keep the business data the tools need", st)
	}
	cfg := tools.DefaultConfig()
	cfg.Signals = signals
	cfg.Documents = docs
	cfg.KPILocation = loc
	reg, err := tools.NewDefault(backend, kb, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("tools: %w", err)
	}
	return reg, nil
}

// modelName names the configured model for people: "openai:gpt-4o-mini".
func modelName(cfg Config) string {
	if !cfg.LLMConfig().Remote() {
		return "offline"
	}
	if cfg.LLMModel == "" {
		return cfg.LLM
	}
	return cfg.LLM + ":" + cfg.LLMModel
}
