package llm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/ollama"

	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/llmtest"
)

// providers are the ones NewModel builds, each with its scripted server.
var providers = []struct {
	name      string
	newServer func(testing.TB, ...llmtest.Reply) *llmtest.Server
}{
	{llm.ProviderOpenAI, llmtest.NewOpenAI},
	{llm.ProviderOllama, llmtest.NewOllama},
	{llm.ProviderAnthropic, llmtest.NewAnthropic},
}

// newModel builds provider's model against srv with fast retries.
func newModel(t *testing.T, provider string, srv *llmtest.Server, edit ...func(*llm.Config)) llms.Model {
	t.Helper()
	cfg := llm.Config{
		Provider:       provider,
		Model:          "test-model",
		BaseURL:        srv.URL, // no path: NewModel adds /v1
		APIKey:         srv.APIKey,
		Timeout:        5 * time.Second,
		MaxRetries:     2,
		RetryBaseDelay: time.Millisecond,
		RetryMaxDelay:  5 * time.Millisecond,
	}
	if provider == llm.ProviderOllama {
		cfg.APIKey = ""
	}
	for _, e := range edit {
		e(&cfg)
	}
	m, err := llm.NewModel(cfg, nil)
	require.NoError(t, err)
	return m
}

// fixedModel stands in for the offline engine: it always answers text,
// streaming it a word at a time when asked to.
type fixedModel struct {
	text string

	mu       sync.Mutex
	calls    int
	streamed bool
}

func (m *fixedModel) GenerateContent(ctx context.Context, _ []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var o llms.CallOptions
	for _, opt := range options {
		opt(&o)
	}
	m.mu.Lock()
	m.calls++
	m.streamed = o.StreamingFunc != nil
	m.mu.Unlock()
	if o.StreamingFunc != nil {
		for i, w := range strings.Fields(m.text) {
			if i > 0 {
				w = " " + w
			}
			if err := o.StreamingFunc(ctx, []byte(w)); err != nil {
				return nil, err
			}
		}
	}
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: m.text, StopReason: "stop"}}}, nil
}

func (m *fixedModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

func (m *fixedModel) state() (calls int, streamed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls, m.streamed
}

// fallbackRecorder is an onFallback that keeps the errors.
type fallbackRecorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *fallbackRecorder) record(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *fallbackRecorder) all() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// chunks collects what a streaming function receives.
type chunks struct {
	mu  sync.Mutex
	got []string
}

func (c *chunks) option() llms.CallOption {
	return llms.WithStreamingFunc(func(_ context.Context, b []byte) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.got = append(c.got, string(b))
		return nil
	})
}

func (c *chunks) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.got, "")
}

var enrollTool = llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
	Name:        "enroll_course",
	Description: "Enrol the user in a course.",
	Parameters: map[string]any{
		"type":       "object",
		"properties": map[string]any{"course": map[string]any{"type": "string"}},
		"required":   []string{"course"},
	},
}}

func question() []llms.MessageContent {
	return []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "Eres el asistente de Faro."),
		llms.TextParts(llms.ChatMessageTypeHuman, "Quiero inscribirme en ia-101"),
	}
}

// text joins the text of every choice.
func text(resp *llms.ContentResponse) string {
	var b strings.Builder
	for _, c := range resp.Choices {
		b.WriteString(c.Content)
	}
	return b.String()
}

// toolCalls gathers the calls of every choice: Anthropic's client puts each
// content block in a choice of its own.
func toolCalls(resp *llms.ContentResponse) []llms.ToolCall {
	var calls []llms.ToolCall
	for _, c := range resp.Choices {
		calls = append(calls, c.ToolCalls...)
	}
	return calls
}

// withResults appends the model's turn and the tools' results in the shape
// every provider accepts: the text, if any, in its own AI message, then per
// call an AI message holding only that call and a tool message with its
// result.
func withResults(msgs []llms.MessageContent, resp *llms.ContentResponse, result func(llms.ToolCall) string) []llms.MessageContent {
	if t := text(resp); t != "" {
		msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeAI, t))
	}
	for _, c := range toolCalls(resp) {
		c.Type = "function" // Anthropic's client leaves it empty; OpenAI requires it
		msgs = append(msgs,
			llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{c}},
			llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{
				ToolCallID: c.ID, Name: c.FunctionCall.Name, Content: result(c),
			}}},
		)
	}
	return msgs
}

// TestConversationWithToolCall runs tool call → tool result → answer through
// each provider's real client, streamed and not.
func TestConversationWithToolCall(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		for _, stream := range []bool{false, true} {
			name := p.name
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := p.newServer(t,
					llmtest.Reply{
						Text:      "Te inscribo ahora.",
						ToolCalls: []llmtest.ToolCall{{Name: "enroll_course", Args: `{"course":"ia-101"}`}},
					},
					llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
						res, ok := req.LastToolResult()
						if !ok {
							return llmtest.Reply{Text: "no veo el resultado"}
						}
						return llmtest.Reply{Text: "Listo, " + res.Text, Usage: &llmtest.Usage{PromptTokens: 42, CompletionTokens: 7}}
					}},
				)
				model := newModel(t, p.name, srv)
				ctx := t.Context()

				var got chunks
				opts := []llms.CallOption{llms.WithTools([]llms.Tool{enrollTool})}
				if stream {
					opts = append(opts, got.option())
				}
				msgs := question()
				resp, err := model.GenerateContent(ctx, msgs, opts...)
				require.NoError(t, err)
				calls := toolCalls(resp)
				require.Len(t, calls, 1)
				require.Equal(t, "enroll_course", calls[0].FunctionCall.Name)
				require.JSONEq(t, `{"course":"ia-101"}`, calls[0].FunctionCall.Arguments)
				require.NotEmpty(t, calls[0].ID)
				require.Equal(t, "Te inscribo ahora.", text(resp))
				if stream {
					// Only text reaches the streaming function, never the
					// JSON of the tool call.
					require.Equal(t, "Te inscribo ahora.", got.text())
				}

				msgs = withResults(msgs, resp, func(llms.ToolCall) string { return "inscrito en ia-101" })
				var got2 chunks
				opts = []llms.CallOption{llms.WithTools([]llms.Tool{enrollTool})}
				if stream {
					opts = append(opts, got2.option())
				}
				resp, err = model.GenerateContent(ctx, msgs, opts...)
				require.NoError(t, err)
				require.Empty(t, toolCalls(resp))
				require.Equal(t, "Listo, inscrito en ia-101", text(resp))
				if stream {
					require.Equal(t, "Listo, inscrito en ia-101", got2.text())
					require.Greater(t, len(got2.got), 1, "streamed in pieces")
				}
				prompt, completion := llm.Usage(resp)
				require.Equal(t, 42, prompt)
				require.Equal(t, 7, completion)

				reqs := srv.Requests()
				require.Len(t, reqs, 2)
				for _, r := range reqs {
					require.Equal(t, "test-model", r.Model)
					require.Equal(t, stream, r.Stream)
					require.Equal(t, "Eres el asistente de Faro.", r.System)
					require.Equal(t, []string{"enroll_course"}, r.ToolNames())
					require.Equal(t, "Quiero inscribirme en ia-101", r.LastUserText())
				}
				var asked []llmtest.ToolCall
				for _, m := range reqs[1].Messages {
					asked = append(asked, m.ToolCalls...)
				}
				require.Len(t, asked, 1)
				require.Equal(t, calls[0].ID, asked[0].ID)
				require.JSONEq(t, `{"course":"ia-101"}`, asked[0].Args)
				res, ok := reqs[1].LastToolResult()
				require.True(t, ok)
				require.Equal(t, calls[0].ID, res.ToolCallID)
				require.Equal(t, "inscrito en ia-101", res.Text)
			})
		}
	}
}

// TestOllamaNativeClient drives langchaingo's own ollama client against
// /api/chat, and pins down why NewModel does not use it: it sends no tools.
func TestOllamaNativeClient(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOllama(t,
		llmtest.Reply{Text: "Hola, ¿en qué te ayudo?", Usage: &llmtest.Usage{PromptTokens: 11, CompletionTokens: 5}},
		llmtest.Reply{Text: "Claro que sí"},
	)
	client, err := ollama.New(ollama.WithServerURL(srv.BaseURL()), ollama.WithModel("llama3.2"))
	require.NoError(t, err)

	resp, err := client.GenerateContent(t.Context(), question(), llms.WithTools([]llms.Tool{enrollTool}))
	require.NoError(t, err)
	require.Equal(t, "Hola, ¿en qué te ayudo?", text(resp))
	prompt, completion := llm.Usage(resp)
	require.Equal(t, 11, prompt)
	require.Equal(t, 5, completion)

	var got chunks
	resp, err = client.GenerateContent(t.Context(), question(), got.option())
	require.NoError(t, err)
	require.Equal(t, "Claro que sí", text(resp))
	require.Equal(t, "Claro que sí", got.text())

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "/api/chat", reqs[0].Path)
	// Not asked to stream, the client omits "stream", which Ollama reads
	// as true: it reads a stream either way.
	require.True(t, reqs[0].Stream)
	require.NotContains(t, string(reqs[0].Body), `"stream"`)
	// If this starts failing, langchaingo's ollama client has learnt tools
	// and NewModel could use it instead of Ollama's OpenAI-compatible API.
	require.Empty(t, reqs[0].Tools)
	require.Equal(t, "Eres el asistente de Faro.", reqs[0].System)
}

// TestRetryThenSuccess: 429 (and Anthropic's 529) are retried until the
// provider answers.
func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			status := 429
			if p.name == llm.ProviderAnthropic {
				status = 529 // overloaded
			}
			srv := p.newServer(t,
				llmtest.Reply{Status: status, RetryAfter: "0", Times: 2},
				llmtest.Reply{Text: "hola"},
			)
			var events []llm.RetryEvent
			model := newModel(t, p.name, srv, func(c *llm.Config) {
				c.MaxRetries = 3
				c.RetryFunc = func(e llm.RetryEvent) { events = append(events, e) }
			})
			resp, err := model.GenerateContent(t.Context(), question())
			require.NoError(t, err)
			require.Equal(t, "hola", text(resp))
			require.Len(t, srv.Requests(), 3)
			require.Len(t, events, 2)
			for i, e := range events {
				require.Equal(t, i+1, e.Attempt)
				require.Equal(t, status, e.Status)
				require.Equal(t, p.name, e.Provider)
			}
		})
	}
}

// TestBackoffIsJitteredExponential checks the waits with a fixed random
// source: half of base·2ⁿ⁻¹, capped by the maximum.
func TestBackoffIsJitteredExponential(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 503, Times: llmtest.Forever})
	var delays []time.Duration
	model := newModel(t, llm.ProviderOpenAI, srv, func(c *llm.Config) {
		c.MaxRetries = 4
		c.RetryBaseDelay = 2 * time.Millisecond
		c.RetryMaxDelay = 5 * time.Millisecond
		c.RandFunc = func() float64 { return 0.5 }
		c.RetryFunc = func(e llm.RetryEvent) { delays = append(delays, e.Delay) }
	})
	_, err := model.GenerateContent(t.Context(), question())
	var e *llm.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 5, e.Attempts)
	require.Equal(t, 503, e.Status)
	ms := time.Millisecond
	require.Equal(t, []time.Duration{1 * ms, 2 * ms, 2500 * time.Microsecond, 2500 * time.Microsecond}, delays)
}

// TestRetryAfter: a Retry-After within the longest wait is honoured; a
// longer one ends the retries at once.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	t.Run("honoured", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 429, RetryAfter: "1"}, llmtest.Reply{Text: "ya"})
		var delays []time.Duration
		model := newModel(t, llm.ProviderOpenAI, srv, func(c *llm.Config) {
			c.RetryMaxDelay = 2 * time.Second
			c.RandFunc = func() float64 { return 0 }
			c.RetryFunc = func(e llm.RetryEvent) { delays = append(delays, e.Delay) }
		})
		resp, err := model.GenerateContent(t.Context(), question())
		require.NoError(t, err)
		require.Equal(t, "ya", text(resp))
		require.Equal(t, []time.Duration{time.Second}, delays)
	})
	t.Run("too long", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewAnthropic(t, llmtest.Reply{Status: 429, RetryAfter: "120"})
		model := newModel(t, llm.ProviderAnthropic, srv)
		_, err := model.GenerateContent(t.Context(), question())
		var e *llm.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, 1, e.Attempts)
		require.Equal(t, 429, e.Status)
	})
}

// TestServerErrorForeverFallsBack: 500 on every attempt, then the fallback
// answers, streaming, and the callback hears why.
func TestServerErrorForeverFallsBack(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := p.newServer(t, llmtest.Reply{Status: 500, Times: llmtest.Forever})
			offline := &fixedModel{text: "respuesta sin conexión"}
			var fb fallbackRecorder
			model := llm.WithFallback(newModel(t, p.name, srv), offline, fb.record)

			var got chunks
			resp, err := model.GenerateContent(t.Context(), question(), got.option())
			require.NoError(t, err)
			require.Equal(t, "respuesta sin conexión", text(resp))
			require.Equal(t, "respuesta sin conexión", got.text(), "nothing came from the provider, so the fallback streams")
			fellBack, interrupted := llm.FellBack(resp)
			require.True(t, fellBack)
			require.False(t, interrupted)
			require.Len(t, srv.Requests(), 3, "one attempt and two retries")

			errs := fb.all()
			require.Len(t, errs, 1)
			var e *llm.Error
			require.ErrorAs(t, errs[0], &e)
			require.Equal(t, 500, e.Status)
			require.Equal(t, 3, e.Attempts)
			require.Equal(t, p.name, e.Provider)
		})
	}
}

// TestClientErrorNotRetried: a 4xx other than 429 is the request's fault;
// another attempt would fail the same way.
func TestClientErrorNotRetried(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := p.newServer(t, llmtest.Reply{Status: 400})
			offline := &fixedModel{text: "sin conexión"}
			var fb fallbackRecorder
			model := llm.WithFallback(newModel(t, p.name, srv), offline, fb.record)
			resp, err := model.GenerateContent(t.Context(), question())
			require.NoError(t, err)
			require.Equal(t, "sin conexión", text(resp))
			require.Len(t, srv.Requests(), 1)
			var e *llm.Error
			require.ErrorAs(t, fb.all()[0], &e)
			require.Equal(t, 400, e.Status)
		})
	}
}

// TestMalformedBody: a body the client cannot read is an error, not
// retried, and the fallback answers.
func TestMalformedBody(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		for _, stream := range []bool{false, true} {
			name := p.name
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				body := `{"choices": [{"message": {"content": "tru`
				if stream {
					body = "data: {\"choices\": [{\"delta\": tru\n\n"
				}
				srv := p.newServer(t, llmtest.Reply{Body: body})
				offline := &fixedModel{text: "sin conexión"}
				var fb fallbackRecorder
				model := llm.WithFallback(newModel(t, p.name, srv), offline, fb.record)
				var opts []llms.CallOption
				var got chunks
				if stream {
					opts = append(opts, got.option())
				}
				resp, err := model.GenerateContent(t.Context(), question(), opts...)
				require.NoError(t, err)
				require.Equal(t, "sin conexión", text(resp))
				require.Len(t, srv.Requests(), 1)
				require.Len(t, fb.all(), 1)
				var e *llm.Error
				require.ErrorAs(t, fb.all()[0], &e)
				require.False(t, e.Streamed)
			})
		}
	}
}

// TestSlowStreamCutByDeadline: a stream that stalls before its first word
// is cut by the attempt's deadline, retried, and then the fallback answers.
func TestSlowStreamCutByDeadline(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := p.newServer(t, llmtest.Reply{Text: "uno dos tres", ChunkDelay: 30 * time.Second, Times: llmtest.Forever})
			offline := &fixedModel{text: "sin conexión"}
			var fb fallbackRecorder
			model := llm.WithFallback(newModel(t, p.name, srv, func(c *llm.Config) {
				c.Timeout = 200 * time.Millisecond
				c.MaxRetries = 1
			}), offline, fb.record)

			var got chunks
			start := time.Now()
			resp, err := model.GenerateContent(t.Context(), question(), got.option())
			require.Less(t, time.Since(start), 5*time.Second, "the deadline applied")
			require.NoError(t, err)
			require.Equal(t, "sin conexión", text(resp))
			require.Equal(t, "sin conexión", got.text())
			require.Len(t, srv.Requests(), 2)
			var e *llm.Error
			require.ErrorAs(t, fb.all()[0], &e)
			require.ErrorIs(t, e, context.DeadlineExceeded)
			require.Equal(t, 2, e.Attempts)
		})
	}
}

// TestStreamInterrupted: when the provider stops after streaming part of an
// answer, it is not retried (the user would see the beginning twice); the
// fallback answers without streaming and the answer says the streamed text
// must be replaced.
func TestStreamInterrupted(t *testing.T) {
	t.Parallel()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := p.newServer(t, llmtest.Reply{Text: "Hola, el curso cuesta", StallAfter: 2})
			offline := &fixedModel{text: "El curso ia-101 cuesta 100 USD."}
			var fb fallbackRecorder
			model := llm.WithFallback(newModel(t, p.name, srv, func(c *llm.Config) {
				// Long enough for the first words to arrive on a loaded
				// machine; the stall after them lasts until the deadline.
				c.Timeout = time.Second
			}), offline, fb.record)

			var got chunks
			start := time.Now()
			resp, err := model.GenerateContent(t.Context(), question(), got.option())
			require.Less(t, time.Since(start), 5*time.Second)
			require.NoError(t, err)
			require.Equal(t, "Hola, el", got.text(), "only the provider's words were streamed")
			require.Equal(t, "El curso ia-101 cuesta 100 USD.", text(resp))
			fellBack, interrupted := llm.FellBack(resp)
			require.True(t, fellBack)
			require.True(t, interrupted)
			_, streamed := offline.state()
			require.False(t, streamed, "the fallback was not asked to stream")
			require.Len(t, srv.Requests(), 1, "not retried")
			var e *llm.Error
			require.ErrorAs(t, fb.all()[0], &e)
			require.True(t, e.Streamed)
			require.ErrorIs(t, e, context.DeadlineExceeded)
		})
	}
}

// TestDeadlineWithoutStream: an answer that never comes is cut by the
// deadline too.
func TestDeadlineWithoutStream(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewAnthropic(t, llmtest.Reply{Delay: 30 * time.Second})
	model := newModel(t, llm.ProviderAnthropic, srv, func(c *llm.Config) {
		c.Timeout = 200 * time.Millisecond
		c.MaxRetries = 0
	})
	start := time.Now()
	_, err := model.GenerateContent(t.Context(), question())
	require.Less(t, time.Since(start), 5*time.Second)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestDroppedConnectionRetried: a connection closed before any answer is a
// network failure, worth another attempt.
func TestDroppedConnectionRetried(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Hangup: true}, llmtest.Reply{Text: "de vuelta"})
	model := newModel(t, llm.ProviderOpenAI, srv)
	resp, err := model.GenerateContent(t.Context(), question())
	require.NoError(t, err)
	require.Equal(t, "de vuelta", text(resp))
	require.Len(t, srv.Requests(), 2)
}

// TestCallerGivesUp: when the caller's context ends, there is no retry and
// no fallback: nobody is waiting for the answer.
func TestCallerGivesUp(t *testing.T) {
	t.Parallel()
	t.Run("context", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewOpenAI(t, llmtest.Reply{Delay: 30 * time.Second})
		offline := &fixedModel{text: "sin conexión"}
		var fb fallbackRecorder
		model := llm.WithFallback(newModel(t, llm.ProviderOpenAI, srv), offline, fb.record)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := model.GenerateContent(ctx, question())
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Empty(t, fb.all())
		calls, _ := offline.state()
		require.Zero(t, calls)
	})
	t.Run("streaming func", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.NewOpenAI(t, llmtest.Reply{Text: "uno dos tres"})
		offline := &fixedModel{text: "sin conexión"}
		var fb fallbackRecorder
		model := llm.WithFallback(newModel(t, llm.ProviderOpenAI, srv), offline, fb.record)
		gone := errors.New("the websocket closed")
		_, err := model.GenerateContent(t.Context(), question(), llms.WithStreamingFunc(func(context.Context, []byte) error {
			return gone
		}))
		require.ErrorIs(t, err, gone)
		require.Empty(t, fb.all())
		require.Len(t, srv.Requests(), 1)
	})
}

func TestFallbackFailsToo(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 400})
	broken := errors.New("offline engine broke")
	model := llm.WithFallback(newModel(t, llm.ProviderOpenAI, srv), failingModel{broken}, nil)
	_, err := model.GenerateContent(t.Context(), question())
	require.ErrorIs(t, err, broken)
	var e *llm.Error
	require.ErrorAs(t, err, &e, "the primary's error is kept too")
}

type failingModel struct{ err error }

func (m failingModel) GenerateContent(context.Context, []llms.MessageContent, ...llms.CallOption) (*llms.ContentResponse, error) {
	return nil, m.err
}

func (m failingModel) Call(context.Context, string, ...llms.CallOption) (string, error) {
	return "", m.err
}

// TestEmptyAnswerIsAnError: an answer with nothing in it cannot be shown.
func TestEmptyAnswerIsAnError(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{})
	model := newModel(t, llm.ProviderOpenAI, srv)
	_, err := model.GenerateContent(t.Context(), question())
	require.ErrorIs(t, err, llm.ErrEmptyResponse)
	require.Len(t, srv.Requests(), 1)
}

// TestBaseURLWithPath: a base URL with a path is used as given.
func TestBaseURLWithPath(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Text: "ok"})
	model := newModel(t, llm.ProviderOpenAI, srv, func(c *llm.Config) { c.BaseURL = srv.URL + "/openai/v1/" })
	_, err := model.GenerateContent(t.Context(), question())
	require.NoError(t, err)
	require.Equal(t, "/openai/v1/chat/completions", srv.Requests()[0].Path)
}
