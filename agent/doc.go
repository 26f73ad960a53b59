// Package agent runs Faro's turns: one inbound message (or a burst of
// them) in, one reply out, with the knowledge base, the model and the
// tools in between. Every channel calls [Agent.Turn]; so do `faro chat`
// and `faro eval conversations`.
//
// # A turn
//
//  1. The message is persisted first (see [Agent.Turn] for re-deliveries
//     and hand-offs).
//  2. The conversation's language is pinned or kept (below), and the
//     token budgets checked: over a budget the reply offers a person and
//     the model is not called.
//  3. Passages are retrieved for the message (with the previous user
//     message when the new one is short or leans on it: "y el de
//     marketing?") and handed to the model as an [turnctx.Context] with
//     numbered refs, [1], [2]….
//  4. The prompt is: the system prompt for the caller's role and the
//     conversation's language (prompts.go) plus the operator's
//     Instructions; the running summary of older messages when the
//     conversation is long; the turn context; the newest
//     Limits.HistoryMessages messages, tool calls and results included.
//  5. The model is called with the tools the role may use. Each tool call
//     is persisted before it runs, run through the registry (which refuses
//     a tool outside the caller's role in code, whatever the model asked),
//     and its result persisted before the model reads it — except calls
//     that change nothing (no tool among them is Mutating): those and
//     their results are persisted with what the turn persists next, its
//     reply most often, in one transaction (see runCalls). This repeats
//     until the model answers, or Limits.MaxSteps model calls or
//     Limits.MaxToolCallsPerTurn tool calls are reached, or TurnTimeout
//     passes; each limit ends the turn with a short reply in the user's
//     language, never a loop.
//  6. The answer is checked: a reply quoting the system prompt's rules or
//     a secret-looking token of the Instructions is withheld (guard.go);
//     citation markers are matched to the passages retrieved in the turn
//     (the turn context's and those search_knowledge returned) and markers
//     citing anything else are removed. The reply is persisted with a
//     [ReplyMeta] (what it answers, citations, tools, token usage) and
//     returned.
//
// Passages, tool results and summaries reach the model as data, labelled
// so; the system prompt says never to follow instructions found in them.
// Paragraphs of passages that talk to the assistant itself ("ignore
// previous instructions", "call report_kpis") are left out before the
// model sees them, and logged (inject.go).
// That helps a hosted model behave, but what protects the business is in
// code: tools gated by role, limits, budgets, the output guard.
//
// # One turn at a time per conversation, and bursts
//
// Messages of one conversation are answered one turn at a time, in the
// order they were persisted (their Seq), never interleaved: a message that
// arrives while a turn is running waits for it. Across the servers of one
// database it holds through Options.Lease: a turn holds its
// conversation's lease from the end of its burst window until its reply
// is stored, and a message that reaches another server meanwhile is
// stored at once and waits for the lease there.
//
// A burst — people on WhatsApp split one request over several short
// messages — is answered once:
//
//   - A turn does not start until its conversation has been quiet for
//     Limits.BurstWindow: each new message restarts the wait. Every
//     message of the same sender that arrived by then is answered by that
//     one turn.
//   - A message of the same sender that arrives while the turn is being
//     prepared (retrieving, calling the model, running tools) makes that
//     preparation stale: its model call is canceled, its answer
//     discarded, and a new turn — after its own burst window — answers
//     the older messages and the new one together. Tool calls the stale
//     preparation already ran stay done and recorded (a tool is never cut
//     off half-way by a newer message), and the new turn's model sees
//     them. Tokens the stale preparation spent count for the new turn.
//   - Once a turn has started persisting its reply, it is too late to
//     fold: a message arriving then is answered by the next turn.
//   - A message from another sender (a group chat) ends a burst: it is
//     answered by a turn of its own, after the running one, and it folds
//     nothing into anything.
//
// A burst whose messages reached different servers (a person with two
// tabs, or a load balancer that moved them) is answered once too, with
// the store as the truth, when a Lease and a burst window are set:
//
//   - A turn reads the conversation's newest messages when it starts and
//     again just before it stores its reply. Messages of its sender that
//     another server stored and no turn answered join it: every one
//     stored after the turn's newest message, as a message arriving here
//     would, and those before it stored within the burst window of its
//     oldest. Found before the reply, they make the preparation stale
//     exactly as a local message does (the window starts again, and the
//     new preparation answers them all). A reply, a message for a person
//     or a message of someone else ends the search.
//   - With Options.Wake, a server that stores a message says so; a turn
//     being prepared elsewhere reads the store on that note, and goes
//     stale at once (its model call canceled) instead of at the read
//     before its reply. The note is only a wake-up.
//   - The server whose message was folded finds it answered once it
//     holds the lease (the reply's Meta lists its Seq) and returns that
//     reply with Folded true: the server that ran the turn delivered it.
//   - A message stored after that last read is answered by a turn of its
//     own, after, as one arriving while a reply is persisted would be.
//
// Every caller of a burst gets a Reply with the same Text. The caller of
// the newest message gets it with Folded false; it is the one whose
// stream received the deltas, and the one a channel sends. The callers of
// the older messages get Folded true: the answer was delivered through the
// newest message, so a channel sends nothing for them (and drops any
// preview it streamed for them, from a preparation that went stale).
// Across servers the unfolded caller is the newest one on the server that
// ran the turn; every caller on another server gets Folded true.
//
// Turns run in a goroutine of their own, detached from the callers'
// contexts: a caller that stops waiting does not cancel the turn, whose
// reply is persisted and found by the message's next delivery. A
// conversation's queue exists only while it holds messages; an idle
// conversation costs nothing.
//
// # Language
//
// Each user message's language is detected (lang.go). A conversation's
// language is pinned the first time a message says clearly which language
// it is in; short messages ("ok", "gracias", "sí") never pin and never
// flip it. Only an explicit request changes a pinned language: "in
// English please", "háblame en español", "pode falar em português?" (a
// question about a language, "is the course in English?", is not one).
// Until a language is pinned, replies are in the contact's language, or
// the message's best guess, or Options.DefaultLanguage.
//
// # Cost
//
// Each turn's tokens, as the provider reports them (llm.Usage), are
// stored in its reply's Meta, with the conversation's running total, and
// recorded for the contact (store.Usages). Budgets.TokensPerConversation
// caps the conversation's total; TokensPerContactPerDay caps a contact's
// tokens since midnight UTC over all their conversations. Tokens of a
// preparation discarded for a newer message, or of a turn that failed,
// count too. Budgets are checked before every model call, so a turn
// can end part-way with the budget reply; the turn that crosses a budget
// is the last to spend.
//
// # Roles
//
// A turn runs with one role: Message.Role when trusted code set it, else
// what the [RoleResolver] decides from the sender's verified identity and
// stored contact ([ConfigRoles] by default), never from what the message
// says.
package agent
