// Package llm builds the models Faro talks to from configuration: the
// language model, a langchaingo [llms.Model] for a real provider (OpenAI and
// any OpenAI-compatible server, Ollama, Anthropic) made resilient, with the
// offline engine of [github.com/faroai/faro/llm/offline] behind it as the
// fallback; and the embedder of the knowledge base ([NewEmbedder]).
// Configuration is read by the caller and passed in; nothing here reads the
// environment.
//
// The composition root wires it like this:
//
//	model := llms.Model(offlineModel)
//	if cfg.LLM.Remote() {
//		primary, err := llm.NewModel(cfg.LLM, httpClient)
//		if err != nil { ... }
//		model = llm.WithFallback(primary, offlineModel, func(err error) {
//			logger.Warn("model failed; answered by the offline engine", "err", err)
//			metrics.fallbacks.Inc()
//		})
//	}
//
// # What NewModel adds to the provider's client
//
//   - Every attempt has a deadline (Config.Timeout) inside the caller's
//     context.
//   - 429, 408 and 5xx answers, network failures and timeouts are retried with
//     exponential backoff and full jitter, honouring Retry-After; other 4xx
//     answers are not. Nothing is retried once part of the answer has reached
//     the caller's streaming function, because a second attempt would stream
//     the answer again from its first word.
//   - Failures the langchaingo clients hide are turned into errors: an OpenAI
//     stream cut by the deadline (the client returns the partial text as a
//     success), an Ollama error status with an empty body (the client returns
//     an empty answer), and an answer with neither text nor tool calls.
//   - Streamed chunks reach the caller only when they are text: empty chunks
//     and the JSON of tool-call fragments (which the OpenAI client passes to
//     the streaming function as if it were text) are dropped.
//   - A failed call returns an [*Error] that says how many attempts were made,
//     the last HTTP status and whether anything had been streamed.
//
// # Providers as langchaingo v0.1.14 speaks to them
//
// Ollama is reached through its OpenAI-compatible endpoint (<base>/v1), not
// through langchaingo's ollama client: that client sends no tools, drops tool
// calls from Ollama's answers, and fails on any conversation that contains a
// tool call or a tool result, so the agent could never use a tool.
//
// The agent must shape its conversation so that every provider accepts it
// (see the llmtest package for servers that enforce the same rules):
//   - Look for tool calls in every choice: Anthropic's client returns one
//     choice per content block (text in one, each tool call in its own).
//   - Send each tool call back as an AI message holding exactly that one
//     llms.ToolCall (with Type "function"), followed by one tool message with
//     its llms.ToolCallResponse. Anthropic's client reads only the first part
//     of an AI or tool message, and OpenAI rejects a tool call whose type is
//     not "function" (Anthropic's client returns calls with an empty Type).
//   - Never send an empty text part: Anthropic rejects empty text blocks.
package llm
