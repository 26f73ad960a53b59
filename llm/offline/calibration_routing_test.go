//go:build calib

// Routing decisions and scores against the tools Faro really registers
// (tools.NewDefault), for tuning; not part of the normal test run:
//
//	FARO_MSGS='first message|second message' go test -tags calib ./llm/offline -run TestRealRoute -v

package offline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
	"github.com/tmc/langchaingo/llms"
)

func TestRealRoute(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := offline.NewEmbedder(offline.EmbedderOptions{})
	kb := knowledge.New(db, e, e.Name(), nil)
	reg, err := tools.NewDefault(db, kb, tools.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := offline.NewModel(offline.Options{Catalog: toolcatalog.New(reg), Vocabulary: demoVocabulary(t)})
	msgs := strings.Split(os.Getenv("FARO_MSGS"), "|")
	for _, role := range []store.Role{store.RoleProspect, store.RoleStudent} {
		for _, text := range msgs {
			mc := []llms.MessageContent{
				{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: string(role)}.Part()}},
				llms.TextParts(llms.ChatMessageTypeHuman, text),
			}
			kind, tool, field := offline.Decision(m, mc, llms.WithTools(reg.Definitions(role)))
			fmt.Printf("%s %q -> %s %s %s\n   %v\n", role, text, kind, tool, field, offline.Scores(m, mc, llms.WithTools(reg.Definitions(role))))
		}
	}
}
