package mattermosttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OutgoingWebhook is what Mattermost posts to an outgoing webhook's
// callback URL when a message in a public channel matches its trigger
// words (model.OutgoingWebhookPayload).
type OutgoingWebhook struct {
	Token       string `json:"token"`
	TeamID      string `json:"team_id"`
	TeamDomain  string `json:"team_domain"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name"`
	// Timestamp is in milliseconds in JSON, in seconds in the form.
	Timestamp   int64  `json:"timestamp"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	PostID      string `json:"post_id"`
	Text        string `json:"text"`
	TriggerWord string `json:"trigger_word"`
	FileIDs     string `json:"file_ids"`
}

// Form is the payload as application/x-www-form-urlencoded, Mattermost's
// default content type for outgoing webhooks.
func (o OutgoingWebhook) Form() url.Values {
	v := url.Values{}
	v.Set("token", o.Token)
	v.Set("team_id", o.TeamID)
	v.Set("team_domain", o.TeamDomain)
	v.Set("channel_id", o.ChannelID)
	v.Set("channel_name", o.ChannelName)
	v.Set("timestamp", strconv.FormatInt(o.Timestamp/1000, 10))
	v.Set("user_id", o.UserID)
	v.Set("user_name", o.UserName)
	v.Set("post_id", o.PostID)
	v.Set("text", o.Text)
	v.Set("trigger_word", o.TriggerWord)
	v.Set("file_ids", o.FileIDs)
	return v
}

// WebhookFor is the outgoing webhook Mattermost sends for p, posted by u
// in c, triggered by trigger.
func WebhookFor(token string, p Post, u User, c Channel, trigger string) OutgoingWebhook {
	return OutgoingWebhook{Token: token, TeamID: c.TeamID, TeamDomain: "faro", ChannelID: c.ID, ChannelName: c.Name,
		Timestamp: p.CreateAt, UserID: u.ID, UserName: u.Username, PostID: p.ID, Text: p.Message, TriggerWord: trigger}
}

// SlashCommand is what Mattermost posts to a custom slash command's
// request URL (form-encoded, with Authorization: Token <token>).
type SlashCommand struct {
	Token, TeamID, TeamDomain, ChannelID, ChannelName string
	UserID, UserName, Command, Text, TriggerID        string
	ResponseURL                                       string
}

// Form is the command's form body.
func (c SlashCommand) Form() url.Values {
	v := url.Values{}
	v.Set("token", c.Token)
	v.Set("team_id", c.TeamID)
	v.Set("team_domain", c.TeamDomain)
	v.Set("channel_id", c.ChannelID)
	v.Set("channel_name", c.ChannelName)
	v.Set("user_id", c.UserID)
	v.Set("user_name", c.UserName)
	v.Set("command", c.Command)
	v.Set("text", c.Text)
	v.Set("trigger_id", c.TriggerID)
	v.Set("response_url", c.ResponseURL)
	return v
}

// Response is what the app answered.
type Response struct {
	Status  int
	Body    []byte
	Elapsed time.Duration
}

// PostWebhook posts an outgoing webhook to the app's URL, as a form or as
// JSON.
func PostWebhook(ctx context.Context, appURL string, o OutgoingWebhook, asJSON bool) (Response, error) {
	if asJSON {
		b, _ := json.Marshal(o) // plain values: never fails
		return send(ctx, appURL, "application/json", b, nil)
	}
	return send(ctx, appURL, "application/x-www-form-urlencoded", []byte(o.Form().Encode()), nil)
}

// PostCommand posts a slash command to the app's URL, with the token in
// the form and in Authorization: Token, as Mattermost does.
func PostCommand(ctx context.Context, appURL string, c SlashCommand) (Response, error) {
	h := http.Header{}
	h.Set("Authorization", "Token "+c.Token)
	h.Set("Accept", "application/json")
	return send(ctx, appURL, "application/x-www-form-urlencoded", []byte(c.Form().Encode()), h)
}

// Send posts body raw (for tests of malformed requests).
func Send(ctx context.Context, appURL, contentType string, body []byte, h http.Header) (Response, error) {
	return send(ctx, appURL, contentType, body, h)
}

func send(ctx context.Context, appURL, contentType string, body []byte, h http.Header) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, appURL, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Mattermost-Bot/1.1")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("post to %s: %w", appURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return Response{Status: resp.StatusCode, Body: b, Elapsed: time.Since(start)}, err
}

// Mention is "@username", how a person mentions the bot.
func Mention(u User) string { return "@" + strings.ToLower(u.Username) }
