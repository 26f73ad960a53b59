// Package relay relays a verified platform message to the agent, and the
// agent's reply back to the platform, durably: the channel runtime every
// messaging adapter (Telegram, WhatsApp, Slack, and the next ones) shares,
// so that an adapter is only its platform's wire format.
//
// The life of a message:
//
//  1. The adapter's webhook (or poller) verifies the platform's signature,
//     parses the event into an [Inbound] and calls [Runtime.Accept] in its
//     acknowledgement path. Accept stores a turn job, unique per
//     (Channel, PlatformID) for the dedupe window ([Options.DedupeTTL]),
//     and returns: the model never runs in the ack path.
//  2. A worker runs the turn job: it calls agent.Turn (which persists the
//     message first and answers a re-delivery from the store), shows the
//     platform's typing indicator ([Typer]) or a streamed preview
//     ([Previewer]) meanwhile, renders the reply ([Adapter.Render]), splits
//     it at the platform's limit ([Split]) and stores one delivery job per
//     part, unique per stored reply and part.
//  3. A worker runs each delivery job: [Adapter.Deliver]. A [RetryAfter]
//     error snoozes the job for the platform's delay, a [Permanent] error
//     records the failure on the stored message at once, any other error is
//     retried with exponential backoff and jitter up to
//     [Options.MaxAttempts], then recorded as failed. Every outcome is
//     recorded on the stored reply (store.Delivery) and counted
//     ([Options.OnDeliveryFunc], /metrics).
//
// Jobs live in the database, on River (riversqlite for the embedded store,
// in a file of their own beside it so its writer never waits on the
// store's; riverpgxv5 in the PostgreSQL database, polled, because
// LISTEN/NOTIFY is not everywhere): a process killed at any point resumes
// its jobs when a server starts again, and a turn re-run after a crash gets
// the reply already stored, so a person gets exactly one answer per
// message.
package relay
