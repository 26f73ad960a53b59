package llm

import "github.com/tmc/langchaingo/llms"

// Usage returns the tokens a provider reported for resp: the prompt's and the
// completion's. langchaingo v0.1.14 puts them in each choice's
// GenerationInfo under provider-specific keys:
//
//	openai (and ollama through it)  PromptTokens, CompletionTokens
//	ollama's own client             PromptTokens, CompletionTokens
//	anthropic                       InputTokens, OutputTokens
//
// Every choice of one response repeats the response's totals (Anthropic's
// client makes one choice per content block), so they are read from the
// first choice that has them, never summed. An answer from a model that
// reports nothing, like the offline engine, counts 0 and 0.
func Usage(resp *llms.ContentResponse) (prompt, completion int) {
	if resp == nil {
		return 0, 0
	}
	for _, c := range resp.Choices {
		if c == nil || c.GenerationInfo == nil {
			continue
		}
		p, okP := firstInt(c.GenerationInfo, "PromptTokens", "InputTokens")
		q, okC := firstInt(c.GenerationInfo, "CompletionTokens", "OutputTokens")
		if okP || okC {
			return p, q
		}
	}
	return 0, 0
}

func firstInt(info map[string]any, keys ...string) (int, bool) {
	for _, k := range keys {
		switch v := info[k].(type) {
		case int:
			return v, true
		case int32:
			return int(v), true
		case int64:
			return int(v), true
		case float64:
			return int(v), true
		}
	}
	return 0, false
}
