package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func takeDelta(t *testing.T, s *deltaStream) (deltaFrame, bool) {
	t.Helper()
	b := s.take()
	if b == nil {
		return deltaFrame{}, false
	}
	var f deltaFrame
	require.NoError(t, json.Unmarshal(b, &f))
	return f, true
}

func TestDeltaStreamCoalescesWhileQueued(t *testing.T) {
	s := &deltaStream{id: "aaaaaaaa-0001"}
	require.True(t, s.add("Hola, "), "the first piece needs a queue entry")
	require.False(t, s.add("¿en qué "), "one entry stands for the stream")
	require.False(t, s.add("puedo ayudar?"))
	f, ok := takeDelta(t, s)
	require.True(t, ok)
	require.Equal(t, deltaFrame{Type: "delta", StreamID: "aaaaaaaa-0001", Index: 0, Text: "Hola, ¿en qué puedo ayudar?"}, f)
	_, ok = takeDelta(t, s)
	require.False(t, ok, "nothing new: no frame")

	require.True(t, s.add(" Más"), "taken: the next piece needs an entry again")
	f, _ = takeDelta(t, s)
	require.Equal(t, 1, f.Index, "indexes count the frames sent")
	require.Equal(t, " Más", f.Text)
}

func TestDeltaStreamUnqueuedTextWaits(t *testing.T) {
	s := &deltaStream{id: "aaaaaaaa-0002"}
	require.True(t, s.add("uno "))
	s.unqueue() // the queue was full
	require.True(t, s.add("dos"), "the next piece asks again")
	f, _ := takeDelta(t, s)
	require.Equal(t, "uno dos", f.Text, "nothing was lost or reordered")
	require.Equal(t, 0, f.Index)
}

func TestDeltaStreamIsBounded(t *testing.T) {
	s := &deltaStream{id: "aaaaaaaa-0003"}
	require.True(t, s.add("antes "))
	for range 100 {
		s.add(strings.Repeat("x", 1<<10))
	}
	require.False(t, s.add("después"))
	_, ok := takeDelta(t, s)
	require.False(t, ok, "past the bound the stream is dropped; the reply replaces it")
	require.Zero(t, s.text.Len(), "and nothing is held for it")
}
