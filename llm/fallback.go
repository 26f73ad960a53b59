package llm

import (
	"context"
	"fmt"
	"maps"

	"github.com/tmc/langchaingo/llms"
)

// Keys that [WithFallback] sets to true in the GenerationInfo of every choice
// the fallback model answered.
const (
	// InfoFallback marks an answer that came from the fallback model.
	InfoFallback = "FaroFallback"
	// InfoStreamInterrupted marks a fallback answer given after the primary
	// had already streamed part of its own: the fallback's answer was not
	// streamed, and what was streamed must be replaced by it.
	InfoStreamInterrupted = "FaroStreamInterrupted"
)

// WithFallback returns a model that asks primary and, when primary fails,
// asks fallback the same thing, after telling onFallback (which may be nil)
// why. It does not fall back when ctx has ended or the caller's streaming
// function returned an error: the caller has stopped waiting.
//
// When primary fails after part of its answer has reached the caller's
// streaming function, fallback is asked without the streaming functions, so
// the user never sees a second answer streamed after the broken first one;
// its answer is marked with [InfoStreamInterrupted] (see [FellBack]) and a
// channel that streamed must replace what it showed with the returned text.
// The error given to onFallback says so too.
func WithFallback(primary, fallback llms.Model, onFallback func(err error)) llms.Model {
	return &fallbackModel{primary: primary, fallback: fallback, onFallback: onFallback}
}

type fallbackModel struct {
	primary, fallback llms.Model
	onFallback        func(error)
}

// Call implements the deprecated half of llms.Model through GenerateContent.
func (m *fallbackModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// GenerateContent asks primary, then fallback, as [WithFallback] describes.
func (m *fallbackModel) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var tracker streamTracker
	wrapped, _ := tracker.wrap(options)
	resp, err := m.primary.GenerateContent(ctx, messages, wrapped...)
	if err == nil {
		return resp, nil
	}
	streamed, callerErr := tracker.state()
	if ctx.Err() != nil || callerErr != nil {
		return nil, err
	}
	fbOptions := options
	if streamed {
		err = fmt.Errorf("primary model failed after streaming part of its answer; the fallback's answer replaces it: %w", err)
		fbOptions = withoutStreaming(options)
	}
	if m.onFallback != nil {
		m.onFallback(err)
	}
	resp, fbErr := m.fallback.GenerateContent(ctx, messages, fbOptions...)
	if fbErr != nil {
		return nil, fmt.Errorf("llm: fallback model failed too: %w (primary: %w)", fbErr, err)
	}
	return marked(resp, streamed), nil
}

// marked returns a copy of resp with the fallback keys set, leaving the
// fallback model's own values (which it may share between calls) untouched.
func marked(resp *llms.ContentResponse, interrupted bool) *llms.ContentResponse {
	if resp == nil {
		return nil
	}
	out := &llms.ContentResponse{Choices: make([]*llms.ContentChoice, 0, len(resp.Choices))}
	for _, c := range resp.Choices {
		if c == nil {
			continue
		}
		cc := *c
		cc.GenerationInfo = maps.Clone(c.GenerationInfo)
		if cc.GenerationInfo == nil {
			cc.GenerationInfo = map[string]any{}
		}
		cc.GenerationInfo[InfoFallback] = true
		if interrupted {
			cc.GenerationInfo[InfoStreamInterrupted] = true
		}
		out.Choices = append(out.Choices, &cc)
	}
	return out
}

// FellBack reports whether resp came from the fallback model of
// [WithFallback], and whether the primary had streamed part of an answer
// before failing (so the streamed text must be replaced by resp's).
func FellBack(resp *llms.ContentResponse) (fellBack, streamInterrupted bool) {
	if resp == nil {
		return false, false
	}
	for _, c := range resp.Choices {
		if c == nil {
			continue
		}
		if v, _ := c.GenerationInfo[InfoFallback].(bool); v {
			fellBack = true
		}
		if v, _ := c.GenerationInfo[InfoStreamInterrupted].(bool); v {
			streamInterrupted = true
		}
	}
	return fellBack, streamInterrupted
}
