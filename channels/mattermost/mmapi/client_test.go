package mmapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/channels/mattermost/mmapi"
)

const token = "mmtoken0000000000000000001"

func newClient(t *testing.T) (*mattermosttest.Server, *mmapi.Client) {
	t.Helper()
	s := mattermosttest.NewServer(token)
	t.Cleanup(s.Close)
	c, err := mmapi.New(s.URL+"/", token, nil)
	require.NoError(t, err)
	return s, c
}

func TestNewRefusesBadSettings(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "chat.example.com", "ftp://chat.example.com", "http://"} {
		_, err := mmapi.New(u, token, nil)
		require.Error(t, err, u)
	}
	_, err := mmapi.New("https://chat.example.com", "", nil)
	require.Error(t, err)
	_, err = mmapi.New("https://chat.example.com", "a b", nil)
	require.Error(t, err)
}

func TestREST(t *testing.T) {
	t.Parallel()
	s, c := newClient(t)
	ctx := t.Context()
	me, err := c.Me(ctx)
	require.NoError(t, err)
	require.Equal(t, s.Bot.ID, me.ID)
	require.Equal(t, "faro", me.Username)
	require.True(t, me.IsBot)

	ana := s.AddUser("ana")
	ch := s.AddChannel(mmapi.ChannelOpen, "ventas")
	q := s.UserPost(ana, ch, "", "@faro hola")
	p, err := c.CreatePost(ctx, mmapi.Post{ChannelID: ch.ID, RootID: q.ID, Message: "¡Hola!"})
	require.NoError(t, err)
	require.NotEmpty(t, p.ID)
	require.Equal(t, q.ID, p.RootID)
	require.False(t, p.Created().IsZero())
	p, err = c.PatchPost(ctx, p.ID, "¡Hola, Ana!")
	require.NoError(t, err)
	require.Equal(t, "¡Hola, Ana!", p.Message)
	got, err := c.GetPost(ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, ana.ID, got.UserID)
	chGot, err := c.GetChannel(ctx, ch.ID)
	require.NoError(t, err)
	require.Equal(t, "O", chGot.Type)
	chans, err := c.UserChannels(ctx, me.ID)
	require.NoError(t, err)
	require.Len(t, chans, 1)
	posts, err := c.PostsSince(ctx, ch.ID, time.UnixMilli(q.CreateAt))
	require.NoError(t, err)
	require.Len(t, posts, 2, "the question and the answer, oldest first")
	require.Equal(t, q.ID, posts[0].ID)
	require.Equal(t, "¡Hola, Ana!", posts[1].Message)
	require.NoError(t, c.Typing(ctx, me.ID, ch.ID, q.ID))
	require.Equal(t, q.ID, s.Typings()[0].ParentID)

	// A reply's id is not a thread's root: Mattermost's 400 and its id.
	_, err = c.CreatePost(ctx, mmapi.Post{ChannelID: ch.ID, RootID: p.ID, Message: "x"})
	var e *mmapi.Error
	require.True(t, errors.As(err, &e), "%v", err)
	require.Equal(t, http.StatusBadRequest, e.Status)
	require.Equal(t, "api.post.create_post.root_id.app_error", e.ID)
	_, err = c.GetPost(ctx, "nope")
	require.True(t, errors.As(err, &e))
	require.Equal(t, http.StatusNotFound, e.Status)

	// 429: the wait the limiter asked for.
	s.RateLimit(1, 3)
	_, err = c.CreatePost(ctx, mmapi.Post{ChannelID: ch.ID, Message: "x"})
	require.True(t, errors.As(err, &e))
	require.Equal(t, http.StatusTooManyRequests, e.Status)
	require.Equal(t, 3*time.Second, e.RetryAfter)
	require.Contains(t, e.Error(), "retry after 3s")

	// 5xx with an HTML page.
	s.Down(http.StatusBadGateway)
	_, err = c.CreatePost(ctx, mmapi.Post{ChannelID: ch.ID, Message: "x"})
	require.True(t, errors.As(err, &e))
	require.Equal(t, http.StatusBadGateway, e.Status)
	s.Up()

	// A wrong token: 401.
	bad, err := mmapi.New(s.URL, "wrong", nil)
	require.NoError(t, err)
	_, err = bad.Me(ctx)
	require.True(t, errors.As(err, &e))
	require.Equal(t, http.StatusUnauthorized, e.Status)
	require.Equal(t, "api.context.session_expired.app_error", e.ID)
}

// recorder collects what Listen hands over.
type recorder struct {
	mu      sync.Mutex
	events  []mmapi.Event
	hellos  []bool // resumed?
	errs    []error
	failSeq map[int64]int // seq -> times to fail handling it
}

func (r *recorder) handle(_ context.Context, ev mmapi.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failSeq[ev.Seq] > 0 && ev.Event == mmapi.EventPosted {
		r.failSeq[ev.Seq]--
		return errors.New("the database is down")
	}
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) posted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		if ev.Event != mmapi.EventPosted {
			continue
		}
		var d struct {
			Post string `json:"post"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		var p mmapi.Post
		_ = json.Unmarshal([]byte(d.Post), &p)
		out = append(out, p.Message)
	}
	return out
}

func listen(t *testing.T, c *mmapi.Client, r *recorder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Listen(ctx, mmapi.ListenOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
			OnConnectFunc: func(_ mmapi.Hello, resumed bool) {
				r.mu.Lock()
				r.hellos = append(r.hellos, resumed)
				r.mu.Unlock()
			},
			OnErrorFunc: func(err error, _ time.Duration) {
				r.mu.Lock()
				r.errs = append(r.errs, err)
				r.mu.Unlock()
			},
		}, r.handle)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "waited 10 s for %s", what)
		time.Sleep(5 * time.Millisecond)
	}
}

// TestListenResumes: events posted while the connection was down arrive
// after the reconnection, each once and in order; a server that lost the
// connection starts a new one (a new hello).
func TestListenResumes(t *testing.T) {
	t.Parallel()
	s, c := newClient(t)
	r := &recorder{}
	listen(t, c, r)
	waitFor(t, "connected", s.Connected)
	ana := s.AddUser("ana")
	ch := s.AddChannel(mmapi.ChannelOpen, "general")
	s.UserPost(ana, ch, "", "uno")
	waitFor(t, "uno", func() bool { return len(r.posted()) == 1 })

	s.Disconnect()
	s.UserPost(ana, ch, "", "dos")
	s.UserPost(ana, ch, "", "tres")
	waitFor(t, "dos and tres", func() bool { return len(r.posted()) == 3 })
	require.Equal(t, []string{"uno", "dos", "tres"}, r.posted())
	auths, hellos := s.Auths()
	require.Equal(t, 2, auths)
	require.Equal(t, 1, hellos, "resumed: no new connection")

	s.Forget()
	waitFor(t, "a new connection", func() bool { _, h := s.Auths(); return h == 2 })
	waitFor(t, "connected", s.Connected)
	s.UserPost(ana, ch, "", "cuatro")
	waitFor(t, "cuatro", func() bool { return len(r.posted()) == 4 })
	r.mu.Lock()
	require.Equal(t, []bool{false, false}, r.hellos, "two new connections, the second after a lost one")
	r.mu.Unlock()
}

// TestListenRetriesUnhandled: an event whose handling failed is received
// again after a reconnection, and handled once.
func TestListenRetriesUnhandled(t *testing.T) {
	t.Parallel()
	s, c := newClient(t)
	r := &recorder{failSeq: map[int64]int{1: 2}}
	listen(t, c, r)
	waitFor(t, "connected", s.Connected)
	ana := s.AddUser("ana")
	ch := s.AddChannel(mmapi.ChannelOpen, "general")
	s.UserPost(ana, ch, "", "uno") // seq 1, after the hello
	s.UserPost(ana, ch, "", "dos")
	waitFor(t, "both", func() bool { return len(r.posted()) == 2 })
	require.Equal(t, []string{"uno", "dos"}, r.posted())
	auths, _ := s.Auths()
	require.Equal(t, 3, auths, "two reconnections")
}

// TestListenWrongToken: the server closes the socket; Listen says so and
// keeps trying until ctx ends.
func TestListenWrongToken(t *testing.T) {
	t.Parallel()
	s := mattermosttest.NewServer(token)
	t.Cleanup(s.Close)
	c, err := mmapi.New(s.URL, "wrong-token", nil)
	require.NoError(t, err)
	r := &recorder{}
	listen(t, c, r)
	waitFor(t, "two refusals", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.errs) >= 2
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	require.ErrorIs(t, r.errs[0], mmapi.ErrUnauthorized)
	require.False(t, strings.Contains(r.errs[0].Error(), "wrong-token"), "the token is not logged")
	auths, _ := s.Auths()
	require.Zero(t, auths)
}
