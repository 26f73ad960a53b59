package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// turnWorker runs turn jobs: the agent's turn, then the reply's first
// delivery job.
type turnWorker struct {
	river.WorkerDefaults[turnArgs]
	r *Runtime
}

func (w *turnWorker) Timeout(*river.Job[turnArgs]) time.Duration { return w.r.opts.TurnTimeout }

func (w *turnWorker) Work(ctx context.Context, job *river.Job[turnArgs]) error {
	r, in := w.r, job.Args.In
	log := r.log.With("channel", in.Channel, "platform_id", in.PlatformID, "attempt", job.Attempt)
	a := r.adapter(in.Channel)
	if a == nil {
		// Accepted by a server with the channel on; this one has it off.
		// Snooze rather than fail: a server with it on (or this one,
		// reconfigured) answers it.
		log.Warn("a message of a channel that is off here: waiting for a server that has it")
		return river.JobSnooze(time.Minute)
	}
	show := r.showWork(ctx, a, in)
	reply, err := r.opts.Agent.Turn(ctx, in.Message, show.stream)
	previewID := show.stop()
	if errors.Is(err, agent.ErrInvalidMessage) {
		log.Warn("message not answered: invalid", "err", err)
		return river.JobCancel(err)
	}
	if err != nil {
		if job.Attempt >= job.MaxAttempts {
			log.Error("message not answered: the turn failed every time", "conversation_id", reply.ConversationID, "err", err)
		}
		return fmt.Errorf("turn: %w", err)
	}
	log = log.With("conversation_id", reply.ConversationID)
	switch {
	case reply.Folded:
		// Answered, with newer messages of the burst, by the newest's job.
		log.Debug("message folded into a later turn")
		return nil
	case reply.MessageID == "" || reply.Text == "":
		log.Info("no reply to send", "outcome", string(reply.Outcome))
		return nil
	}
	max, count := a.Limit()
	parts := Split(a.Render(reply), max, count)
	if len(parts) == 0 {
		return nil
	}
	out := Outbound{
		Channel: in.Channel, ConversationID: reply.ConversationID, MessageID: reply.MessageID, Address: in.Address,
		Part: 1, Parts: len(parts), Text: parts[0], Language: reply.Language, LastInbound: in.ReceivedAt,
		Documents: reply.Documents, PreviewID: previewID,
	}
	if err := r.q.insertDelivery(ctx, deliverArgs{Out: out, Rest: parts[1:], Key: deliverKey(reply.MessageID, 1)}); err != nil {
		return fmt.Errorf("queue the reply's delivery: %w", err)
	}
	log.Info("reply queued", "message_id", reply.MessageID, "parts", len(parts), "duplicate", reply.Duplicate)
	return nil
}

// deliverWorker runs delivery jobs: one part to its platform.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	r *Runtime
}

func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	// The adapter's call has DeliverTimeout; recording the outcome and
	// queueing the next part get a little more.
	return w.r.opts.DeliverTimeout + 10*time.Second
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	r, out := w.r, job.Args.Out
	out.Attempt = job.Attempt
	log := r.log.With("channel", out.Channel, "conversation_id", out.ConversationID, "message_id", out.MessageID,
		"part", out.Part, "attempt", job.Attempt)
	a := r.adapter(out.Channel)
	if a == nil {
		log.Warn("a reply for a channel that is off here: waiting for a server that has it")
		return river.JobSnooze(time.Minute)
	}
	if err := r.orderedWork(ctx, job.Args); err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, r.opts.DeliverTimeout)
	id, err := a.Deliver(dctx, out)
	cancel()
	d := store.Delivery{MessageID: out.MessageID, Part: out.Part, Channel: out.Channel, Attempts: job.Attempt}
	if err == nil {
		d.Status, d.PlatformMessageID = store.DeliverySent, id
		r.record(ctx, log, d)
		r.observe(DeliveryEvent{Channel: out.Channel, Status: store.DeliverySent, Attempts: job.Attempt})
		return w.next(ctx, job)
	}
	d.Detail = err.Error()
	if after, ok := retryAfterOf(err); ok {
		// The platform said when; waiting is not a failed attempt.
		log.Info("the platform asks to wait", "retry_after", after.String())
		d.Status = store.DeliveryPending
		r.record(ctx, log, d)
		r.observe(DeliveryEvent{Channel: out.Channel, Status: store.DeliveryPending, Attempts: job.Attempt, Reason: "retry_after", Err: err})
		return river.JobSnooze(after)
	}
	reason := ""
	switch {
	case isPermanent(err):
		reason = "permanent"
	case job.Attempt >= job.MaxAttempts:
		reason = "attempts"
	}
	if reason == "" {
		log.Info("delivery failed: retrying", "err", err)
		d.Status = store.DeliveryPending
		r.record(ctx, log, d)
		r.observe(DeliveryEvent{Channel: out.Channel, Status: store.DeliveryPending, Attempts: job.Attempt, Reason: "transient", Err: err})
		return err
	}
	log.Error("reply part not delivered: given up", "reason", reason, "err", err)
	d.Status = store.DeliveryFailed
	r.record(ctx, log, d)
	r.observe(DeliveryEvent{Channel: out.Channel, Status: store.DeliveryFailed, Attempts: job.Attempt, Reason: reason, Err: err})
	if nerr := w.next(ctx, job); nerr != nil {
		return nerr
	}
	return river.JobCancel(err)
}

// next queues the part after the job's, if any.
func (w *deliverWorker) next(ctx context.Context, job *river.Job[deliverArgs]) error {
	a := job.Args
	if len(a.Rest) == 0 {
		return nil
	}
	out := a.Out
	out.Part++
	out.Text = a.Rest[0]
	out.Documents, out.PreviewID = nil, ""
	if err := w.r.q.insertDelivery(ctx, deliverArgs{Out: out, Rest: a.Rest[1:], Key: deliverKey(out.MessageID, out.Part)}); err != nil {
		return fmt.Errorf("queue part %d: %w", out.Part, err)
	}
	return nil
}

// record stores how a part fared; a failure to is logged, not retried:
// the delivery job's own state is the truth for what is left to send.
func (r *Runtime) record(ctx context.Context, log interface{ Error(string, ...any) }, d store.Delivery) {
	if _, err := r.opts.Store.RecordDelivery(context.WithoutCancel(ctx), d); err != nil {
		log.Error("delivery outcome not recorded", "status", string(d.Status), "err", err)
	}
}

// work shows on the platform that a turn is running: the typing indicator
// and the streamed preview, as the adapter offers them.
type work struct {
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu      sync.Mutex
	text    []byte
	changed chan struct{}
	id      string // the preview's
}

// showWork starts the typing and preview loops of a turn; stop ends them.
func (r *Runtime) showWork(ctx context.Context, a Adapter, in Inbound) *work {
	ctx, cancel := context.WithCancel(ctx)
	w := &work{cancel: cancel, changed: make(chan struct{}, 1)}
	if t, ok := a.(Typer); ok {
		w.done.Go(func() { r.typing(ctx, t, in) })
	}
	if p, ok := a.(Previewer); ok {
		w.done.Go(func() { r.preview(ctx, p, in, w) })
	}
	return w
}

// stream is the turn's stream func: it never blocks the model.
func (w *work) stream(delta string) {
	w.mu.Lock()
	w.text = append(w.text, delta...)
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// stop ends the loops and returns the preview's id, if one was posted.
func (w *work) stop() string {
	w.cancel()
	w.done.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.id
}

func (r *Runtime) typing(ctx context.Context, t Typer, in Inbound) {
	every := t.TypingEvery()
	if every <= 0 {
		every = 4 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if err := t.Typing(ctx, in); err != nil && ctx.Err() == nil {
			r.log.Debug("typing indicator not shown", "channel", in.Channel, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (r *Runtime) preview(ctx context.Context, p Previewer, in Inbound, w *work) {
	every := p.PreviewEvery()
	if every <= 0 {
		every = time.Second
	}
	var last time.Time
	sent := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.changed:
		}
		if wait := every - time.Since(last); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		w.mu.Lock()
		text, id := string(w.text), w.id
		w.mu.Unlock()
		if text == sent {
			continue
		}
		last = time.Now()
		newID, err := p.Preview(ctx, in, id, text)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Debug("preview not shown", "channel", in.Channel, "err", err)
			}
			continue
		}
		sent = text
		w.mu.Lock()
		w.id = newID
		w.mu.Unlock()
	}
}
