package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/tmc/langchaingo/llms"
)

// streamTracker sits between a client and the caller's streaming functions:
// it forwards only non-empty chunks, remembers whether any reached the
// caller (after which a retry or a silent fallback would show the user the
// beginning of an answer twice), and remembers an error the caller returned
// (the caller stopped listening, so there is no one to retry for).
type streamTracker struct {
	mu        sync.Mutex
	delivered bool
	callerErr error
}

func (t *streamTracker) state() (delivered bool, callerErr error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.delivered, t.callerErr
}

func (t *streamTracker) after(err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delivered = true
	if err != nil && t.callerErr == nil {
		t.callerErr = err
	}
	return err
}

// wrap returns options that stream through t, or options unchanged when the
// caller does not stream. streaming reports whether the caller streams.
func (t *streamTracker) wrap(options []llms.CallOption) (wrapped []llms.CallOption, streaming bool) {
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	if opts.StreamingFunc == nil && opts.StreamingReasoningFunc == nil {
		return options, false
	}
	// A fresh slice: appending to the caller's could write into its array.
	wrapped = append(make([]llms.CallOption, 0, len(options)+2), options...)
	if f := opts.StreamingFunc; f != nil {
		wrapped = append(wrapped, llms.WithStreamingFunc(func(ctx context.Context, chunk []byte) error {
			if len(chunk) == 0 {
				return nil
			}
			return t.after(f(ctx, chunk))
		}))
	}
	if f := opts.StreamingReasoningFunc; f != nil {
		wrapped = append(wrapped, llms.WithStreamingReasoningFunc(func(ctx context.Context, reasoning, chunk []byte) error {
			if len(reasoning) == 0 && len(chunk) == 0 {
				return nil
			}
			return t.after(f(ctx, reasoning, chunk))
		}))
	}
	return wrapped, true
}

// withoutStreaming returns options with the streaming functions removed.
func withoutStreaming(options []llms.CallOption) []llms.CallOption {
	out := append(make([]llms.CallOption, 0, len(options)+2), options...)
	return append(out, llms.WithStreamingFunc(nil), llms.WithStreamingReasoningFunc(nil))
}

// dropToolCallChunks wraps the OpenAI client, whose streaming function
// receives, besides text, the JSON of every tool-call fragment
// (`[{"id":"call_1","type":"function","function":{"name":…}}]`). A user
// must not see that, and it is not part of the answer's text, so it is
// dropped before the caller's function.
type dropToolCallChunks struct{ llms.Model }

func (m dropToolCallChunks) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	if opts.StreamingFunc == nil && opts.StreamingReasoningFunc == nil {
		return m.Model.GenerateContent(ctx, messages, options...)
	}
	wrapped := append(make([]llms.CallOption, 0, len(options)+2), options...)
	if f := opts.StreamingFunc; f != nil {
		wrapped = append(wrapped, llms.WithStreamingFunc(func(ctx context.Context, chunk []byte) error {
			if isToolCallDelta(chunk) {
				return nil
			}
			return f(ctx, chunk)
		}))
	}
	if f := opts.StreamingReasoningFunc; f != nil {
		wrapped = append(wrapped, llms.WithStreamingReasoningFunc(func(ctx context.Context, reasoning, chunk []byte) error {
			if isToolCallDelta(chunk) {
				chunk = nil
			}
			return f(ctx, reasoning, chunk)
		}))
	}
	return m.Model.GenerateContent(ctx, messages, wrapped...)
}

func (m dropToolCallChunks) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// isToolCallDelta reports whether chunk is the JSON the OpenAI client makes
// of a tool-call delta: an array of objects that each have "type" and
// "function". A token of text is never that.
func isToolCallDelta(chunk []byte) bool {
	if !bytes.HasPrefix(chunk, []byte("[{")) {
		return false
	}
	var calls []struct {
		Type     *string          `json:"type"`
		Function *json.RawMessage `json:"function"`
	}
	if err := json.Unmarshal(chunk, &calls); err != nil || len(calls) == 0 {
		return false
	}
	for _, c := range calls {
		if c.Type == nil || c.Function == nil {
			return false
		}
	}
	return true
}
