package main

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"
)

// TestServeNamesTheStoredCourses: the offline engine of a running server
// enrols in a course the admin put through the API under a slug and title
// the demo catalogue never had, named by a student exactly as stored.
func TestServeNamesTheStoredCourses(t *testing.T) {
	t.Parallel()
	m, logs := startWithKeys(t)
	base := "http://" + m.Addr()
	ctx := t.Context()

	const slug = "taller-t7"
	body := `{"title":{"es":"Cerámica cuántica para drones","en":"Quantum Ceramics for Drones"},
		"language":"es","topics":["impresion-3d"],"price":{"amount":0,"currency":"USD"},"seats":10,"status":"open"}`
	req, err := http.NewRequestWithContext(ctx, "PUT", base+"/api/v1/courses/"+slug, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(testStudentKey), option.WithMaxRetries(0))
	reply, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "faro",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(
			"quiero inscribirme en el curso Cerámica cuántica para drones, soy Ana López, ana.lopez@example.com")},
	})
	require.NoError(t, err, "logs:\n%s", logs.String())
	t.Log(reply.Choices[0].Message.Content)
	taken, err := m.Store.SeatsTaken(ctx, slug)
	require.NoError(t, err)
	require.Equal(t, 1, taken, "enroll_course was called with the stored slug; reply: %s", reply.Choices[0].Message.Content)
}
