package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/stretchr/testify/require"
)

// fakeVector is the vector the local servers answer for a text: distinct
// per text, so a reply in the wrong order is caught.
func fakeVector(text string) []float32 {
	return []float32{float32(len(text)), float32(strings.Count(text, " ")), 0.5}
}

// openAIServer speaks POST /v1/embeddings as the OpenAI API does, and
// records the requests it was sent.
type openAIServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []openAIRequest
}

type openAIRequest struct {
	Auth  string
	Model string   `json:"model"`
	Input []string `json:"input"`
}

func newOpenAIServer(t *testing.T, wantKey string) *openAIServer {
	s := &openAIServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		var req openAIRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Auth = r.Header.Get("Authorization")
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if wantKey != "" && req.Auth != "Bearer "+wantKey {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided: sk-wr***ng.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
			return
		}
		type datum struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		resp := struct {
			Object string  `json:"object"`
			Data   []datum `json:"data"`
			Model  string  `json:"model"`
			Usage  struct {
				PromptTokens int `json:"prompt_tokens"`
				TotalTokens  int `json:"total_tokens"`
			} `json:"usage"`
		}{Object: "list", Model: req.Model}
		for i, in := range req.Input {
			resp.Data = append(resp.Data, datum{Object: "embedding", Index: i, Embedding: fakeVector(in)})
			resp.Usage.PromptTokens += len(strings.Fields(in))
		}
		resp.Usage.TotalTokens = resp.Usage.PromptTokens
		_ = json.NewEncoder(w).Encode(resp)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestNewEmbedderOffline(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  EmbedderConfig
		name string
		dim  int
	}{
		{EmbedderConfig{}, "offline-hash-384", 384},
		{EmbedderConfig{Provider: "offline", Dimension: 256}, "offline-hash-256", 256},
	} {
		e, name, err := NewEmbedder(c.cfg)
		require.NoError(t, err)
		require.Equal(t, c.name, name)
		require.IsType(t, &offline.Embedder{}, e)
		v, err := e.EmbedQuery(context.Background(), "hola")
		require.NoError(t, err)
		require.Len(t, v, c.dim)
	}
}

func TestNewEmbedderInvalid(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  EmbedderConfig
		want string
	}{
		{EmbedderConfig{Provider: "cohere"}, `"cohere" is not offline, openai or ollama`},
		{EmbedderConfig{Dimension: 3}, "dimension 3"},
		{EmbedderConfig{Provider: "openai"}, "needs an API key"},
		{EmbedderConfig{Provider: "openai", OpenAIAPIKey: "k", Dimension: 256}, "offline embedder only"},
		{EmbedderConfig{Provider: "openai", OpenAIBaseURL: "localhost:8000/v1"}, "not an http:// or https:// URL"},
		{EmbedderConfig{Provider: "ollama", OllamaURL: "://nope"}, "not an http:// or https:// URL"},
	} {
		_, _, err := NewEmbedder(c.cfg)
		require.ErrorContains(t, err, c.want, "config %+v", c.cfg)
	}
}

func TestOpenAIEmbedder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newOpenAIServer(t, "sk-test")
	e, name, err := NewEmbedder(EmbedderConfig{
		Provider:      "openai",
		Model:         "text-embedding-3-large",
		OpenAIBaseURL: srv.URL + "/v1/",
		OpenAIAPIKey:  "sk-test",
	})
	require.NoError(t, err)
	require.Equal(t, "openai:text-embedding-3-large", name)

	texts := []string{"¿Cuánto cuesta el curso?", "refund\npolicy", "a b c d"}
	vs, err := e.EmbedDocuments(ctx, texts)
	require.NoError(t, err)
	require.Len(t, vs, len(texts))
	for i, text := range texts {
		require.Equal(t, fakeVector(text), vs[i], "text %d", i)
	}
	require.Equal(t, "refund\npolicy", texts[1], "the caller's texts must not be rewritten")

	q, err := e.EmbedQuery(ctx, "certificado")
	require.NoError(t, err)
	require.Equal(t, fakeVector("certificado"), q)

	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.Len(t, srv.requests, 2)
	require.Equal(t, "Bearer sk-test", srv.requests[0].Auth)
	require.Equal(t, "text-embedding-3-large", srv.requests[0].Model)
	require.Equal(t, texts, srv.requests[0].Input)
}

func TestOpenAICompatibleWithoutKey(t *testing.T) {
	t.Parallel()
	srv := newOpenAIServer(t, "")
	e, name, err := NewEmbedder(EmbedderConfig{Provider: "openai", OpenAIBaseURL: srv.URL})
	require.NoError(t, err)
	require.Equal(t, "openai:"+DefaultOpenAIEmbeddingModel, name)
	v, err := e.EmbedQuery(context.Background(), "hola")
	require.NoError(t, err)
	require.Equal(t, fakeVector("hola"), v)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.Equal(t, DefaultOpenAIEmbeddingModel, srv.requests[0].Model)
}

func TestOpenAIEmbedderError(t *testing.T) {
	t.Parallel()
	srv := newOpenAIServer(t, "sk-right")
	e, _, err := NewEmbedder(EmbedderConfig{Provider: "openai", OpenAIBaseURL: srv.URL + "/v1", OpenAIAPIKey: "sk-wrong"})
	require.NoError(t, err)
	_, err = e.EmbedQuery(context.Background(), "hola")
	require.ErrorContains(t, err, "401")
	require.ErrorContains(t, err, "Incorrect API key")
}

// TestOllamaEmbedder runs langchaingo's Ollama client against a server that
// speaks POST /api/embed as Ollama does (one input per request in
// langchaingo v0.1.14).
func TestOllamaEmbedder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var models, inputs []string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/embed", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
			Input string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		if req.Model != "nomic-embed-text" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"model \"` + req.Model + `\" not found, try pulling it first"}`))
			return
		}
		mu.Lock()
		models, inputs = append(models, req.Model), append(inputs, req.Input)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"model":             req.Model,
			"embeddings":        [][]float32{fakeVector(req.Input)},
			"total_duration":    14143917,
			"load_duration":     1019500,
			"prompt_eval_count": 8,
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	e, name, err := NewEmbedder(EmbedderConfig{Provider: "ollama", OllamaURL: srv.URL})
	require.NoError(t, err)
	require.Equal(t, "ollama:nomic-embed-text", name)
	texts := []string{"primer texto", "second text here"}
	vs, err := e.EmbedDocuments(ctx, texts)
	require.NoError(t, err)
	require.Equal(t, [][]float32{fakeVector(texts[0]), fakeVector(texts[1])}, vs)
	q, err := e.EmbedQuery(ctx, "pregunta")
	require.NoError(t, err)
	require.Equal(t, fakeVector("pregunta"), q)
	mu.Lock()
	require.Equal(t, []string{"primer texto", "second text here", "pregunta"}, inputs)
	mu.Unlock()

	missing, _, err := NewEmbedder(EmbedderConfig{Provider: "ollama", OllamaURL: srv.URL, Model: "mxbai-embed-large"})
	require.NoError(t, err)
	_, err = missing.EmbedQuery(ctx, "hola")
	require.ErrorContains(t, err, "not found")
}
