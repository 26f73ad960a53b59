package relay_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
)

// previewing is a fake adapter that also shows a streamed preview.
type previewing struct {
	*fake
	every time.Duration

	pmu   sync.Mutex
	calls []time.Time
	texts []string
}

func (p *previewing) Preview(_ context.Context, _ relay.Inbound, id, text string) (string, error) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	if id == "" && len(p.calls) > 0 {
		panic("a second preview posted instead of edited")
	}
	p.calls = append(p.calls, time.Now())
	p.texts = append(p.texts, text)
	return "preview-1", nil
}

func (p *previewing) PreviewEvery() time.Duration { return p.every }

// TestPreviewThrottled: the reply streams into one preview, edited at most
// once per PreviewEvery, and the final part names it to replace it.
func TestPreviewThrottled(t *testing.T) {
	p := &previewing{fake: &fake{name: "test", limit: 4096}, every: 50 * time.Millisecond}
	e := setup(t, "sqlite", nil, p)
	_, err := e.runtime.Accept(t.Context(), inbound("test", "p-1", "chat-p", "¿qué cursos tienen y cuánto cuestan?"))
	require.NoError(t, err)
	sent := p.waitSent(t, 1, 10*time.Second, e.logs)
	p.pmu.Lock()
	defer p.pmu.Unlock()
	t.Logf("%d preview calls", len(p.calls))
	require.NotEmpty(t, p.calls, "the offline engine streams its reply")
	require.Equal(t, "preview-1", sent[0].PreviewID, "the final part replaces the preview")
	for i := 1; i < len(p.calls); i++ {
		require.GreaterOrEqual(t, p.calls[i].Sub(p.calls[i-1]), p.every-5*time.Millisecond, "throttled")
		require.NotEqual(t, p.texts[i], p.texts[i-1], "no edit without a change")
	}
}
