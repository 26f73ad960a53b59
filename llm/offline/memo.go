package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"

	"github.com/tmc/langchaingo/llms"
)

// The engine is called two or more times per turn (the decision, then the
// reply after each tool result), and each call used to build the offered
// tools again and replay the conversation's earlier turns, deciding each
// one again to rebuild the state — work that grew with the conversation and
// was half of a loaded server's CPU. A Model therefore keeps:
//
//   - toolsets: the engine's view of a list of offered tools (the agent
//     offers the same list on every call), with the counts of tools that
//     know each word;
//   - decisions: what decide chose for a message, keyed by everything
//     decide reads — the offered tools, the reply language, the caller's
//     known name, email and phone, the course vocabulary, the day (for
//     relative dates), the state the message met and the message itself —
//     so a replay decides only what it has not decided before, and the
//     turn's later calls nothing.
//
// Both are pure caches: a miss decides as before, and a hit is what that
// decision was. They are bounded, and emptied when full. So are the
// Model's text caches (see textcache.go), which every call reads: words'
// stems (analyzer), the word counts of long prompt texts (textWords) and
// turn contexts parsed (readTurnContext).

const (
	maxCachedToolsets  = 64
	maxCachedDecisions = 1 << 14
	maxCachedAnswers   = 1 << 12
	// maxCachedVectors bounds the passages' sentences kept embedded:
	// 8192 of 384 dimensions is 12 MiB, a knowledge base's popular part.
	maxCachedVectors = 8192
)

// toolset is a list of offered tools as the engine sees it. Shared by the
// calls that offer the same list; read-only but for df.
type toolset struct {
	key   string
	tools []*toolDef
	mu    sync.Mutex
	df    map[wordForms]int // see run.toolsKnowing
	// clf routes messages among the tools and the knowledge base; trained
	// by the first call that routes (see run.classifier).
	clfOnce sync.Once
	clf     *classifier
}

// memo holds a Model's caches.
type memo struct {
	seed      maphash.Seed
	mu        sync.Mutex
	toolsets  map[string]*toolset
	decisions map[uint64]action
	// answers are what answerFull made of a question and its passages:
	// visitors ask the same questions and the search finds the same
	// passages, and ranking their sentences is the engine's largest cost
	// after deciding.
	answers map[uint64]answered
	// vectors are embeddings of passages' sentences: the same popular
	// passages come back turn after turn, and each answer compares the
	// question with every sentence of its passages.
	vectors map[string]normedVec
	// cataloged are the tool names the catalog is known to have.
	cataloged map[string]bool
}

func newMemo() *memo {
	return &memo{seed: maphash.MakeSeed(), toolsets: map[string]*toolset{}, decisions: map[uint64]action{}, answers: map[uint64]answered{}, vectors: map[string]normedVec{}, cataloged: map[string]bool{}}
}

// normedVec is a vector with its squared norm (see cosineNormed).
type normedVec struct {
	vec  []float32
	norm float64
}

// embedSentences embeds texts, those embedded before from the memo and the
// others in one batch, and returns their squared norms too. The vectors
// are shared: read them only.
func (m *Model) embedSentences(ctx context.Context, texts []string) ([][]float32, []float64, error) {
	out := make([][]float32, len(texts))
	norms := make([]float64, len(texts))
	var todo []string
	var at []int
	m.memo.mu.Lock()
	for i, t := range texts {
		if v, ok := m.memo.vectors[t]; ok {
			out[i], norms[i] = v.vec, v.norm
		} else {
			todo = append(todo, t)
			at = append(at, i)
		}
	}
	m.memo.mu.Unlock()
	if len(todo) == 0 {
		return out, norms, nil
	}
	vecs, err := m.emb.EmbedDocuments(ctx, todo)
	if err != nil {
		return nil, nil, err
	}
	if len(vecs) != len(todo) {
		return nil, nil, fmt.Errorf("offline model: %d vectors for %d sentences", len(vecs), len(todo))
	}
	for j, i := range at {
		out[i], norms[i] = vecs[j], sqNorm(vecs[j])
	}
	m.memo.mu.Lock()
	defer m.memo.mu.Unlock()
	if len(m.memo.vectors)+len(todo) > maxCachedVectors {
		m.memo.vectors = map[string]normedVec{}
	}
	for j, i := range at {
		m.memo.vectors[todo[j]] = normedVec{out[i], norms[i]}
	}
	return out, norms, nil
}

// toolset returns the engine's view of the offered tools, built once per
// distinct list.
func (m *Model) toolset(ctx context.Context, offered []llms.Tool) *toolset {
	// Every call builds the key (and nearly every call finds the
	// toolset), so it is written piece by piece, with no string built on
	// the way.
	var key strings.Builder
	for _, t := range offered {
		if t.Function == nil || t.Function.Name == "" {
			continue
		}
		fd := t.Function
		key.WriteString(fd.Name)
		key.WriteByte(0)
		key.WriteString(fd.Description)
		key.WriteByte(0)
		if !m.catalogKnows(fd.Name) {
			// The schema comes from the parameters only when the catalog
			// does not know the tool.
			b, _ := json.Marshal(fd.Parameters)
			key.Write(b)
		}
		key.WriteByte('\x01')
	}
	k := key.String()
	m.memo.mu.Lock()
	ts, ok := m.memo.toolsets[k]
	m.memo.mu.Unlock()
	if ok {
		return ts
	}
	ts = &toolset{key: k}
	complete := true
	for _, o := range offered {
		if o.Function == nil || o.Function.Name == "" {
			continue
		}
		t, ok := m.toolDef(ctx, *o.Function)
		complete = complete && ok
		ts.tools = append(ts.tools, t)
	}
	if complete {
		m.memo.mu.Lock()
		if len(m.memo.toolsets) >= maxCachedToolsets {
			m.memo.toolsets = map[string]*toolset{}
		}
		if prev, ok := m.memo.toolsets[k]; ok {
			ts = prev // built meanwhile by another call: share one
		} else {
			m.memo.toolsets[k] = ts
		}
		m.memo.mu.Unlock()
	}
	return ts
}

// catalogKnows reports whether the catalog has the tool. A catalog only
// gains tools, so a yes is remembered (asking builds the tool's whole
// info, on every call, for every offered tool).
func (m *Model) catalogKnows(name string) bool {
	if m.catalog == nil {
		return false
	}
	m.memo.mu.Lock()
	known := m.memo.cataloged[name]
	m.memo.mu.Unlock()
	if known {
		return true
	}
	if _, ok := m.catalog.Tool(name); !ok {
		return false
	}
	m.memo.mu.Lock()
	m.memo.cataloged[name] = true
	m.memo.mu.Unlock()
	return true
}

// decisionBase hashes what every decision of this call depends on besides
// the turns and the message.
func (r *run) decisionBase() uint64 {
	var h maphash.Hash
	h.SetSeed(r.m.memo.seed)
	for _, s := range []string{r.toolset.key, r.lang, r.conv.tc.Name, r.conv.tc.Email, r.conv.tc.Phone, r.courseKey(), r.now.Format("2006-01-02")} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// decideMemo is decide, from the memo when the same message met the same
// state before (in an earlier call, or earlier in this one). The key is the
// state itself, not the turns that led to it: the agent sends a window of
// the newest messages, which slides every turn, and the state a message
// meets is what decide reads of them.
func (r *run) decideMemo(text string, st state) action {
	var h maphash.Hash
	h.SetSeed(r.m.memo.seed)
	if r.base == 0 {
		r.base = r.decisionBase()
	}
	writeUint64(&h, r.base)
	writeState(&h, st)
	writeFacts(&h, r.callerBefore(text))
	// What was said before the message can settle its open choices.
	for _, e := range r.earlier {
		h.WriteString(e)
		h.WriteByte(0)
	}
	h.WriteString(text)
	key := h.Sum64()
	m := r.m.memo
	if a, ok := recall(m, &m.decisions, key); ok {
		return r.rebind(a)
	}
	a := r.decide(text, st)
	remember(m, &m.decisions, key, a, maxCachedDecisions)
	return a
}

// recall looks key up in *table, one of m's (read under m.mu: remember
// may replace it).
func recall[V any](m *memo, table *map[uint64]V, key uint64) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := (*table)[key]
	return v, ok
}

// remember keeps v under key in *table, one of m's, emptying it first
// when it holds limit entries.
func remember[V any](m *memo, table *map[uint64]V, key uint64, v V, limit int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(*table) >= limit {
		*table = map[uint64]V{}
	}
	(*table)[key] = v
}

// writeState hashes everything decide reads of a state.
func writeState(h *maphash.Hash, st state) {
	h.WriteByte(byte(st.kind))
	if st.tool != nil {
		h.WriteString(st.tool.name)
	}
	h.WriteByte(0)
	writeMsgs(h, st.msgs)
	h.WriteString(st.asked)
	h.WriteByte(0)
	// encoding/json writes map keys sorted: the same arguments, the same
	// bytes.
	if len(st.prior) > 0 {
		b, _ := json.Marshal(st.prior)
		h.Write(b)
	}
	h.WriteByte(0)
	writeUint64(h, uint64(st.tries))
	for _, w := range st.wants {
		h.WriteString(w)
		h.WriteByte(0)
	}
	h.WriteString(st.offerTool)
	h.WriteByte(0)
	writeMsgs(h, st.offerMsgs)
	if st.optional {
		h.WriteByte(1)
	}
}

func writeMsgs(h *maphash.Hash, msgs []taskMsg) {
	writeUint64(h, uint64(len(msgs)))
	for _, m := range msgs {
		h.WriteString(m.text)
		h.WriteByte(0)
		h.WriteString(m.answers)
		h.WriteByte(0)
	}
}

func writeUint64(h *maphash.Hash, v uint64) {
	var b [8]byte
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	h.Write(b[:])
}

// rebind points a remembered action at this call's tools: the toolset it
// was decided with may since have been built again, and tools are compared
// by identity.
func (r *run) rebind(a action) action {
	if a.tool != nil {
		a.tool = r.tool(a.tool.name)
	}
	if a.then != nil {
		then := r.rebind(*a.then)
		a.then = &then
	}
	return a
}

// courseKey identifies the course vocabulary the call routes with.
func (r *run) courseKey() string {
	if len(r.courses()) == 0 {
		return ""
	}
	if r.courseIx == nil {
		r.courseIx = r.m.courseIndex(r.courses())
	}
	return r.courseIx.key
}
