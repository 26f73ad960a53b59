package tools_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
)

// stubSearcher answers every search with nothing.
type stubSearcher struct{}

func (stubSearcher) Search(context.Context, knowledge.Query) ([]knowledge.Result, error) {
	return nil, nil
}

// fakeSearcher records the queries and answers with results or err.
type fakeSearcher struct {
	mu      sync.Mutex
	queries []knowledge.Query
	results []knowledge.Result
	err     error
}

func (f *fakeSearcher) Search(_ context.Context, q knowledge.Query) ([]knowledge.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	return f.results, f.err
}

func TestSearchKnowledge(t *testing.T) {
	t.Parallel()
	s := &fakeSearcher{results: []knowledge.Result{{
		Chunk: store.Chunk{ID: "ch-1", Text: "El curso IA-101 cuesta 199 USD.", Language: "es"},
		Score: 0.0327868852,
		Citation: knowledge.Citation{
			Source: "cursos/ia-101.md", Title: "IA para marketing", Heading: "Precios",
			Link: "cursos/ia-101.md#precios", Quote: "cuesta 199 USD",
		},
	}}}
	r := tools.NewRegistry()
	tools.AddSearchKnowledge(r, s)

	for _, role := range []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff} {
		require.True(t, r.Allowed("search_knowledge", role), "everyone may search: %s", role)
	}

	o := r.Call(t.Context(), caller(store.RoleProspect), call("search_knowledge", `{"query":"precio del curso de IA","language":"es"}`))
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, []knowledge.Query{{Text: "precio del curso de IA", Language: "es", K: knowledge.DefaultK}}, s.queries)
	res, ok := o.Result.(tools.SearchKnowledgeResult)
	require.True(t, ok, "the agent finds the typed result in Outcome.Result")
	require.Len(t, res.Passages, 1)
	p := res.Passages[0]
	require.Regexp(t, `^k[0-9a-f]{6}$`, p.Ref)
	require.Equal(t, "cursos/ia-101.md#precios", p.Citation.Link)
	require.JSONEq(t, fmt.Sprintf(`{"query":"precio del curso de IA","passages":[{"ref":%q,"title":"IA para marketing","heading":"Precios",
		"source":"cursos/ia-101.md","link":"cursos/ia-101.md#precios","language":"es","text":"El curso IA-101 cuesta 199 USD.","score":0.0328}]}`, p.Ref),
		o.Response.Content)

	// The same passage keeps its ref in another search.
	o2 := r.Call(t.Context(), caller(store.RoleStaff), call("search_knowledge", `{"query":"IA-101 price"}`))
	require.Equal(t, p.Ref, o2.Result.(tools.SearchKnowledgeResult).Passages[0].Ref)
	require.Empty(t, s.queries[1].Language, "no language given: the query is stemmed in every language")
}

func TestSearchKnowledgeOutcomes(t *testing.T) {
	t.Parallel()

	t.Run("nothing found", func(t *testing.T) {
		t.Parallel()
		r := tools.NewRegistry()
		tools.AddSearchKnowledge(r, &fakeSearcher{})
		o := r.Call(t.Context(), caller(store.RoleStudent), call("search_knowledge", `{"query":"horario de la cafeteria"}`))
		require.Equal(t, tools.StatusOK, o.Status)
		require.JSONEq(t, `{"query":"horario de la cafeteria","passages":[],"note":"no passage matched: the knowledge base does not cover this"}`, o.Response.Content)
	})

	t.Run("missing query", func(t *testing.T) {
		t.Parallel()
		s := &fakeSearcher{}
		r := tools.NewRegistry()
		tools.AddSearchKnowledge(r, s)
		o := r.Call(t.Context(), caller(store.RoleStudent), call("search_knowledge", `{"language":"de"}`))
		require.Equal(t, tools.StatusInvalid, o.Status)
		require.Equal(t, []string{"query"}, tools.Missing(o.Err))
		var ve *tools.ValidationError
		require.ErrorAs(t, o.Err, &ve)
		require.Equal(t, "language", ve.Fields[1].Field)
		require.Empty(t, s.queries, "no search on invalid arguments")
	})

	t.Run("search fails", func(t *testing.T) {
		t.Parallel()
		r := tools.NewRegistry()
		tools.AddSearchKnowledge(r, &fakeSearcher{err: fmt.Errorf("search: %w: index by hash-384, query by openai", knowledge.ErrEmbedderMismatch)})
		o := r.Call(t.Context(), caller(store.RoleStudent), call("search_knowledge", `{"query":"precio"}`))
		require.Equal(t, tools.StatusError, o.Status)
		require.True(t, errors.Is(o.Err, knowledge.ErrEmbedderMismatch))
		require.NotContains(t, o.Response.Content, "openai", "internal detail stays out of the content")
	})

	require.Panics(t, func() { tools.AddSearchKnowledge(tools.NewRegistry(), nil) })
}
