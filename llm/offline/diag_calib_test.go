//go:build calib

package offline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/scenario"
	"github.com/faroai/faro/store/fulltext"
	"github.com/tmc/langchaingo/llms"
)

type recModel struct {
	inner llms.Model
	mu    *sync.Mutex
	seen  map[string]string
}

func (r recModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	user := ""
	for _, m := range msgs {
		if m.Role == llms.ChatMessageTypeHuman {
			for _, p := range m.Parts {
				if t, ok := p.(llms.TextContent); ok {
					user = t.Text
				}
			}
		}
	}
	if tc, ok := turnctx.Read(msgs); ok {
		r.mu.Lock()
		for _, p := range tc.Passages {
			r.seen[user] += "\n\x00" + p.Text
		}
		r.mu.Unlock()
	}
	last := msgs[len(msgs)-1]
	for _, p := range last.Parts {
		if v, ok := p.(llms.ToolCallResponse); ok && v.Name == "search_knowledge" {
			r.mu.Lock()
			r.seen[user] += "\n\x00" + v.Content
			r.mu.Unlock()
		}
	}
	return r.inner.GenerateContent(ctx, msgs, opts...)
}

func (r recModel) Call(ctx context.Context, p string, o ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, r, p, o...)
}

// TestDiagnoseKnowledge sorts failed reply_contains_any turns: the expected
// words were in the passages the engine got (selection), only elsewhere in
// the knowledge base (retrieval), or nowhere (absent). FARO_DIAG=<split
// dir>; FARO_DIAG_QUIET=1 prints counts only.
func TestDiagnoseKnowledge(t *testing.T) {
	dir := os.Getenv("FARO_DIAG")
	if dir == "" {
		t.Skip()
	}
	quiet := os.Getenv("FARO_DIAG_QUIET") != ""
	scs, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var kb strings.Builder
	_ = filepath.Walk("../../demo/knowledge", func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			kb.Write(b)
		}
		return nil
	})
	kbText := fulltext.Fold(kb.String())
	rec := recModel{mu: &sync.Mutex{}, seen: map[string]string{}}
	rep := runWith(t, scs, func(m *offline.Model) llms.Model {
		rr := rec
		rr.inner = m
		return rr
	})
	counts := map[string]int{}
	for _, s := range rep.Scenarios {
		for _, tr := range s.Turns {
			for _, u := range tr.Unmet {
				if u.Key != "reply_contains_any" && u.Key != "reply_contains" {
					continue
				}
				var want []string
				if json.Unmarshal([]byte(u.Expected), &want) != nil {
					var one string
					_ = json.Unmarshal([]byte(u.Expected), &one)
					want = []string{one}
				}
				got := fulltext.Fold(rec.seen[tr.User])
				kind := "absent"
				searched := len(tr.Observed.Calls) == 0 || tr.Observed.Calls[0].Tool == "search_knowledge"
				for _, w := range want {
					fw := fulltext.Fold(w)
					if strings.Contains(got, fw) {
						kind = "selection"
						break
					}
					if strings.Contains(kbText, fw) {
						kind = "retrieval"
					}
				}
				if !searched {
					what := tr.Observed.Outcome
					if len(tr.Observed.Calls) > 0 {
						what = tr.Observed.Calls[0].Tool
					}
					kind += "/nosearch:" + what
				}
				counts[kind]++
				rank := -1
				for i, part := range strings.Split(got, "\x00") {
					for _, w := range want {
						if rank < 0 && strings.Contains(part, fulltext.Fold(w)) {
							rank = i
						}
					}
				}
				if strings.HasPrefix(kind, "selection") {
					refused := strings.Contains(tr.Observed.Reply, "couldn't find") || strings.Contains(tr.Observed.Reply, "No encontré") || strings.Contains(tr.Observed.Reply, "Não encontrei")
					counts[fmt.Sprintf("selection-rank%d-refused=%v", rank, refused)]++
				}
				if !quiet {
					fmt.Printf("%-20s rank=%d %s | %q want %v\n   => %q\n", kind, rank, s.Name, tr.User, want, clipS(tr.Observed.Reply, 300))
				}
			}
		}
	}
	fmt.Println(counts)
}

// TestDumpRankings writes, for every turn of FARO_DUMP's scenarios that
// expects words in its reply, the last sentence ranking the engine made
// for it, with the parts of each score, as JSON lines to FARO_DUMP_OUT.
func TestDumpRankings(t *testing.T) {
	dir := os.Getenv("FARO_DUMP")
	if dir == "" {
		t.Skip()
	}
	scs, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ scen, user string }
	var mu sync.Mutex
	last := map[key][]offline.RankRow{}
	ctx := context.Background()
	r, err := scenario.NewRunner(ctx, scenario.Options{TempDir: t.TempDir(), ModelFunc: func(ctx context.Context, env scenario.ModelEnv) (llms.Model, error) {
		m := business.NewModel(env.Store, env.Tools, business.Options{})
		w := &hookModel{m: m}
		offline.SetRankHook(m, func(q string, rows []offline.RankRow) {
			mu.Lock()
			last[key{w.scen, w.user}] = rows
			mu.Unlock()
		})
		return w, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := os.Create(os.Getenv("FARO_DUMP_OUT"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	enc := json.NewEncoder(out)
	for _, s := range scs {
		res := r.RunOne(ctx, s)
		for i, tr := range res.Turns {
			if i >= len(s.Turns) {
				break
			}
			e := s.Turns[i].Expect
			want := append(append([]string{}, e.ReplyContainsAny...), e.ReplyContains...)
			if len(want) == 0 {
				continue
			}
			mu.Lock()
			rows := last[key{"", tr.User}]
			delete(last, key{"", tr.User})
			mu.Unlock()
			ok := true
			for _, u := range tr.Unmet {
				if u.Key == "reply_contains_any" || u.Key == "reply_contains" {
					ok = false
				}
			}
			_ = enc.Encode(map[string]any{"scenario": s.Name, "turn": i, "user": tr.User, "want": want, "any": len(e.ReplyContainsAny) > 0, "ok": ok, "reply": tr.Observed.Reply, "rows": rows})
		}
	}
}

// hookModel remembers the message being answered, for the rank hook.
type hookModel struct {
	m          *offline.Model
	scen, user string
}

func (h *hookModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	for _, m := range msgs {
		if m.Role == llms.ChatMessageTypeHuman {
			for _, p := range m.Parts {
				if t, ok := p.(llms.TextContent); ok {
					h.user = t.Text
				}
			}
		}
	}
	return h.m.GenerateContent(ctx, msgs, opts...)
}

func (h *hookModel) Call(ctx context.Context, p string, o ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, h, p, o...)
}
