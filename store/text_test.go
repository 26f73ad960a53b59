package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func TestControlCharacters(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"hola":               "hola",
		"ho\x00la\x01\x7f":   "hola",
		"línea\notra\tfin\r": "línea\notra\tfin\r",
		"\x1b[31mrojo":       "[31mrojo",
	} {
		require.Equal(t, want, store.CleanText(in), "%q", in)
		require.Equal(t, in != want, store.HasControl(in), "%q", in)
	}
}
