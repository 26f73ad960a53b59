package agent

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func texts(hs []histMsg) []string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%d:%s", h.seq, h.text))
	}
	return out
}

func msgs(from, to int64) []histMsg {
	var hs []histMsg
	for s := from; s <= to; s++ {
		hs = append(hs, histMsg{seq: s, author: store.AuthorUser, text: fmt.Sprint("m", s)})
	}
	return hs
}

func TestRecentAddKeepsWindowsWhole(t *testing.T) {
	r := newRecent(1<<20, 2)    // keeps 3: a window of 2 and 1 more
	r.add("c", histMsg{seq: 1}) // no window yet: nothing to extend
	require.Nil(t, r.get("c"))

	r.put("c", msgs(1, 2))
	old := r.get("c")
	r.add("c", histMsg{seq: 3, text: "m3"})
	r.add("c", histMsg{seq: 4, text: "m4"})
	require.Equal(t, []string{"2:m2", "3:m3", "4:m4"}, texts(r.get("c")), "the newest keep messages")
	require.Equal(t, []string{"1:m1", "2:m2"}, texts(old), "a window read before is not changed under its reader")

	r.add("c", histMsg{seq: 6, text: "m6"}) // 5 was stored elsewhere
	require.Equal(t, []string{"2:m2", "3:m3", "4:m4"}, texts(r.get("c")), "a message after a gap is left to the store")
}

func TestRecentBoundedByBytes(t *testing.T) {
	big := strings.Repeat("x", 1000)
	one := histMsg{seq: 1, text: big}
	r := newRecent(3*one.size(), 20)
	for _, c := range []string{"a", "b", "c"} {
		r.put(c, []histMsg{one})
	}
	require.NotNil(t, r.get("a")) // a is now the most recently used
	r.put("d", []histMsg{one})
	require.Nil(t, r.get("b"), "the least recently used window goes first")
	require.NotNil(t, r.get("a"))
	require.NotNil(t, r.get("d"))
	require.LessOrEqual(t, r.bytes, r.max)

	r.add("a", histMsg{seq: 2, text: big})
	require.LessOrEqual(t, r.bytes, r.max, "a window that grows evicts others")
	require.Len(t, r.get("a"), 2)

	r.put("huge", []histMsg{{seq: 1, text: strings.Repeat("y", 5000)}})
	require.Nil(t, r.get("huge"), "a window larger than the bound is not kept")
	require.LessOrEqual(t, r.bytes, r.max)

	var none *recent = newRecent(0, 20)
	none.put("a", []histMsg{one})
	none.add("a", histMsg{seq: 2})
	require.Nil(t, none.get("a"), "no cache keeps nothing")
}
