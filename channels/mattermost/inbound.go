package mattermost

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/channels/mattermost/mmapi"
)

// postedData is a posted event's data. Mattermost sends the post, and the
// list of mentioned user ids, as JSON strings inside the JSON.
type postedData struct {
	Post        string `json:"post"`
	ChannelType string `json:"channel_type"`
	SenderName  string `json:"sender_name"`
	Mentions    string `json:"mentions"`
}

// errBadEvent is a posted event that cannot be read.
var errBadEvent = errors.New("mattermost: not a posted event")

// parsePosted reads a posted event's data. It returns the person's post,
// or nil and why it is ignored (the bot's own post, another bot's or an
// integration's, a system post, no text), or an error for data that is
// not a posted event. botID and botUsername are the bot's, whose mention
// is removed from the text and makes Mentioned.
func parsePosted(data []byte, botID, botUsername string) (*Post, string, error) {
	var d postedData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, "", fmt.Errorf("%w: %w", errBadEvent, err)
	}
	if d.Post == "" {
		return nil, "", fmt.Errorf("%w: no post", errBadEvent)
	}
	var p mmapi.Post
	if err := json.Unmarshal([]byte(d.Post), &p); err != nil {
		return nil, "", fmt.Errorf("%w: post: %w", errBadEvent, err)
	}
	if p.ID == "" || p.ChannelID == "" {
		return nil, "", fmt.Errorf("%w: a post without id or channel_id", errBadEvent)
	}
	var mentions []string
	if d.Mentions != "" {
		// Unreadable mentions are no mention; the text may still have one.
		_ = json.Unmarshal([]byte(d.Mentions), &mentions)
	}
	out, ignored := personPost(p, d.ChannelType, strings.TrimPrefix(d.SenderName, "@"), botID, botUsername)
	if out != nil && botID != "" && slices.Contains(mentions, botID) {
		out.Mentioned = true
	}
	return out, ignored, nil
}

// personPost is p as a person's post, or nil and why it is not one (the
// bot's own post, another bot's or an integration's, a system post, no
// text). Mentioned is set for a direct message and a text that names the
// bot; the posted event's mention list adds to it.
func personPost(p mmapi.Post, channelType, userName, botID, botUsername string) (*Post, string) {
	switch {
	case p.Type != "":
		// system_join_channel, system_header_change…, and plugins' custom
		// types: nothing a person asked.
		return nil, "type " + p.Type
	case p.UserID == "" || (botID != "" && p.UserID == botID):
		return nil, "own post"
	case propTrue(p.Props, "from_bot"):
		return nil, "another bot's post"
	case propTrue(p.Props, "from_webhook"):
		return nil, "an integration's post"
	case p.DeleteAt > 0:
		return nil, "deleted"
	}
	text, named := plainText(p.Message, botUsername)
	if text == "" {
		return nil, "no text"
	}
	out := &Post{
		ID: p.ID, ChannelID: p.ChannelID, ChannelType: channelType, RootID: p.RootID, UserID: p.UserID,
		UserName: userName, Text: text, At: p.Created(), Mentioned: channelType == mmapi.ChannelDirect || named,
	}
	if out.At.IsZero() {
		out.At = time.Now().UTC()
	}
	return out, ""
}

// postCreateAt is when a posted event's post was made, in the server's
// milliseconds; 0 when the data is not readable.
func postCreateAt(data []byte) int64 {
	var d postedData
	if json.Unmarshal(data, &d) != nil {
		return 0
	}
	var p struct {
		CreateAt int64 `json:"create_at"`
	}
	if json.Unmarshal([]byte(d.Post), &p) != nil {
		return 0
	}
	return p.CreateAt
}

// propTrue reports whether props[key] is true or "true" (Mattermost
// stores these flags as strings).
func propTrue(props map[string]any, key string) bool {
	switch v := props[key].(type) {
	case string:
		return v == "true"
	case bool:
		return v
	}
	return false
}

// plainText is a message as the person meant it for the bot: its
// @username mentions of the bot removed (named reports there was one) and
// whitespace collapsed.
func plainText(s, botUsername string) (text string, named bool) {
	if botUsername != "" {
		var b strings.Builder
		mention := "@" + strings.ToLower(botUsername)
		for {
			i := indexFold(s, mention)
			if i < 0 {
				b.WriteString(s)
				break
			}
			end := i + len(mention)
			if mentionStart(s, i) && mentionEnd(s, end) {
				b.WriteString(s[:i])
				named = true
			} else {
				b.WriteString(s[:end])
			}
			s = s[end:]
		}
		s = b.String()
	}
	text = strings.Join(strings.Fields(s), " ")
	// A mention at the start often leaves its punctuation: "@faro, ¿…?".
	text = strings.TrimLeft(text, ",:;")
	return strings.TrimSpace(text), named
}

// indexFold is strings.Index, ignoring ASCII case (usernames are ASCII
// and lower case in Mattermost).
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// mentionStart reports whether an @ at i starts a mention: at the start
// or after something that is not part of a word or an address.
func mentionStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !usernameRune(r)
}

// mentionEnd reports whether a mention ending at end is whole: the
// username does not go on (@faro is not @faroadmin). A final period is
// punctuation, as Mattermost reads it.
func mentionEnd(s string, end int) bool {
	if end >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[end:])
	if r == '.' {
		next, _ := utf8.DecodeRuneInString(s[end+1:])
		return end+1 >= len(s) || !usernameRune(next)
	}
	return !usernameRune(r)
}

// usernameRune is a character of a Mattermost username: letters, digits,
// '.', '-' and '_'.
func usernameRune(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_')
}
