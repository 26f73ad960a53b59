//go:build calib

package offline_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/scenario"
	"github.com/tmc/langchaingo/llms"
)

// seenModel records, by the last human message, every text the engine was
// given for it (the turn context's passages, the tools' results).
type seenModel struct {
	m    *offline.Model
	mu   *sync.Mutex
	seen map[string]*strings.Builder
}

func (s seenModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	human := ""
	from := 0
	for i, m := range msgs {
		if m.Role == llms.ChatMessageTypeHuman {
			for _, p := range m.Parts {
				if t, ok := p.(llms.TextContent); ok {
					human, from = t.Text, i
				}
			}
		}
	}
	s.mu.Lock()
	b := s.seen[human]
	if b == nil {
		b = &strings.Builder{}
		s.seen[human] = b
	}
	for _, m := range msgs {
		if m.Role != llms.ChatMessageTypeSystem {
			continue
		}
		for _, p := range m.Parts {
			if t, ok := p.(llms.TextContent); ok {
				b.WriteString(t.Text)
			}
		}
	}
	for _, m := range msgs[from:] {
		for _, p := range m.Parts {
			if t, ok := p.(llms.ToolCallResponse); ok {
				b.WriteString(t.Content)
			}
		}
	}
	s.mu.Unlock()
	return s.m.GenerateContent(ctx, msgs, opts...)
}

func (s seenModel) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, s, prompt, opts...)
}

// TestWhereAnswersFail sorts the failing knowledge turns: the expected
// text was in what the engine was given (it picked wrong), or not (the
// search missed it).
func TestWhereAnswersFail(t *testing.T) {
	dir := os.Getenv("FARO_SCENDIR")
	if dir == "" {
		t.Skip()
	}
	scs, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]*strings.Builder{}
	rep := runWith(t, scs, func(m *offline.Model) llms.Model { return seenModel{m: m, mu: &mu, seen: seen} })
	picked, missed := 0, 0
	for _, r := range rep.Scenarios {
		if r.Passed || r.First == nil || !strings.HasPrefix(r.First.Key, "reply_contains") {
			continue
		}
		blob := ""
		if b := seen[r.First.User]; b != nil {
			blob = foldT(b.String())
		}
		found := false
		for _, e := range strings.Split(strings.Trim(r.First.Expected, "[]"), "\", \"") {
			e = foldT(strings.Trim(e, "\" "))
			if e != "" && strings.Contains(blob, e) {
				found = true
			}
		}
		kind := "MISSED"
		if found {
			kind, picked = "PICKED", picked+1
		} else {
			missed++
		}
		fmt.Printf("%s %s | %s | %s\n", kind, r.Name, r.First.Expected, clipS(r.First.User, 90))
	}
	fmt.Printf("in passages but not picked: %d; not in passages: %d\n", picked, missed)
}

func foldT(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ã", "a", "õ", "o", "ç", "c", "ê", "e", "â", "a", "ô", "o").Replace(strings.ToLower(s))
}
