package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/server"
)

// slowTurner holds a turn until released.
type slowTurner struct {
	started chan struct{}
	release chan struct{}
}

func (s *slowTurner) Turn(context.Context, agent.Message, func(string)) (agent.Reply, error) {
	close(s.started)
	<-s.release
	return agent.Reply{Text: "done", Outcome: agent.OutcomeAnswered}, nil
}

// TestShutdownOrder: Shutdown stops accepting, runs the hooks in the order
// registered (channels close their sockets), and waits for the turn in
// flight, which completes its response.
func TestShutdownOrder(t *testing.T) {
	t.Parallel()
	turner := &slowTurner{started: make(chan struct{}), release: make(chan struct{})}
	st := openSQLite(t)
	srv := server.New(server.Options{Store: st, Keys: testKeys(t), Agent: turner})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()

	var mu sync.Mutex
	var order []string
	srv.OnShutdown(func(context.Context) { mu.Lock(); order = append(order, "websockets"); mu.Unlock() })
	srv.OnShutdown(func(context.Context) { mu.Lock(); order = append(order, "second"); mu.Unlock() })

	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/v1/chat/completions", stringsReader(`{"messages":[{"role":"user","content":"hola"}]}`))
		req.Header.Set("Authorization", "Bearer "+prospectKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		inflight <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-turner.started

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	require.Eventually(t, func() bool {
		_, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		return err != nil
	}, 2*time.Second, 10*time.Millisecond, "no new connections")
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 2 }, 2*time.Second, 10*time.Millisecond)
	require.Equal(t, []string{"websockets", "second"}, order)
	select {
	case <-shut:
		t.Fatal("Shutdown returned with a turn in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(turner.release)
	r := <-inflight
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `"content":"done"`)
	require.NoError(t, <-shut)
	require.NoError(t, <-served)
}

func TestReadinessFailsWhileDraining(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/readyz", "", nil).status)
	// Shutdown of a server that never served still marks it draining.
	require.NoError(t, b.srv.Shutdown(t.Context()))
	r := b.do(t, "GET", "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Contains(t, string(r.body), "shutting down")
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/healthz", "", nil).status)
}

func TestMetricsHooks(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	m := b.srv.Metrics()
	m.WebsocketOpened()
	m.WebsocketOpened()
	m.WebsocketClosed()
	m.Delivery("web", nil)
	m.Delivery("telegram", errors.New("429"))
	m.ModelError("openai")
	m.ObserveFallback(agent.FallbackEvent{StreamInterrupted: true})
	m.ObserveToolCall(agent.ToolCallEvent{Tool: "open_ticket", Status: "ok", Duration: time.Millisecond})
	b.do(t, "GET", "/api/v1/contacts/nope", staffKey, nil)
	text := string(b.do(t, "GET", "/metrics", adminKey, nil).body)
	for _, want := range []string{
		"faro_websocket_connections 1",
		`faro_channel_deliveries_total{channel="web",outcome="ok"} 1`,
		`faro_channel_deliveries_total{channel="telegram",outcome="failed"} 1`,
		`faro_model_errors_total{provider="openai"} 1`,
		`faro_model_fallbacks_total{stream_interrupted="true"} 1`,
		`faro_tool_calls_total{outcome="ok",tool="open_ticket"} 1`,
		`faro_http_requests_total{code="404",route="GET /api/v1/contacts/{id}"} 1`,
	} {
		require.Contains(t, text, want)
	}
	// Metrics of two servers are apart: no global registry.
	other := setup(t, nil, nil)
	require.NotContains(t, string(other.do(t, "GET", "/metrics", adminKey, nil).body), "faro_websocket_connections 1")
	// A nil *Metrics counts nothing and does not panic.
	var none *server.Metrics
	none.WebsocketOpened()
	none.Delivery("web", nil)
}

// busState is a live bus whose readiness a test sets.
type busState struct{ err error }

func (b *busState) Ready(context.Context) error { return b.err }

// TestReadinessFollowsTheBus: a server whose live bus is down (its
// listener lost) is not ready; once it is back, it is; Drain fails
// readiness before anything closes.
func TestReadinessFollowsTheBus(t *testing.T) {
	t.Parallel()
	bus := &busState{err: errors.New("livebus: not listening for notifications")}
	b := setup(t, nil, func(o *server.Options) { o.Bus = bus })
	r := b.do(t, "GET", "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Contains(t, string(r.body), "live bus not working")
	bus.err = nil
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/readyz", "", nil).status)
	b.srv.Drain()
	require.Equal(t, http.StatusServiceUnavailable, b.do(t, "GET", "/readyz", "", nil).status)
}
