// Package telegram is Faro's Telegram channel: the Bot API's wire format
// on the channel runtime ([github.com/faroai/faro/channels/relay]).
//
// Inbound, by webhook ([Adapter.ServeHTTP]: the X-Telegram-Bot-Api-Secret-Token
// header checked in constant time, 401 and nothing stored when it is wrong
// or missing) or by long polling ([Adapter.Poll], getUpdates, for a bot
// without a public URL). Either way an update is acknowledged to Telegram
// only after the runtime has stored it as a job: the webhook answers 200
// after Accept returns, the poller confirms an offset only after every
// update before it is accepted. go-telegram/bot's own webhook handler and
// poller are not used for that reason: the first answers 200 to a wrong
// secret and before any handler ran, the second confirms updates before
// its handlers run.
//
// update_id is the platform id; private chats are answered always, groups
// when the bot is mentioned or replied to. /start greets in the user's
// language (Telegram's language_code).
//
// Outbound, with go-telegram/bot: sendMessage in HTML parse mode, the
// agent's Markdown converted and everything else escaped, at most 4096
// UTF-16 units a message; sendChatAction typing every 4 s while the turn
// runs; generated documents with sendDocument, or as a link when Telegram
// cannot fetch the file. A 429's retry_after is honoured; a 400 for
// markup Telegram cannot parse is retried once as plain text.
package telegram
