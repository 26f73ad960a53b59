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
//
// Adding a channel (channels/telegram is the example to copy):
//
//   - A package channels/<name> with the platform's wire format only: an
//     http.Handler that verifies the signature (constant time; 401 and
//     nothing read on failure), parses the event into an Inbound (the
//     platform's message id as PlatformID, what a reply needs as Address)
//     and calls Accept before answering 2xx; an Adapter (Render, Limit,
//     Deliver mapping the platform's errors to RetryAfter and Permanent),
//     Typer or Previewer where the platform has them; Runtime.Status for
//     the platform's delivery reports.
//   - channels/<name>/<name>test: a local server of the platform's API on
//     127.0.0.1, reached through the client's base-URL option, with real
//     response shapes and errors, and signed webhook posts.
//   - cmd/faro/channel_<name>.go: its config type, FARO_<NAME>_* settings,
//     validation and build (webhook under /webhooks/<name>), listed once
//     in cmd/faro/channels.go. End-to-end tests build Main with
//     Main.EditRelay shortening the backoffs, on SQLite and PGlite.
//   - Fuzz targets for the parser and the signature check, listed in
//     scripts/test; BenchmarkInbound on the embedded store with a runtime
//     of Workers -1 (accept only).
package relay
