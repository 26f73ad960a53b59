// Package mmapi is a small client of Mattermost's REST API v4 and its
// websocket event stream: only what Faro's Mattermost channel uses, over
// net/http and gorilla/websocket (the official Go client,
// github.com/mattermost/mattermost/server/public, is not an approved
// dependency).
//
// REST: who the bot is (GET /api/v4/users/me), posts (create with a
// root_id, patch, get, a channel's since a time), a channel, the bot's
// channels, the typing indicator. Every call sends
// the bot's token as Authorization: Bearer. An answer that is not 2xx is
// an *Error carrying Mattermost's error id and, for a 429, how long the
// server asked to wait (Retry-After or X-RateLimit-Reset).
//
// Websocket: [Client.Listen] keeps one connection to /api/v4/websocket
// open (authentication_challenge, hello, sequence numbers, pings) and
// reconnects with backoff, asking the server to resume where it stopped
// (connection_id and sequence_number), so events are not lost across a
// short drop; see listen.go.
package mmapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxMessageRunes is the longest post message Mattermost takes
// (PostMessageMaxRunesV2): 16,383 characters.
const MaxMessageRunes = 16383

// Client talks to one Mattermost server as one bot account.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client of the server at serverURL (https://chat.example.com,
// or a local server in tests) with the bot's access token. hc nil is a
// client with a 15 s timeout.
func New(serverURL, token string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(serverURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mmapi: server URL %q is not http(s)://host", serverURL)
	}
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return nil, errors.New("mmapi: the token is empty or has spaces")
	}
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{base: u, token: token, http: hc}, nil
}

// URL is the server's base URL.
func (c *Client) URL() string { return c.base.String() }

// User is a Mattermost user (the bot is one).
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Nickname string `json:"nickname,omitempty"`
	IsBot    bool   `json:"is_bot,omitempty"`
}

// Post is a Mattermost post, with the fields Faro reads and writes.
type Post struct {
	ID        string `json:"id,omitempty"`
	CreateAt  int64  `json:"create_at,omitempty"`
	UpdateAt  int64  `json:"update_at,omitempty"`
	EditAt    int64  `json:"edit_at,omitempty"`
	DeleteAt  int64  `json:"delete_at,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	ChannelID string `json:"channel_id"`
	// RootID is the thread's first post; empty for a post that is not a
	// reply.
	RootID  string `json:"root_id,omitempty"`
	Message string `json:"message"`
	// Type is empty for a person's post; system posts have types
	// starting with "system_".
	Type  string         `json:"type,omitempty"`
	Props map[string]any `json:"props,omitempty"`
}

// Created is when the post was made (CreateAt, milliseconds); zero if
// unknown.
func (p Post) Created() time.Time {
	if p.CreateAt <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(p.CreateAt).UTC()
}

// Channel types.
const (
	ChannelOpen    = "O"
	ChannelPrivate = "P"
	ChannelDirect  = "D"
	ChannelGroup   = "G"
)

// Channel is a Mattermost channel.
type Channel struct {
	ID          string `json:"id"`
	TeamID      string `json:"team_id"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

// Error is a call Mattermost answered with a status other than 2xx.
type Error struct {
	// Op is the call: "POST /api/v4/posts".
	Op     string
	Status int
	// ID is Mattermost's error id (api.post.create_post.root_id.app_error);
	// Message its text.
	ID, Message string
	// RetryAfter is how long a 429 asked to wait (0 when it did not say).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("mattermost: %s: HTTP %d", e.Op, e.Status)
	if e.ID != "" {
		s += " " + e.ID
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Me is the user the token belongs to: GET /api/v4/users/me.
func (c *Client) Me(ctx context.Context) (User, error) {
	var u User
	err := c.do(ctx, http.MethodGet, "/api/v4/users/me", nil, &u)
	if err == nil && u.ID == "" {
		err = errors.New("mattermost: GET /api/v4/users/me: no user id in the answer")
	}
	return u, err
}

// CreatePost posts p (ChannelID, Message, RootID to answer in a thread):
// POST /api/v4/posts. It returns the post as stored, with its id.
func (c *Client) CreatePost(ctx context.Context, p Post) (Post, error) {
	var out Post
	err := c.do(ctx, http.MethodPost, "/api/v4/posts", p, &out)
	if err == nil && out.ID == "" {
		err = errors.New("mattermost: POST /api/v4/posts: no post id in the answer")
	}
	return out, err
}

// PatchPost replaces a post's message: PUT /api/v4/posts/{id}/patch.
func (c *Client) PatchPost(ctx context.Context, id, message string) (Post, error) {
	var out Post
	err := c.do(ctx, http.MethodPut, "/api/v4/posts/"+url.PathEscape(id)+"/patch", map[string]string{"message": message}, &out)
	return out, err
}

// GetPost is one post: GET /api/v4/posts/{id}.
func (c *Client) GetPost(ctx context.Context, id string) (Post, error) {
	var out Post
	err := c.do(ctx, http.MethodGet, "/api/v4/posts/"+url.PathEscape(id), nil, &out)
	return out, err
}

// GetChannel is one channel: GET /api/v4/channels/{id}.
func (c *Client) GetChannel(ctx context.Context, id string) (Channel, error) {
	var out Channel
	err := c.do(ctx, http.MethodGet, "/api/v4/channels/"+url.PathEscape(id), nil, &out)
	return out, err
}

// UserChannels are the channels of every team userID is a member of, and
// its direct and group messages: GET /api/v4/users/{id}/channels
// (Mattermost 6.1 and later).
func (c *Client) UserChannels(ctx context.Context, userID string) ([]Channel, error) {
	var out []Channel
	err := c.do(ctx, http.MethodGet, "/api/v4/users/"+url.PathEscape(userID)+"/channels", nil, &out)
	return out, err
}

// PostsSince are the posts of channelID made or changed since (at most
// 1,000, Mattermost's cap for the query), oldest first: GET
// /api/v4/channels/{id}/posts?since=<ms>.
func (c *Client) PostsSince(ctx context.Context, channelID string, since time.Time) ([]Post, error) {
	var list struct {
		Order []string        `json:"order"`
		Posts map[string]Post `json:"posts"`
	}
	path := "/api/v4/channels/" + url.PathEscape(channelID) + "/posts?since=" + strconv.FormatInt(since.UnixMilli(), 10)
	if err := c.do(ctx, http.MethodGet, path, nil, &list); err != nil {
		return nil, err
	}
	out := make([]Post, 0, len(list.Posts))
	for _, p := range list.Posts {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Post) int { return cmp.Or(cmp.Compare(a.CreateAt, b.CreateAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// Typing shows userID (the bot) as typing in channelID, in the thread of
// parentID when not empty: POST /api/v4/users/{id}/typing. Mattermost
// clients show it for about five seconds.
func (c *Client) Typing(ctx context.Context, userID, channelID, parentID string) error {
	body := map[string]string{"channel_id": channelID}
	if parentID != "" {
		body["parent_id"] = parentID
	}
	return c.do(ctx, http.MethodPost, "/api/v4/users/"+url.PathEscape(userID)+"/typing", body, nil)
}

// maxAnswer caps how much of an answer is read.
const maxAnswer = 4 << 20

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	op := method + " " + path
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("mattermost: %s: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return fmt.Errorf("mattermost: %s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("mattermost: %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("mattermost: %s: read the answer: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errorOf(op, resp, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("mattermost: %s: HTTP %d: unreadable answer: %w", op, resp.StatusCode, err)
	}
	return nil
}

// errorOf reads Mattermost's AppError ({"id","message","status_code"}) and
// a 429's wait.
func errorOf(op string, resp *http.Response, raw []byte) *Error {
	e := &Error{Op: op, Status: resp.StatusCode}
	var app struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &app) == nil {
		e.ID, e.Message = app.ID, app.Message
	}
	if e.ID == "" && e.Message == "" {
		s := strings.TrimSpace(string(raw))
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		e.Message = s
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = retryAfter(resp.Header, time.Now())
	}
	return e
}

// retryAfter reads how long a 429 asks to wait: Retry-After (seconds or
// an HTTP date), else X-RateLimit-Reset, which Mattermost's limiter sets
// to the seconds until the limit resets (a Unix time, in case a proxy
// sends one, is read as such). At least one second: a limited call
// repeated at once fails again.
func retryAfter(h http.Header, now time.Time) time.Duration {
	d := time.Duration(0)
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			d = time.Duration(n * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	} else if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			if n > 1_000_000_000 { // a Unix time
				d = time.Unix(n, 0).Sub(now)
			} else {
				d = time.Duration(n) * time.Second
			}
		}
	}
	return min(max(d, time.Second), time.Hour)
}
