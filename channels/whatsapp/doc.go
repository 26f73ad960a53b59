// Package whatsapp is the WhatsApp Cloud API channel: the platform's wire
// format on the channel runtime (package relay), in plain net/http.
//
// Inbound, [Webhook] serves the callback URL registered in Meta's developer
// console. GET is the verification handshake (hub.mode, hub.verify_token
// compared in constant time, hub.challenge echoed). Every POST must carry
// X-Hub-Signature-256, the HMAC-SHA256 of the raw body under the app
// secret, checked in constant time before anything is parsed or stored;
// a missing or wrong one is 401. A notification may batch several
// entries, each with messages and statuses: text, button and list replies
// become relay.Inbound values with the wamid as their platform id (a
// re-delivery, which Meta makes for up to 7 days after any non-200
// answer, is recognised by it); media, locations and the like are
// answered with a short note that only text is read for now; statuses
// (sent, delivered, read, failed) are recorded on the message Faro sent.
// The webhook answers 200 once every message is accepted: the model never
// runs in the acknowledgement path.
//
// Outbound, [Adapter] renders the agent's Markdown in WhatsApp's markup
// (*bold*, _italic_, ~strike~, ```mono```, links as "text (url)",
// citations as numbered sources), sends it in parts of at most 4096
// characters, shows the typing indicator while a turn runs, and keeps
// WhatsApp's rules: throttling, which WhatsApp reports as HTTP 400 with
// codes 130429, 131056 or 80007 and no Retry-After, is retried after a
// doubling backoff; the 24-hour customer-service window, outside which
// only an approved template may be sent, is known from the stored
// messages and from error 131047, whether the send answers it or a failed
// status reports it later, and the configured template goes instead or
// the reply is recorded as not sent, with the reason.
//
// A sender's wa_id is a phone number WhatsApp verified: [Linker] gives it
// to the existing contact with that phone, the "same phone" confirmation
// of identity; nothing typed in a chat links contacts.
package whatsapp
