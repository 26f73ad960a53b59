// Package llmtest runs local HTTP servers on 127.0.0.1 that speak the wire
// protocols of OpenAI chat completions, Ollama and Anthropic messages, and
// answer from a script, so tests can drive the real langchaingo clients
// (and everything built on them) through whole conversations, tool calls,
// streaming and failures, with no network.
//
// A script is a list of [Reply] values; each request takes the next one:
//
//	srv := llmtest.NewOpenAI(t,
//		llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: "enroll_course", Args: `{"course":"ia-101"}`}}},
//		llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
//			res, _ := req.LastToolResult()
//			return llmtest.Reply{Text: "Listo: " + res.Text}
//		}},
//	)
//	client, _ := openai.New(openai.WithBaseURL(srv.BaseURL()), openai.WithToken(srv.APIKey))
//	...
//	reqs := srv.Requests() // what the client sent, decoded
//
// Replies can also fail: Status (with RetryAfter), Times to repeat a reply
// (or [Forever]), Body for a malformed answer, Hangup to drop the
// connection, and Delay, ChunkDelay and StallAfter for slow answers and
// streams that stop.
//
// The servers check requests the way the real services do (roles, tool
// results answering tool calls, required fields, API keys) and fail the test
// with a message saying which rule was broken, because the real service would
// have rejected the request. A request after the script has run out also
// fails the test, and so does a scripted reply that was never requested.
//
// Ollama's server answers both its native API (/api/chat) and the
// OpenAI-compatible one (/v1/chat/completions) from one script, as Ollama
// does.
package llmtest
