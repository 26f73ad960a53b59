package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/webhook"
)

// TestServeDeliversWebhooks: with FARO_WEBHOOK_URLS set, an event in the
// outbox (as qualify_lead or request_human enqueue them) reaches the URL,
// signed with FARO_WEBHOOK_SECRET.
func TestServeDeliversWebhooks(t *testing.T) {
	t.Parallel()
	const secret = "a-secret-of-sixteen+"
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer rcv.Close()

	cfg := testConfig(t)
	cfg.WebhookURLs = []string{rcv.URL + "/crm"}
	cfg.WebhookSecret = secret
	require.NoError(t, cfg.validate())
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	defer m.Close()

	q, ok := m.Store.(interface {
		EnqueueEvent(ctx context.Context, e store.Event) (bool, error)
	})
	require.True(t, ok)
	_, err := q.EnqueueEvent(t.Context(), store.Event{ID: "lead.qualified:L9", Type: "lead.qualified", Payload: json.RawMessage(`{"lead_id":"L9"}`)})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	}, 10*time.Second, 50*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, "lead.qualified:L9", got[0].Header.Get(webhook.HeaderEventID))
	require.NoError(t, webhook.Verify(secret, got[0].Header, bodies[0], time.Now(), 0))
}

func TestWebhookSettingsValidated(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.WebhookURLs = []string{"https://crm.example/hook"}
	require.ErrorContains(t, cfg.validate(), "FARO_WEBHOOK_SECRET")
	cfg.WebhookSecret = "0123456789abcdef"
	require.NoError(t, cfg.validate())
	cfg.WebhookURLs = []string{"ftp://crm.example"}
	require.ErrorContains(t, cfg.validate(), "FARO_WEBHOOK_URLS")
}
