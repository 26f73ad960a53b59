package slack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// kindCommand is the incoming.Kind of a slash command.
const kindCommand = "command"

// serveCommand is the slash command's request URL (/faro <question>):
// verified like an event, acknowledged at once with an ephemeral note to
// its author, answered in the channel by the runtime like any message.
//
// The answer goes through the runtime and chat.postMessage rather than
// the command's response_url: that way it is a durable delivery job like
// every other reply (retried, split, rate limits respected, recorded),
// where response_url expires after 30 minutes and five uses. The cost:
// the bot must be able to post in the channel (a member of it, or the DM
// with the bot); where it cannot, the failure is recorded on the reply.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, err := readVerified(r, a.secret, a.maxBody)
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "unreadable command", http.StatusBadRequest)
		return
	}
	cmd, user, channel := form.Get("command"), form.Get("user_id"), form.Get("channel_id")
	question := plainText(form.Get("text"), a.BotUser())
	switch {
	case cmd != a.command:
		ephemeral(w, "This app answers "+a.command+".")
		return
	case user == "" || channel == "":
		http.Error(w, "command without user_id or channel_id", http.StatusBadRequest)
		return
	case question == "":
		ephemeral(w, a.command+" <pregunta | question>")
		return
	}
	if answer, ok := a.staffCommand(r, channel, user, question, form.Get("trigger_id")); ok {
		ephemeral(w, answer)
		return
	}
	id := form.Get("trigger_id")
	if id == "" {
		// Slack always sends one; without it, who and when.
		id = user + "-" + form.Get("team_id") + "-" + r.Header.Get("X-Slack-Request-Timestamp")
	}
	m := &incoming{EventID: id, Kind: kindCommand, Team: form.Get("team_id"), Channel: channel,
		IM: strings.HasPrefix(channel, "D"), User: user, Text: question, At: time.Now()}
	addr := address{Channel: channel, User: user, EventID: id, Command: cmd + " " + question}
	if u := form.Get("response_url"); strings.HasPrefix(u, a.hooks) {
		addr.ResponseURL = u
	}
	// A command in a channel is the author's conversation there; in the
	// DM with the bot, the DM's.
	chat := channel + "/" + user
	if m.IM {
		chat = channel
	}
	if err := a.accept(r, m, chat, "cmd/"+id, addr); err != nil {
		ephemeral(w, ":warning: "+escapeText(a.command)+": try again in a moment / inténtalo de nuevo en un momento.")
		return
	}
	ephemeral(w, ":hourglass_flowing_sand: "+escapeText(addr.Command))
}

// ephemeral answers a slash command with a message only its author sees.
func ephemeral(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": text})
}
