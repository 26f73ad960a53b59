package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/server"
)

// TestServeDocumentLinksOpen: a document staff generate in a chat comes
// with a link under FARO_PUBLIC_URL that the same server opens without a
// key — the tool and the server share the signing key — and the admin API
// lists it.
func TestServeDocumentLinksOpen(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.PublicURL = "https://faro.example"
	cfg.APIKeys = []server.KeySpec{{Name: "ops", Role: server.RoleAdmin, Key: testAdminKey}}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	base := "http://" + m.Addr()

	body, err := json.Marshal(map[string]any{"model": "faro", "messages": []map[string]string{{"role": "user",
		"content": "genera una propuesta en pdf, cliente: Laura Gómez, empresa: Acme, conceptos: Taller de IA 1500, validez: 30 dias"}}})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), "POST", base+"/v1/chat/completions", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var completion struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&completion))
	require.Len(t, completion.Choices, 1)
	reply := completion.Choices[0].Message.Content
	link := regexp.MustCompile(`https://faro\.example/d/[^\s)]+`).FindString(reply)
	require.NotEmpty(t, link, "reply: %s", reply)

	u, err := url.Parse(link)
	require.NoError(t, err)
	got, err := http.Get(base + u.Path + "?" + u.RawQuery)
	require.NoError(t, err)
	defer got.Body.Close()
	raw, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode, "%s", raw)
	require.Equal(t, "application/pdf", got.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(raw, []byte("%PDF-")))

	forged, err := http.Get(base + u.Path + "?" + strings.Replace(u.RawQuery, "sig=", "sig=A", 1))
	require.NoError(t, err)
	forged.Body.Close()
	require.Equal(t, http.StatusForbidden, forged.StatusCode)

	req, err = http.NewRequestWithContext(t.Context(), "GET", base+"/api/v1/documents", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	list, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer list.Body.Close()
	var page struct {
		Data []server.GeneratedDocumentInfo `json:"data"`
	}
	require.NoError(t, json.NewDecoder(list.Body).Decode(&page))
	require.Len(t, page.Data, 1)
	require.Equal(t, "proposal", page.Data[0].Template)
	require.Equal(t, strings.TrimPrefix(u.Path, "/d/"), page.Data[0].ID)
}
