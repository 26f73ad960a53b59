package agent

import "github.com/faroai/faro/store"

// Hooks for the package's tests, compiled only into them.

// SetQueuedHook sets a function told each time a message joins its
// conversation's queue (the moment a fold or a burst is decided), so
// tests can order events without sleeping. Set it before the first Turn.
func SetQueuedHook(a *Agent, f func(conversationID string, seq int64)) { a.onQueued = f }

// Lanes returns the number of conversations with messages waiting or a
// turn running: zero once the agent is idle.
func Lanes(a *Agent) int {
	a.lanes.mu.Lock()
	defer a.lanes.mu.Unlock()
	return len(a.lanes.m)
}

// SystemPrompt is systemPrompt, for the static prompt tests.
func SystemPrompt(lang string, role store.Role, instructions string) string {
	return systemPrompt(lang, role, Persona{}, instructions)
}

// SecretLike is secretLike, for the static prompt tests.
func SecretLike(tok string) bool { return secretLike(tok) }
