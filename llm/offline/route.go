package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/tmc/langchaingo/llms"
)

// Names of tools of the public contract that the engine treats specially:
// search_knowledge is how it answers questions when it was given no
// passages, request_human is the hand-off, open_ticket what it offers when
// the knowledge base has no answer, and a student's certificate
// (generate_document) waits for their enrolments (my_enrollments). Any
// other tool is routed to by its examples and description alone.
const (
	toolSearchKnowledge = "search_knowledge"
	toolRequestHuman    = "request_human"
	toolOpenTicket      = "open_ticket"
	// A student's certificate is for a course they completed: their
	// enrolments are looked up first (see certificateCheck).
	toolGenerateDocument = "generate_document"
	toolMyEnrollments    = "my_enrollments"
)

// Routing thresholds, on the similarity of a message to a tool's examples
// (0–1; see run.similarity). Tuned on the routing tests: realistic
// messages for the tools of the contract, in Spanish and English.
const (
	// toolClear: a tool this close is what the user wants, question or not.
	toolClear = 0.55
	// toolMin: below this no tool is meant; between the two, a tool wins
	// only if it beats the knowledge answer's score.
	toolMin = 0.26
	// toolMargin is how much a tool between toolMin and toolClear must beat
	// the knowledge answer by.
	toolMargin = 0.03
	// searchHandicap lowers search_knowledge's score against specific tools:
	// its examples are any question, so it should win only when no specific
	// tool fits about as well.
	searchHandicap = 0.06
)

// toolDef is an offered tool as the engine knows it for one call.
type toolDef struct {
	name, description string
	examples          []Example
	schema            schema
	// texts are its examples, its description's first sentence and its
	// name, analysed for routing.
	texts []*routeText
	// nameWords are the words of its name ("open", "ticket"), which are not
	// content of a request.
	nameWords map[string]bool
	mutating  bool
	// vocab holds the keys (word, stems, concept) of every word of its
	// texts, to count how many tools know a word.
	vocab map[vocabKey]bool
}

// routeText is one text a message is compared with.
type routeText struct {
	words  []word
	vec    []float32
	norm   float64 // sqNorm(vec), for cosineNormed
	weight float64
	// wordWeights, for a text of an offered tool, holds routeWeight of
	// each of its words: the same for every call that offers the tool's
	// toolset (a tool's texts belong to one toolset), so worked out once.
	// Nil for texts of no toolset.
	wordWeights *lazyWeights
}

// lazyWeights are a text's word weights, computed by the first call that
// needs them.
type lazyWeights struct {
	once sync.Once
	w    []float64
}

// Weights of the texts of a tool: an example is what users write; the
// description is written for models and says more than a request does.
const (
	weightExample     = 1.0
	weightDescription = 0.85
	weightName        = 0.75
)

// toolDef builds the engine's view of an offered tool; complete is false
// when part of it failed (its schema unreadable, its texts not embedded)
// and it should be built again next time rather than kept.
func (m *Model) toolDef(ctx context.Context, fd llms.FunctionDefinition) (t *toolDef, complete bool) {
	t = &toolDef{name: fd.Name, description: fd.Description, nameWords: map[string]bool{}}
	for _, w := range strings.Split(fd.Name, "_") {
		t.nameWords[w] = true
	}
	var info ToolInfo
	ok := false
	if m.catalog != nil {
		info, ok = m.catalog.Tool(fd.Name)
	}
	if ok {
		t.examples = info.Examples
		t.mutating = info.Mutating
		if t.description == "" {
			t.description = info.Description
		}
	}
	var err error
	if ok && len(info.Schema) > 0 {
		t.schema, err = parseSchema(m.an, info.Schema)
	} else {
		t.schema, err = schemaFromParameters(m.an, fd.Parameters)
	}
	if err != nil {
		m.log.WarnContext(ctx, "offline model: tool schema unreadable; its arguments cannot be filled", "tool", fd.Name, "err", err)
	}

	type src struct {
		text   string
		weight float64
	}
	var srcs []src
	for _, e := range t.examples {
		srcs = append(srcs, src{e.Text, weightExample})
	}
	if d := firstSentence(t.description); d != "" {
		srcs = append(srcs, src{d, weightDescription})
	}
	srcs = append(srcs, src{strings.ReplaceAll(fd.Name, "_", " "), weightName})
	texts := make([]string, len(srcs))
	for i, s := range srcs {
		texts[i] = s.text
	}
	analysed, embedded := m.analysed(ctx, texts)
	t.vocab = map[vocabKey]bool{}
	for i, a := range analysed {
		rt := *a
		rt.weight = srcs[i].weight
		rt.wordWeights = &lazyWeights{}
		t.texts = append(t.texts, &rt)
		for _, w := range rt.words {
			for _, k := range wordKeys(w) {
				if k.s != "" {
					t.vocab[k] = true
				}
			}
		}
	}
	return t, err == nil && embedded
}

// vocabKey is one way a word can be found in a tool's vocabulary: as
// itself, by either stem, or by its concept.
type vocabKey struct {
	kind byte
	s    string
}

// wordKeys are the keys of a word ("" concept left out).
func wordKeys(w word) [4]vocabKey {
	return [4]vocabKey{{'w', w.fold}, {'s', w.es}, {'e', w.en}, {'c', w.concept}}
}

// knows reports whether the tool's texts have the word.
func (t *toolDef) knows(w word) bool {
	for _, k := range wordKeys(w) {
		if k.s != "" && t.vocab[k] {
			return true
		}
	}
	return false
}

// analysed returns the analysis of each text, from the cache or computed
// (embedded in one batch); embedded is false when the embedder failed and
// the texts route by their words alone.
func (m *Model) analysed(ctx context.Context, texts []string) (out []*routeText, embedded bool) {
	out = make([]*routeText, len(texts))
	var todo []int
	m.mu.Lock()
	for i, t := range texts {
		if rt, ok := m.texts[t]; ok {
			out[i] = rt
		} else {
			todo = append(todo, i)
		}
	}
	m.mu.Unlock()
	if len(todo) == 0 {
		return out, true
	}
	batch := make([]string, len(todo))
	for j, i := range todo {
		batch[j] = texts[i]
	}
	vecs, err := m.emb.EmbedDocuments(ctx, batch)
	embedded = err == nil && len(vecs) == len(batch)
	if !embedded {
		// Word overlap still routes; the next call tries again.
		m.log.WarnContext(ctx, "offline model: embedding tool examples failed; routing by words only", "err", err)
		vecs = make([][]float32, len(batch))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.texts)+len(todo) > maxCachedTexts {
		m.texts = map[string]*routeText{}
	}
	for j, i := range todo {
		rt := &routeText{words: routeWords(m.an.analyze(texts[i])), vec: vecs[j], norm: sqNorm(vecs[j])}
		out[i] = rt
		if embedded {
			m.texts[texts[i]] = rt
		}
	}
	return out, embedded
}

// firstSentence returns the first sentence of a description.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?' || s[i] == ':') && (s[i+1] == ' ' || s[i+1] == '\n') {
			return s[:i+1]
		}
	}
	return s
}

// routeWords keeps the words that carry a request's meaning.
func routeWords(ws []word) []word {
	out := ws[:0:0]
	for _, w := range ws {
		if w.stop || isDigits(w.fold) || greetMarkers[w.fold] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// wordWeight is how much a word counts in routing: wanting and needing are
// in every request and tell none apart.
func wordWeight(w word) float64 {
	switch w.concept {
	case "want", "need":
		return 0.4
	}
	return 1
}

// msgFeatures is a message analysed for routing.
type msgFeatures struct {
	text     string
	toks     []token
	words    []word
	all      []word    // every word, function words too (words has none)
	weights  []float64 // of words: rare among the tools weighs more
	vec      []float32
	norm     float64 // sqNorm(vec)
	question bool
}

// features analyses a message for routing. The values in it (emails,
// phones, dates, the person's and the company's name) are left out: they
// say nothing about what the user wants and would dilute the match.
func (r *run) features(text string) msgFeatures {
	m := findMentions(r.m.an, text, r.now)
	toks := tokenize(m.masked)
	used := make([]bool, len(toks))
	if _, span, ok := extractName(r.m.an, m.masked, toks, false, m.emailValues()); ok {
		markUsed(used, span)
	}
	if _, span, ok := extractCompany(m.masked, toks, used); ok {
		markUsed(used, span)
	}
	var kept []token
	for i, t := range toks {
		if !used[i] {
			kept = append(kept, t)
		}
	}
	f := msgFeatures{text: text, toks: tokenize(text), question: isQuestion(text, tokenize(text))}
	f.all = r.m.an.analyzeTokens(kept)
	f.words = routeWords(f.all)
	f.weights = make([]float64, len(f.words))
	for i, w := range f.words {
		// A course's name says which course, not what to do with it; nor
		// does it mean what its words do elsewhere ("agentes" of the
		// agents course is no human agent).
		if r.courseWord(w) {
			f.words[i].concept = ""
			f.weights[i] = 0.4 * r.routeWeight(f.words[i])
			continue
		}
		f.weights[i] = r.routeWeight(w)
	}
	var b strings.Builder
	for _, t := range kept {
		// The embedding too leaves course names out: "how much is the
		// prompt engineering course" is not close to "enrol me in the
		// prompt engineering course".
		if w := r.m.an.analyzeTokens([]token{t}); len(w) == 1 && r.courseWord(w[0]) {
			continue
		}
		b.WriteString(t.raw)
		b.WriteByte(' ')
	}
	if v, err := r.m.emb.EmbedQuery(r.ctx, b.String()); err == nil {
		f.vec, f.norm = v, sqNorm(v)
	}
	return f
}

// similarity compares a message with one of a tool's texts: the F-measure
// of their word overlap (same word, stem, concept or a typo), which says
// whether the message asks what the example asks, blended with the
// embeddings' cosine, which catches shared pieces of words the overlap
// misses.
func (r *run) similarity(f msgFeatures, rt *routeText) float64 {
	if len(f.words) == 0 || len(rt.words) == 0 {
		return 0
	}
	// Matching is symmetric: each pair is matched once, for precision and
	// recall both.
	nw := len(rt.words)
	if n := len(f.words) * nw; cap(r.pairs) < n {
		r.pairs = make([]float64, max(n, 256)) // most pairs of a call fit
	}
	pairs := r.pairs[:len(f.words)*nw]
	var pGot, pTotal, rGot, rTotal float64
	for i, mw := range f.words {
		best := 0.0
		for j, ew := range rt.words {
			m := mw.matches(ew)
			pairs[i*nw+j] = m
			best = max(best, m)
		}
		w := f.weights[i]
		pGot += w * best
		pTotal += w
	}
	weights := r.textWeights(rt)
	for j, ew := range rt.words {
		var w float64
		if weights != nil {
			w = weights[j]
		} else {
			w = r.routeWeight(ew)
		}
		best := 0.0
		for i := range f.words {
			if m := pairs[i*nw+j]; m > best {
				// Weighed as the message word it matched is.
				best, w = m, f.weights[i]
			}
		}
		rGot += w * best
		rTotal += w
	}
	// An example of one common word ("¿qué cursos tienen?") must not
	// match every message that has it: recall is of at least one full
	// word's weight.
	p, rc := pGot/pTotal, rGot/max(rTotal, 1)
	fm := 0.0
	if p+rc > 0 {
		fm = 2 * p * rc / (p + rc)
	}
	// The norms are computed once per text, not once per pair.
	cos := max(0, cosineNormed(f.vec, rt.vec, f.norm, rt.norm))
	return rt.weight * (0.3*cos + 0.7*fm)
}

// textWeights returns routeWeight of each word of a tool's text, worked
// out once; nil for a text of no tool. Read the slice only.
func (r *run) textWeights(rt *routeText) []float64 {
	if rt.wordWeights == nil {
		return nil
	}
	rt.wordWeights.once.Do(func() {
		w := make([]float64, len(rt.words))
		for j, ew := range rt.words {
			w[j] = r.routeWeight(ew)
		}
		rt.wordWeights.w = w
	})
	return rt.wordWeights.w
}

// routeWeight is how much a message word tells the tools apart: words
// that many offered tools' examples share ("curso", "quiero") weigh less
// than words only one has ("ticket", "propuesta"), and a word no tool has
// weighs most, so a message that is mostly about something else does not
// go to a tool on a shared word.
func (r *run) routeWeight(w word) float64 {
	df := r.toolsKnowing(w)
	if df == 0 {
		// No tool knows it: it tells none apart, and is as often filler
		// ("looking", "we're") as the topic of a question.
		return wordWeight(w) * 0.5
	}
	n := float64(max(len(r.tools), 1))
	return wordWeight(w) * math.Log(1+n/float64(1+df)) / math.Log(1+n)
}

// wordForms is what toolDef.knows reads of a word.
type wordForms struct{ fold, es, en, concept string }

// toolsKnowing counts the offered tools that know w. Scoring asks it for
// every word of every example of every tool, so the counts are kept with
// the offered tools.
func (r *run) toolsKnowing(w word) int {
	k := wordForms{w.fold, w.es, w.en, w.concept}
	ts := r.toolset
	ts.mu.Lock()
	df, ok := ts.df[k]
	ts.mu.Unlock()
	if ok {
		return df
	}
	for _, t := range r.tools {
		if t.knows(w) {
			df++
		}
	}
	ts.mu.Lock()
	if ts.df == nil || len(ts.df) >= maxToolsetWords {
		ts.df = map[wordForms]int{}
	}
	ts.df[k] = df
	ts.mu.Unlock()
	return df
}

// maxToolsetWords bounds the word counts a toolset keeps (users' words
// are unbounded; the examples' are a few hundred).
const maxToolsetWords = 1 << 14

// courseWord reports whether a word is one of a course's names.
func (r *run) courseWord(w word) bool {
	if len(r.courses()) == 0 || w.concept == "course" || w.concept == "ai" {
		return false
	}
	if r.courseIx == nil {
		r.courseIx = r.m.courseIndex(r.courses())
	}
	for _, names := range r.courseIx.names {
		for _, name := range names {
			if strictMatch(w, name) {
				return true
			}
		}
	}
	return false
}

// toolScore is a tool's best similarity to the message.
type toolScore struct {
	tool  *toolDef
	score float64
}

// scoreTools scores every offered tool, best first (ties by name, so the
// order never depends on the order of the call's definitions).
func (r *run) scoreTools(f msgFeatures) []toolScore {
	out := make([]toolScore, 0, len(r.tools))
	for _, t := range r.tools {
		s := 0.0
		for _, rt := range t.texts {
			s = max(s, r.similarity(f, rt))
		}
		if t.name == toolSearchKnowledge {
			s -= searchHandicap
		} else if f.question {
			// A question for a fact ("¿cuánto cuesta…?", "when does it
			// start?") that the tool's examples never ask is for the
			// knowledge base, whatever else it shares with them.
			pen := 0.0
			for _, w := range f.words {
				if asksFact(w) && !t.knows(w) {
					pen += 0.15
				}
			}
			s -= min(pen, 0.25)
		}
		out = append(out, toolScore{t, s})
	}
	slices.SortStableFunc(out, func(a, b toolScore) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.tool.name, b.tool.name)
	})
	return out
}

// knowledgeScore is how much the message looks like a question for the
// knowledge base: search_knowledge's score when offered, else the best
// similarity to the lexicon's anchor questions.
func (r *run) knowledgeScore(f msgFeatures, scores []toolScore) float64 {
	best := -1.0
	for _, s := range scores {
		if s.tool.name == toolSearchKnowledge {
			best = s.score
		}
	}
	if best < 0 {
		best = 0
		analysed, _ := r.m.analysed(r.ctx, r.m.anchors)
		for _, rt := range analysed {
			k := *rt
			k.weight = weightExample
			best = max(best, r.similarity(f, &k))
		}
		best -= searchHandicap
	}
	// Questions lean towards an answer, questions for a fact more, and a
	// fact about one course the user names ("how much is the RAG course?")
	// more still: the documents about it answer better than any listing.
	// A request phrased as a question ("¿me pasan el certificado?", "can
	// you send me…") is no question for information.
	if f.question && !isRequest(r.m.an, f.text) {
		best += 0.08
		if slices.ContainsFunc(f.words, asksFact) {
			best += 0.06
			if _, named := r.matchCourse(f.text, false); named {
				best += 0.08
			}
		}
	}
	return best
}

// asksFact reports a word that asks for a kind of fact: a price, a date, a
// duration, a number ("cuánto cuesta", "cuándo", "how long", "cuántos").
func asksFact(w word) bool {
	switch w.concept {
	case "price", "duration", "start", "hour", "schedule":
		return true
	}
	switch w.fold {
	case "cuantos", "cuantas", "quantos", "quantas", "cuando", "when", "quando":
		return true
	}
	return false
}

// asksOwnWhich reports a question for which or what of the speaker's own
// things holds ("which classes am I registered in?", "¿en qué cursos
// estoy?", "em qual curso eu tô?"): a question word other than "how",
// then a word by which the speaker speaks of themselves.
func asksOwnWhich(text string, toks []token) bool {
	for i, t := range toks {
		// "¿en qué cursos estoy?": "qué" asks which thing when the thing
		// follows it, not a first-person word ("dijo que tengo…").
		noun := whichNouns[t.fold] && i+1 < len(toks) && !firstPerson[toks[i+1].fold] && !isStopWord(toks[i+1].fold) && opensQuestion(text, toks, i)
		if !whichWords[t.fold] && !noun {
			continue
		}
		for _, u := range toks[i+1:] {
			if firstPerson[u.fold] {
				return true
			}
		}
	}
	return false
}

// Verbs that open a question about the speaker's state: stateAux when a
// first-person word follows ("did I…?"), ownState in the first person
// already ("¿estoy…?"); stateAdverbs may come before them ("¿ya terminé…?").
var (
	stateAux     = lexWords("state_aux")
	ownState     = lexWords("own_state")
	stateAdverbs = lexWords("state_adverbs")
)

// asksOwnState reports a yes-or-no question about the speaker's own state
// ("¿tengo algún curso activo?", "did I pass the prompt course?", "já
// concluí o de agentes?"): such a verb where a clause opens, and no
// question word after it ("do I have access when it ends?" asks of a
// time to come).
func asksOwnState(text string, toks []token) bool {
	for i, t := range toks {
		if !opensClause(text, toks, i) && !greetMarkers[toks[i-1].fold] && !conjunctions[toks[i-1].fold] && !stateAdverbs[toks[i-1].fold] && !firstPerson[toks[i-1].fold] {
			continue
		}
		if !ownState[t.fold] && !(stateAux[t.fold] && i+1 < len(toks) && firstPerson[toks[i+1].fold]) {
			continue
		}
		// The sentence it opens must be the question: "tengo dos cargos
		// iguales, ¿me lo arreglan?" states a problem and asks another
		// thing.
		end, asks := len(toks), strings.Contains(text[toks[len(toks)-1].end:], "?")
		for j := i + 1; j < len(toks); j++ {
			if gap := text[toks[j-1].end:toks[j].start]; strings.ContainsAny(gap, ".?!") {
				end, asks = j, strings.Contains(gap, "?")
				break
			}
		}
		if asks && !slices.ContainsFunc(toks[i+1:end], func(u token) bool { return questionWords[u.fold] }) {
			return true
		}
	}
	return false
}

// opensQuestion reports whether toks[i] stands where a question word
// does, not a conjunction ("pide que haga el curso"): written with its
// accent ("qué"), first, after a preposition ("en q cursos") or after a
// mark that ends a clause.
func opensQuestion(text string, toks []token, i int) bool {
	if i == 0 || toks[i].raw != toks[i].fold || prepositions[toks[i-1].fold] {
		return true
	}
	return strings.ContainsAny(text[toks[i-1].end:toks[i].start], ",.;:!?¿¡")
}

// whichWords ask which or what thing; "how" asks the way to do it ("how
// do I sign up?"), which a task answers. whichNouns do when the thing
// follows them.
var (
	whichWords = lexWords("which_words")
	whichNouns = lexWords("which_nouns")
)

// Modal verbs: modals ask what one may do when a first-person word follows
// ("can I"), ownModals are in the first person already ("puedo").
var (
	modals    = lexWords("modals")
	ownModals = lexWords("own_modals")
	// conditionals open a supposition ("what happens if I miss one?").
	conditionals = lexWords("conditionals")
	// doWords ask what to do ("¿qué hago?"), doAfterPerson after a
	// first-person word ("what do I do?").
	doWords       = lexWords("do_words")
	doAfterPerson = lexWords("do_after_person")
)

// asksAdviceOrAbility reports a question of what the speaker may or should
// do ("which course should I take?", "¿qué cursos puedo hacer?"), what one
// recommends or what happens if: it asks nothing of the speaker's records.
func asksAdviceOrAbility(toks []token, ws []word) bool {
	for i, t := range toks {
		if ownModals[t.fold] || conditionals[t.fold] || doWords[t.fold] || doAfterPerson[t.fold] && i > 0 && firstPerson[toks[i-1].fold] || modals[t.fold] && i+1 < len(toks) && firstPerson[toks[i+1].fold] {
			return true
		}
	}
	return slices.ContainsFunc(ws, func(w word) bool { return w.concept == "recommend" || wantsOrNeeds(w) })
}

// ownMin is the least score of the tool that reads the speaker's records
// for a question shaped as one about them: the question's shape is most
// of the evidence, the tool knowing its words the rest.
const ownMin = 0.15

// readsOwn returns the tool that reads the speaker's own records for a
// question asking which of their things holds ("which class did I pay
// for?", "¿en qué cursos estoy?"): a tool that changes nothing and takes
// no argument (the caller is all it reads) and knows a word of the
// question. The knowledge base knows nothing of the person.
func (r *run) readsOwn(f msgFeatures, toks []token, scores []toolScore) *toolDef {
	if !f.question {
		return nil
	}
	which := asksOwnWhich(f.text, toks)
	if !which && !asksOwnState(f.text, toks) {
		return nil
	}
	// Read in the question itself: "…? no me acuerdo si lo terminé" has
	// no supposition in it.
	asked := f.text
	if i := strings.IndexByte(asked, '?'); i >= 0 {
		asked = asked[:i]
	}
	if asksAdviceOrAbility(tokenize(asked), r.m.an.analyze(asked)) {
		return nil
	}
	for _, s := range scores {
		t := s.tool
		if t.mutating || len(t.schema.fields) > 0 || t.name == toolSearchKnowledge || t.name == toolRequestHuman || s.score < ownMin {
			continue
		}
		// A yes-or-no question says what state it asks about ("still
		// signed up", "ya terminé"): not the course it names, nor a
		// payment ("did I get charged twice for it?" reports a problem).
		if slices.ContainsFunc(f.words, func(w word) bool {
			return !firstPerson[w.fold] && t.knows(w) && (which || w.concept != "course" && w.concept != "billing" && !r.courseWord(w))
		}) {
			return t
		}
	}
	return nil
}

// countWord reports whether w asks how many ("cuántos", "how many").
func countWord(w word) bool {
	switch w.fold {
	case "cuantos", "cuantas", "quantos", "quantas", "many":
		return true
	}
	return false
}

// stateKind is where the conversation stands before a message.
type stateKind int

const (
	stateNone    stateKind = iota
	statePending           // the engine asked for an argument of a tool
	stateOffer             // the engine offered a ticket or a person
)

// state is what the engine was doing when the message arrived, rebuilt from
// the conversation (the engine keeps nothing between calls).
type state struct {
	kind  stateKind
	tool  *toolDef
	msgs  []taskMsg // the task's human messages so far
	asked string
	prior map[string]any
	tries int // how many times in a row the same field was asked
	// wants are the keys of the object asked for that a result reported
	// missing: an answer must give one of them to count as one.
	wants []string
	// offerTool is the tool a yes to the offer calls, about offerMsgs.
	offerTool string
	offerMsgs []taskMsg
	// optional: the task is done, and what is asked (the caller's name a
	// lead was saved without) may be left unsaid; a message about
	// something else moves on without asking it again.
	optional bool
}

// actionKind is what the engine does with a message.
type actionKind int

const (
	actClarify     actionKind = iota // ask the user to rephrase
	actCall                          // call a tool
	actAsk                           // ask for a tool argument
	actKnowledge                     // answer from the knowledge passages
	actHandoffInfo                   // say how to reach a person (no tool for it)
	actTalk                          // answer small talk
	actSwitched                      // acknowledge a change of language
	actCancel                        // drop the task at hand
	actGiveUp                        // stop asking for an argument the user cannot give
)

// action is the decision for one message.
type action struct {
	kind  actionKind
	tool  *toolDef
	args  map[string]any
	field string // the argument to ask for
	// notCaught: the user answered the last question but the answer was
	// not usable; the question is asked again, saying so. badAnswer: the
	// answer was meant as the value but is malformed (an email without a
	// domain).
	notCaught bool
	badAnswer bool
	msgs      []taskMsg // the task's human messages, with this one
	prior     map[string]any
	talk      smallTalk
	greet     bool   // the message opened with a greeting: greet back
	query     string // the question, for a knowledge answer
	tries     int
	// wants carries state.wants through a question asked again.
	wants []string
	// then is the task to go on with after answering a question asked in
	// the middle of it (an actAsk).
	then *action
	// switched: the message also asked to change language; the reply
	// says yes first.
	switched bool
	// offered: the task in then was begun alongside the answer, not asked
	// for; when the passages do not answer, the reply only asks.
	offered bool
	// fallback is the task a question for information resembled more
	// than a question for the knowledge base ("terminei o curso,
	// consigo o certificado por aqui?"): done when the knowledge base has
	// no answer, rather than saying so.
	fallback *action
}

// maxTries is how many times in a row the engine asks for the same argument
// before it stops and offers a person instead.
const maxTries = 3

// decide chooses what to do with a message, given the state before it. It
// reads only the user's message and the tools' own descriptions and
// examples — never passages or tool results — so text retrieved from
// documents cannot make the engine call a tool.
func (r *run) decide(text string, st state) action {
	if sw := explicitSwitch(text); sw != "" {
		rest := withoutSwitch(text)
		if len(routeWords(r.m.an.analyze(rest))) == 0 {
			if st.kind == statePending {
				return action{kind: actAsk, tool: st.tool, field: st.asked, msgs: st.msgs, prior: st.prior, tries: st.tries, wants: st.wants}
			}
			return action{kind: actSwitched}
		}
		// "can we switch to English? how much is the one for managers":
		// say yes, and answer the rest.
		a := r.decide(rest, st)
		a.switched = true
		return a
	}
	toks := tokenize(text)
	switch st.kind {
	case statePending:
		if a, ok := r.continueTask(text, toks, st); ok {
			return a
		}
	case stateOffer:
		if isAffirmation(toks) {
			if t := r.tool(st.offerTool); t != nil {
				return r.startTask(t, st.offerMsgs)
			}
		}
		if isDenial(toks) {
			return action{kind: actTalk, talk: talkAck}
		}
	}
	return r.fresh(text, toks)
}

// clauseAsksForPerson reports a clause of the message that asks the
// assistant for a person ("pode me passar pra alguém do time?"), not one
// that says whom the person would talk to ("queria falar com alguém sobre
// pagamento, mas só no sábado": when is what it asks).
func (r *run) clauseAsksForPerson(text string) bool {
	for _, c := range reFocusClauses.Split(text, -1) {
		ct := tokenize(c)
		if isHandoff(ct) && isRequest(r.m.an, c) {
			return true
		}
	}
	return false
}

// fresh decides on a message that starts something new.
func (r *run) fresh(text string, toks []token) action {
	// "¿en qué horario atiende la gente de soporte?" names people to talk
	// to, but asks when: a question for a fact is answered, not handed off.
	// The clause that asks for a person is what counts: "prefiro falar
	// com uma pessoa de verdade, pode me passar? é sobre pagar…" asks for
	// one, whatever the rest of the message asks.
	if isHandoff(toks) && (!(isQuestion(text, toks) && slices.ContainsFunc(r.m.an.analyze(text), asksFact)) || r.clauseAsksForPerson(text)) {
		return r.handoff(text)
	}
	// "quiero que me contacte un asesor comercial": being contacted is
	// what a tool that says so is for (a lead, "to be contacted by
	// sales"); without one, a person takes over.
	if asksToBeContacted(toks) && !r.contactTool() {
		return r.handoff(text)
	}
	if talk := classifySmallTalk(toks); talk != talkNone {
		return action{kind: actTalk, talk: talk}
	}
	greet := startsWithGreeting(toks)
	f := r.features(text)
	scores := r.scoreTools(f)
	know := r.knowledgeScore(f, scores)
	scores, know, probs := r.blendClassifier(f, scores, know)
	// "me lista os workshops de fotografia" asks for the listing, though
	// it names a course's word.
	if !f.question && !r.asksWhatIsOffered(text, toks, false) {
		scores = r.notBrowsingNamed(text, scores)
	}
	// "is the RAG course ok for me?": a question about the one course
	// pointed at is for the knowledge base, however much its words are a
	// browse's; nor is it a request to enrol that follows a browse.
	_, named := r.matchCourse(text, false)
	oneCourse := f.question && named && r.oneCourseAsked(text)
	// "do i need python for it?" after "tell me about the RAG course":
	// the course the conversation is about, pointed at.
	if f.question && !named && r.known.course != "" && slices.ContainsFunc(toks, func(t token) bool { return demonstratives[t.fold] }) {
		oneCourse = true
	}
	if f.question && r.faqAsks(text) {
		// "¿me devuelven la plata?" when the knowledge base has "¿Me
		// devuelven el dinero si el curso no me convence?": a question the
		// documents ask themselves is theirs to answer.
		know = max(know, toolClear)
	}
	if tr := r.m.trace; tr != nil {
		tr("route %q know=%.3f", text, know)
		for _, s := range scores[:min(4, len(scores))] {
			tr(" %s=%.3f", s.tool.name, s.score)
		}
		probs, n := r.classifier().predict(f.all, strings.ContainsAny(f.text, "?¿"), isRequest(r.m.an, f.text), r.courseWord)
		tr("\n  clf(%d):", n)
		for _, c := range r.classifier().classes {
			if probs[c] > 0.05 {
				tr(" %s=%.2f", strings.TrimPrefix(c, "\x00"), probs[c])
			}
		}
		tr("\n")
	}
	// "also where are we on T-100052?" right after a ticket was opened:
	// a code in the form of what a tool that changes nothing reads is
	// that tool's, whatever task came before and whatever it asks.
	if t := r.codeFor(text); t != nil && !t.mutating {
		a := r.startTask(t, []taskMsg{{text: text}})
		a.greet = greet
		return a
	}
	if a, ok := r.continuePrevious(text, f, scores); ok {
		a.greet = greet
		return a
	}
	if a, ok := r.byArguments(text, scores); ok {
		a.greet = greet
		return a
	}
	// "… o curso não aparece. abre um chamado pra mim?": the message says
	// what one of the tools it resembles does, to what it handles; unless
	// it asks how that is done, or supposes it ("se eu me inscrever num
	// curso e não curtir…"), it asks for it.
	if !slices.ContainsFunc(toks, func(t token) bool { return howWords[t.fold] }) && !supposes(toks) {
		for k, s := range scores[:min(3, len(scores))] {
			if s.tool.name != toolSearchKnowledge && s.tool.name != toolRequestHuman && r.namesToolAndVerb(s.tool, text) {
				a := r.startTask(scores[k].tool, []taskMsg{{text: text}})
				a.greet = greet
				return a
			}
		}
	}
	// "what classes have you got starting soon?", "q clases de baile
	// tienen?": which things of the catalogue's kind there are, named in
	// the plural after a question word, is a browse, whatever words its
	// examples taught the classifier.
	if !oneCourse && r.asksWhatIsOffered(text, toks, f.question) {
		if i := slices.IndexFunc(scores, func(s toolScore) bool { return browses(s.tool) }); i >= 0 {
			a := r.startTask(scores[i].tool, []taskMsg{{text: text}})
			a.greet = greet
			return a
		}
	}
	// "any news on T-000207?", "y el T-000198 que abrí?": a code written
	// the way one tool's identifier is (its description shows the form)
	// is for that tool, whatever the words around it.
	if t := r.codeFor(text); t != nil && !slices.ContainsFunc(f.words, asksFact) {
		a := r.startTask(t, []taskMsg{{text: text}})
		a.greet = greet
		return a
	}
	// "can u put together a proposal for Northwind Logistics? … contact
	// is Dana Whitfield", "monta uma proposta pra Padaria Pão Dourado": a
	// kind of thing one tool makes, named, with whom it is for, is for
	// that tool, whatever else the words resemble (a quote for a team is
	// a lead's words too), unless the message asks a question of fact.
	if !slices.ContainsFunc(f.words, asksFact) {
		if t := r.makesNamedFor(text); t != nil && !r.namedOtherTop(t, f, scores) {
			a := r.startTask(t, []taskMsg{{text: text}})
			a.greet = greet
			return a
		}
	}
	// "quantas matrículas a gente fechou esse ano?": a count of what one
	// read-only tool measures (a value of its list of
	// metrics) is for that tool, not for the knowledge base, which
	// knows nothing of this year's numbers.
	counted, dated := countedWords(answerWords(f.all)), len(findMentions(r.m.an, text, r.now).dates) > 0
	if t := r.measures(counted, text, dated, f.question); t != nil {
		a := r.startTask(t, []taskMsg{{text: text}})
		a.greet = greet
		return a
	}
	// "then I need the certificate for it": a request for what a tool
	// makes, named by its kind, is for that tool, however many questions
	// about certificates the knowledge base answers.
	// "certificate pls": a thing asked for with courtesy, and nothing
	// else asked, is asked for.
	courteous := !f.question && slices.ContainsFunc(toks, func(t token) bool { return switchPolite[t.fold] })
	if isRequest(r.m.an, text) || (!f.question && slices.ContainsFunc(f.words, wantsOrNeeds)) || asksToReceive(toks) || courteous {
		if t := r.namesWhatItMakes(text, scores); t != nil && !(t.mutating && r.asksToBeTold(t, text, toks, f.all)) {
			a := r.startTask(t, []taskMsg{{text: text}})
			a.greet = greet
			return a
		}
	}
	if t := r.readsOwn(f, toks, scores); t != nil {
		if a := r.startTask(t, []taskMsg{{text: text}}); a.kind != actAsk {
			a.greet = greet
			return a
		}
	}
	// "ok and what's the status of it now?" right after a ticket was
	// opened: a question pointing back at what the turn before made, in
	// words a tool that reads it knows, is that tool's, when the
	// conversation holds what it needs (the ticket's number).
	if t := r.readsWhatWasMade(f, toks, scores); t != nil {
		a := r.startTask(t, []taskMsg{{text: text}})
		a.greet = greet
		return a
	}
	// "my boss wants me on the prompting course, how do I get in?" asks
	// how to enrol in the course it names: the enrolment begins.
	if t := r.joinTool(); t != nil && r.asksHowToJoin(text, f) {
		a := r.startTask(t, []taskMsg{{text: text}})
		a.greet = greet
		return a
	}
	// "the recording freezes at minute 10 every time, tried 2 laptops",
	// "shows the course 2x": a problem the person already tried to get
	// past, or a charge made twice, is for the team to look at, however
	// much the knowledge base says about such problems; when a ticket is
	// what the tools resemble most, it is opened (and what the knowledge
	// base says comes with it).
	if slices.ContainsFunc(toks, func(t token) bool { return triedWords[t.fold] }) {
		tools := slices.DeleteFunc(slices.Clone(scores), func(s toolScore) bool {
			return s.tool.name == toolSearchKnowledge || s.tool.name == toolRequestHuman
		})
		if i := slices.IndexFunc(tools, func(s toolScore) bool { return s.tool.name == toolOpenTicket }); i >= 0 && i < 2 {
			a := r.startTask(tools[i].tool, []taskMsg{{text: text}})
			a.greet = greet
			return a
		}
	}
	var fallback *action
	var stateWords []word // of a question about the speaker's own state
	for _, s := range scores {
		if s.tool.name == toolSearchKnowledge {
			continue
		}
		if oneCourse && browses(s.tool) {
			break
		}
		// A hand-off is asked for with a word for a person ("me passa
		// para um atendente"); "me passa o NPS" shares only the verb.
		// Nor is a question for a fact about what a person said ("la
		// persona con la que hablé… ¿cuándo llega?"), as isHandoff holds.
		if s.tool.name == toolRequestHuman && (!slices.ContainsFunc(toks, func(t token) bool { return humanWords[t.fold] }) ||
			f.question && slices.ContainsFunc(r.m.an.analyze(text), asksFact)) {
			continue
		}
		// "can u remind me which classes im registered in?" asks what
		// holds for the speaker, however sure the classifier is that
		// its words are an enrolment's: it changes nothing, unless the
		// message wants something done ("I want to sign up, what do I
		// do?").
		if s.tool.mutating && asksOwnWhich(text, toks) && !slices.ContainsFunc(f.all, wantsOrNeeds) {
			// What it asks about is what a tool that knows the word
			// for the state reads ("registered", the enrolment's own
			// verb: the enrolments).
			does := s.tool.does()
			stateWords = slices.DeleteFunc(slices.Clone(f.words), func(w word) bool { return does == "" || w.concept != does })
			continue
		}
		if len(stateWords) > 0 {
			if !slices.ContainsFunc(stateWords, s.tool.knows) {
				continue
			}
			// The tool that reads that state, when it needs nothing more.
			if a := r.startTask(s.tool, []taskMsg{{text: text}}); !s.tool.mutating && a.kind != actAsk {
				a.greet = greet
				return a
			}
		}
		// "tell me about the prompt engineering course", "contame del
		// de datos": asked to be told about a course, not to be enrolled
		// in it, unless the message says the tool's verb.
		if s.tool.mutating && r.asksToBeTold(s.tool, text, toks, f.all) {
			break
		}
		// A question for information does not change data unless it
		// clearly asks to.
		ahead := s.score >= toolMin && s.score > know+toolMargin
		// A question that leaves an email for the tool to keep ("could
		// we use it? reach me at …") asks to be contacted, too.
		// Nor does one the classifier is sure of ("o link da planilha tá
		// quebrado… dá pra avisar o pessoal?" reports a problem, however it
		// asks).
		informational := s.tool.mutating && asksForInformation(r.m.an, text) && !r.leavesContact(s.tool, text) && probs[s.tool.name] < classifierSure
		// A question for a fact that the knowledge base answers better
		// ("¿cuándo empieza el de IA para marketing?") changes nothing,
		// however close the request to act it resembles.
		clear := s.score >= toolClear && !(informational && know > s.score)
		// A question that gives a tool ahead but not clear nothing at all
		// ("¿pueden armar contratos con IA?" is no enrolment) would only
		// ask; it is answered instead.
		if clear || (ahead && !informational && !(f.question && r.givesNothing(s.tool, text))) {
			a := r.startTask(s.tool, []taskMsg{{text: text}})
			// "queremos capacitar a 25 personas… ¿hay algún descuento x
			// cantidad?": the question asked along the way is answered,
			// if the knowledge base can, before the task's own question.
			if q := infoQuestion(r.m.an, text); a.kind == actAsk && q != "" {
				return action{kind: actKnowledge, query: text, greet: greet, then: &a, offered: true}
			}
			a.greet = greet
			return a
		}
		if ahead {
			// "how do I get a seat in it?": answered from the knowledge
			// base, and the task begun, when beginning it only asks (it
			// changes nothing until the person answers).
			a := r.startTask(s.tool, []taskMsg{{text: text}})
			// Only a task the question gives something of its own (the
			// course of "how do I get a seat in it?"), not one it only
			// resembles ("do I need my own guitar for the class?" is no
			// ticket to open).
			if a.kind == actAsk && len(r.messageValues(s.tool, text, func(f field) bool {
				return f.kind != kindText && f.kind != kindEmail && f.kind != kindPersonName && f.kind != kindPhone
			})) > 0 {
				return action{kind: actKnowledge, query: text, greet: greet, then: &a, offered: true}
			}
			if a.kind != actAsk {
				fallback = &a
			}
		} else if !s.tool.mutating && s.score >= toolMin && s.score >= know-toolMargin {
			// "¿y cómo va eso?" after a ticket was opened: as close to a
			// question as to reading its status. If the knowledge base
			// has nothing, a task that reads and can run as is (the
			// conversation holds the ticket's number) is what was meant.
			if a := r.startTask(s.tool, []taskMsg{{text: text}}); a.kind != actAsk {
				fallback = &a
			}
		}
		break
	}
	// "cool, how do I sign up?", "genial, ¿cómo me inscribo?": a question
	// whose only words are what a tool does asks how to have it done,
	// which the tool does: the task is begun (it asks what it needs).
	if t := r.asksHowToDo(f); t != nil {
		a := r.startTask(t, []taskMsg{{text: text}})
		a.greet = greet
		return a
	}
	// "tengo un equipo de 12 vendedores… ¿cuánto nos saldría? mi mail es
	// …": a question that leaves the asker's email with more about them,
	// for the tool that keeps contacts, asks to be contacted too. The
	// task is begun and the question answered along with it.
	if t := r.contactLeftFor(text, scores); t != nil {
		a := r.startTask(t, []taskMsg{{text: text}})
		if a.kind == actAsk {
			return action{kind: actKnowledge, query: text, greet: greet, then: &a, offered: true}
		}
		a.greet = greet
		return a
	}
	if len(f.words) == 0 {
		if a, ok := r.valueForEarlier(text); ok {
			return a
		}
		if greet {
			return action{kind: actTalk, talk: talkGreeting}
		}
		return action{kind: actClarify}
	}
	// "gracias por la info, muy amable": thanks with words around it, and
	// nothing asked.
	if !f.question && slices.ContainsFunc(toks, func(t token) bool { return thanksMarkers[t.fold] }) {
		return action{kind: actTalk, talk: talkThanks}
	}
	return action{kind: actKnowledge, query: text, greet: greet, fallback: fallback}
}

// infoRequests ask to be told about something ("contame", "info").
var infoRequests = lexWords("info_requests")

// asksToBeTold reports a message that asks to be told about a course
// ("me fala do curso de marketing", "info on the RAG course pls") with no
// word of what tool t does ("enroll"): t takes a course, or the message
// names one, and the person wants to know of it.
func (r *run) asksToBeTold(t *toolDef, text string, toks []token, ws []word) bool {
	if !slices.ContainsFunc(toks, func(k token) bool { return infoRequests[k.fold] || aboutWords[k.fold] }) {
		return false
	}
	if _, named := r.matchCourse(text, false); !named &&
		!slices.ContainsFunc(t.schema.fields, func(f field) bool { return f.kind == kindCourse }) {
		return false
	}
	verb := t.does()
	return verb != "" && !slices.ContainsFunc(ws, func(w word) bool { return w.concept == verb })
}

// continueTask reads a message as the answer to the question the engine
// asked; ok is false when the message is about something else.
func (r *run) continueTask(text string, toks []token, st state) (action, bool) {
	if isCancel(toks) {
		return action{kind: actCancel}, true
	}
	if isHandoff(toks) {
		return r.handoff(text), true
	}
	msgs := append(slices.Clone(st.msgs), taskMsg{text: text, answers: st.asked, wants: st.wants})
	res := r.fill(slotTask{tool: st.tool, msgs: msgs, prior: st.prior})
	f := r.features(text)
	scores := r.scoreTools(f)
	// Another tool, clearly: the user moved on.
	if len(scores) > 0 && scores[0].tool != st.tool && scores[0].tool.name != toolSearchKnowledge && scores[0].score >= toolClear && !res.caught {
		return action{}, false
	}
	// A question another tool is for ("¿cuál es la tasa de automatización
	// de este mes?" while a proposal waits for its validity) starts anew.
	if !res.caught && len(scores) > 0 && scores[0].tool != st.tool && scores[0].tool.name != toolSearchKnowledge && scores[0].score >= toolMin {
		return action{}, false
	}
	// "thanks! is there a free trial?" after a lead was saved and its
	// name asked: the person moved on, and is not asked again.
	if st.optional && !res.caught {
		return action{}, false
	}
	// A question in the middle of the task ("el de datos, ¿cuánto
	// cuesta?") is answered, and the task goes on.
	if strings.ContainsAny(text, "?¿") && len(answerWords(r.m.an.analyze(text))) >= 1 {
		next := r.taskAction(st.tool, msgs, st.prior, res)
		if !res.caught {
			next = action{kind: actAsk, tool: st.tool, field: st.asked, msgs: st.msgs, prior: st.prior, tries: st.tries, wants: st.wants}
		}
		if next.kind == actAsk {
			return action{kind: actKnowledge, query: text, then: &next}, true
		}
	}
	if res.caught {
		return r.taskAction(st.tool, msgs, st.prior, res), true
	}
	switch classifySmallTalk(toks) {
	case talkThanks, talkBye:
		return action{}, false
	case talkAck, talkGreeting:
		return action{kind: actAsk, tool: st.tool, field: st.asked, msgs: st.msgs, prior: st.prior, tries: st.tries, wants: st.wants}, true
	}
	if isQuestion(text, toks) && !res.badAsked {
		return action{}, false
	}
	// The message gave other arguments (a phone instead of the email asked
	// for): keep them and go on.
	before := r.fill(slotTask{tool: st.tool, msgs: st.msgs, prior: st.prior})
	if len(res.args) > len(before.args) {
		a := r.taskAction(st.tool, msgs, st.prior, res)
		if a.kind == actAsk && a.field == st.asked {
			a.tries = st.tries + 1
			a.notCaught = true
			a.badAnswer = res.badAsked
		}
		return a, true
	}
	if st.tries+1 >= maxTries {
		return action{kind: actGiveUp, tool: st.tool, field: st.asked}, true
	}
	return action{kind: actAsk, tool: st.tool, field: st.asked, msgs: st.msgs, prior: st.prior, notCaught: true, badAnswer: res.badAsked, tries: st.tries + 1, wants: st.wants}, true
}

// startTask begins a task for a tool with the messages that asked for it.
func (r *run) startTask(t *toolDef, msgs []taskMsg) action {
	res := r.fill(slotTask{tool: t, msgs: msgs})
	last := msgs[len(msgs)-1].text
	switch t.name {
	case toolSearchKnowledge:
		// The engine's own search: the user's words as the query.
		res.args = map[string]any{}
		if f, ok := t.schema.field("query"); ok {
			res.args[f.name] = strings.TrimSpace(stripGreeting(last))
		}
		if f, ok := t.schema.field("language"); ok && (len(f.enum) == 0 || slices.Contains(f.enum, r.lang)) {
			res.args[f.name] = r.lang
		}
		res.missing = nil
	case toolRequestHuman:
		// Asking for a person is reason enough: never make them explain.
		for _, f := range t.schema.fields {
			if f.kind == kindText {
				if _, set := res.args[f.name]; !set {
					res.args[f.name] = strings.TrimSpace(stripGreeting(last))
				}
			}
		}
		res.missing = slices.DeleteFunc(res.missing, func(name string) bool { _, set := res.args[name]; return set })
	}
	return r.taskAction(t, msgs, nil, res)
}

// taskAction calls the tool when nothing required is missing, or asks for
// the first missing argument.
func (r *run) taskAction(t *toolDef, msgs []taskMsg, prior map[string]any, res fillResult) action {
	if len(res.missing) > 0 {
		return action{kind: actAsk, tool: t, field: res.missing[0], msgs: msgs, prior: prior, args: res.args}
	}
	if f, wants := r.objectNeeds(t, res.args); f != "" {
		// What the document is chosen stays chosen while its details
		// are asked for.
		keep := maps.Clone(prior)
		if keep == nil {
			keep = map[string]any{}
		}
		if fd, ok := t.schema.field(f); ok {
			if v, ok := res.args[fd.objOf]; ok {
				keep[fd.objOf] = v
			}
		}
		return action{kind: actAsk, tool: t, field: f, msgs: msgs, prior: keep, args: res.args, wants: wants}
	}
	return action{kind: actCall, tool: t, args: res.args, msgs: msgs}
}

// objectNeeds is, for staff making a document for someone else, the
// object argument whose values say neither whom it is for nor, when it
// has them, its items or course, and the keys wanted: a call would only
// come back incomplete ("an invoice", "a certificate for a student"), so
// the engine asks first, all at once. Keys the description says are
// filled when left out are not asked for. A student's own certificate
// needs nothing: it comes from their enrolment.
func (r *run) objectNeeds(t *toolDef, args map[string]any) (string, []string) {
	if r.conv.tc.Role != roleStaff {
		return "", nil
	}
	for _, f := range t.schema.fields {
		if f.kind != kindObject || f.objOf == "" {
			continue
		}
		chosen, _ := args[f.objOf].(string)
		vars := f.objVars[chosen]
		if len(vars) == 0 {
			continue
		}
		got, _ := args[f.name].(map[string]any)
		if slices.ContainsFunc(slices.Collect(maps.Keys(got)), func(k string) bool {
			return !slices.ContainsFunc(vars, func(v subVar) bool { return v.name == k })
		}) {
			// "conceptos: …": a key written in the user's words, which
			// the tool may well read; it judges what is missing.
			return "", nil
		}
		has := func(kinds ...subKind) (declared, set bool) {
			for _, v := range vars {
				if !slices.Contains(kinds, v.kind) || strings.Contains(v.hint, "left out") {
					continue
				}
				declared = true
				if _, ok := got[v.name]; ok {
					set = true
				}
			}
			return declared, set
		}
		var wants []string
		addWants := func(kinds ...subKind) {
			for _, v := range vars {
				if slices.Contains(kinds, v.kind) {
					wants = append(wants, v.name)
				}
			}
		}
		if d, s := has(subPerson, subCompany); d && !s {
			addWants(subPerson, subCompany)
		}
		if d, s := has(subItems); d && !s {
			addWants(subItems)
		}
		if d, s := has(subCourse); d && !s && !slices.ContainsFunc(t.schema.fields, func(c field) bool {
			_, ok := args[c.name]
			return ok && c.kind == kindCourse
		}) {
			addWants(subCourse)
		}
		if len(wants) > 0 {
			return f.name, wants
		}
	}
	return "", nil
}

// detailsQuestion asks for the keys of an object argument by what they
// are: whom the document is for, its items, its course.
func (r *run) detailsQuestion(f field, wants []string) string {
	var parts []string
	add := func(p phrase) {
		if s := p.in(r.lang); !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	for _, name := range wants {
		for _, vs := range f.objVars {
			for _, v := range vs {
				if v.name != name {
					continue
				}
				switch v.kind {
				case subPerson, subCompany:
					add(phNeedWhom)
				case subItems:
					add(phNeedItems)
				case subCourse:
					add(phNeedCourse)
				}
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(phAskDetails.in(r.lang), joinAnd(parts, r.lang))
}

// handoff is a request for a person: the request_human tool if offered.
func (r *run) handoff(text string) action {
	if t := r.tool(toolRequestHuman); t != nil {
		return r.startTask(t, []taskMsg{{text: text}})
	}
	return action{kind: actHandoffInfo, query: text}
}

// maxReplay bounds how many earlier turns are replayed to rebuild the
// state: a task older than that is abandoned anyway.
const maxReplay = 8

// replay rebuilds the state before the last turn by deciding each earlier
// turn again (the engine is deterministic, so it decides as it did) and
// reading what actually happened: the tool results, and the offers made.
func (r *run) replay() state {
	var st state
	turns := r.conv.turns
	for i := max(0, len(turns)-1-maxReplay); i < len(turns)-1; i++ {
		t := turns[i]
		st = r.after(r.decideMemo(t.human, st), t)
	}
	return st
}

// after is the state that follows a turn decided as act.
func (r *run) after(act action, t turn) state {
	if len(t.calls) > 0 {
		// What the tools said settles it: a refusal for invalid arguments
		// leaves the task open, asking for the first bad field.
		if n := len(t.resps); n > 0 {
			resp := t.resps[n-1]
			er, isErr := readError(resp.Content)
			if tool := r.tool(t.toolOf(resp)); isErr && er.Error == codeInvalidArguments && tool != nil {
				if field, _ := firstProblem(er, tool); field != "" {
					return state{kind: statePending, tool: tool, msgs: act.msgs, asked: field, prior: priorArgs(t.calls, resp, er)}
				}
			}
			// A result that did nothing for want of some values waits
			// for them, with what the call already gave; one that went
			// ahead without the caller's name waits for it (askedAfter).
			if tool := r.tool(t.toolOf(resp)); !isErr && tool != nil {
				missing := readMissing(resp.Content)
				if field := missingField(tool, missing); field != "" {
					return state{kind: statePending, tool: tool, msgs: act.msgs, asked: field, prior: priorArgs(t.calls, resp, errorResult{}), wants: missing}
				}
				prior := priorArgs(t.calls, resp, errorResult{})
				if raw, err := json.Marshal(prior); err == nil && strings.Contains(t.reply, "\n\n") {
					if f, ok := r.askedAfter(tool, string(raw)); ok {
						return state{kind: statePending, tool: tool, msgs: act.msgs, asked: f.name, prior: prior, optional: true}
					}
				}
			}
		}
		return offerState(t, act)
	}
	if act.kind == actKnowledge && act.then != nil {
		// An offered task was begun only if the reply asked its question
		// (it is not when the passages did not answer).
		if act.offered && !strings.Contains(t.reply, r.question(*act.then)) {
			return offerState(t, act)
		}
		act = *act.then
	}
	if act.kind == actAsk && act.tool != nil {
		return state{kind: statePending, tool: act.tool, msgs: act.msgs, asked: act.field, prior: act.prior, tries: act.tries, wants: act.wants}
	}
	return offerState(t, act)
}

// missingField is the argument that holds the first of the names a
// result reports missing: the name itself, or the object whose keys
// include it (generate_document's variables).
func missingField(t *toolDef, missing []string) string {
	for _, name := range missing {
		if _, ok := t.schema.field(name); ok {
			return name
		}
		for _, f := range t.schema.fields {
			for _, vs := range f.objVars {
				if slices.ContainsFunc(vs, func(v subVar) bool { return v.name == name }) {
					return f.name
				}
			}
		}
	}
	return ""
}

// offerState reads an offer at the end of the engine's reply ("¿Quieres que
// abra un ticket?"): a "sí" next opens the ticket about the question.
func offerState(t turn, act action) state {
	reply := strings.TrimSpace(t.reply)
	for _, p := range []struct {
		ph   phrase
		tool string
	}{{phOfferBoth, toolOpenTicket}, {phOfferTicket, toolOpenTicket}, {phOfferHuman, toolRequestHuman}} {
		for _, s := range p.ph.all {
			if strings.HasSuffix(reply, s) {
				q := act.query
				if q == "" {
					q = t.human
				}
				return state{kind: stateOffer, offerTool: p.tool, offerMsgs: []taskMsg{{text: q}}}
			}
		}
	}
	return state{}
}

// firstProblem returns the first field an invalid-arguments result names
// that the user can fix (not an unknown field, which is the caller's bug),
// and whether it was missing rather than wrong.
func firstProblem(er errorResult, t *toolDef) (string, bool) {
	for _, f := range er.Fields {
		if f.Field == "" || f.Problem == problemUnknown {
			continue
		}
		top, _, _ := strings.Cut(f.Field, ".")
		if _, ok := t.schema.field(top); !ok && len(t.schema.fields) > 0 {
			continue
		}
		return top, f.Problem == problemMissing
	}
	return "", false
}

// priorArgs are the arguments of the call a result answers, without the
// fields the result reports as wrong.
func priorArgs(calls []llms.ToolCall, resp llms.ToolCallResponse, er errorResult) map[string]any {
	var args string
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if c.FunctionCall != nil && (c.ID == resp.ToolCallID || resp.ToolCallID == "") {
			args = c.FunctionCall.Arguments
			break
		}
	}
	prior := map[string]any{}
	if args != "" {
		_ = unmarshalArgs(args, &prior) // unreadable arguments: start over
	}
	for _, f := range er.Fields {
		top, _, _ := strings.Cut(f.Field, ".")
		delete(prior, top)
	}
	return prior
}

// continuePrevious reads a short follow-up of a tool's call as the same
// request with other values: "¿y la conversión del mes pasado?" after a KPI
// report, "and the managers one too" after an enrolment. It holds when the
// previous turn called the tool, no other tool is clearly meant, and the
// message gives the tool a value it takes by kind (one of its enum values,
// a course, a date, a reference) — not free text, which any message has.
func (r *run) continuePrevious(text string, f msgFeatures, scores []toolScore) (action, bool) {
	turns := r.conv.turns
	// A long message is a request of its own, unless it says it reuses
	// what was given ("agora emite a fatura … com os mesmos itens").
	same := slices.ContainsFunc(tokenize(text), func(t token) bool { return sameWords[t.fold] })
	if len(turns) < 2 || len(f.words) > 8 && !same {
		return action{}, false
	}
	prev := turns[len(turns)-2]
	if len(prev.calls) == 0 {
		return action{}, false
	}
	call := prev.calls[len(prev.calls)-1]
	if call.FunctionCall == nil {
		return action{}, false
	}
	t := r.tool(call.FunctionCall.Name)
	priorRaw := call.FunctionCall.Arguments
	if t != nil && t.name == toolMyEnrollments {
		// The enrolments were read for a certificate, which was not
		// made ("y el de marketing? ese sí lo terminé"): that request
		// goes on.
		if gd := r.tool(toolGenerateDocument); gd != nil && r.conv.tc.Role == roleStudent {
			if v, named := r.namedObjectValue(gd, prev.human); named && v == "certificate" {
				t, priorRaw = gd, `{"template":"certificate"}`
			}
		}
	}
	if t == nil || t.name == toolSearchKnowledge || t.name == toolRequestHuman {
		return action{}, false
	}
	msgs := []taskMsg{{text: text}}
	fresh := r.messageValues(t, text, func(f field) bool {
		return f.kind != kindText && f.kind != kindObject && f.kind != kindOther
	})
	if len(fresh) == 0 {
		return action{}, false
	}
	// A question for a fact ("how much is the one for managers?" after a
	// listing) is for the knowledge base, or for routing as usual; but
	// counting what the tool reports ("e quantos clientes novos no mesmo
	// período?" after a KPI report: one of its metrics) asks it again.
	counts := slices.ContainsFunc(t.schema.fields, func(fd field) bool { return fd.kind == kindEnumList && fresh[fd.name] })
	// "y el de datos cuándo termina?" asks when, though "cuándo" is a
	// function word: all the words count.
	if slices.ContainsFunc(f.all, func(w word) bool { return asksFact(w) && !(counts && countWord(w)) }) {
		return action{}, false
	}
	// Another tool the message gives more values to ("quero o de torno
	// para principiantes! sou Beatriz Lima, bia@…" after a listing: a
	// course, a name and an email are an enrolment's) is the one meant.
	for _, o := range r.tools {
		if o == t || o.name == toolSearchKnowledge || o.name == toolRequestHuman {
			continue
		}
		if len(r.messageValues(o, text, func(f field) bool { return personalKinds[f.kind] || f.kind == kindCourse })) > len(fresh) {
			return action{}, false
		}
	}
	// Another tool that is a candidate on its own ("sign me up for the
	// second one" after a listing) is what the person moved on to,
	// unless the message gives it nothing it needs while it gives the
	// previous one new values ("and ticket volume for the same
	// period?" after a report is no ticket to look up), or asks for the
	// same again ("y el de datos también").
	again := slices.ContainsFunc(tokenize(text), func(t token) bool { return repeatCues[t.fold] })
	for _, sc := range scores {
		if sc.tool.name == toolSearchKnowledge || again {
			continue
		}
		if sc.tool != t && sc.score >= toolMin && !r.wouldOnlyAsk(sc.tool, text) {
			return action{}, false
		}
		break
	}
	prior := map[string]any{}
	_ = unmarshalArgs(priorRaw, &prior) // unreadable: start from the message alone
	for _, fd := range t.schema.fields {
		if fd.kind == kindText || fresh[fd.name] {
			delete(prior, fd.name)
		}
	}
	res := r.fill(slotTask{tool: t, msgs: msgs, prior: prior})
	return r.taskAction(t, msgs, prior, res), true
}

// sameWords refer to what the conversation already gave.
var sameWords = lexWords("same_words")

// repeatCues ask for the same again, for something else.
var repeatCues = lexWords("repeat_cues")

// onlyAsks reports that starting t with the message would ask for a
// required argument while the message gives t no value of the kinds keep
// selects: none of the required ones (wouldOnlyAsk), or none at all.
func (r *run) onlyAsks(t *toolDef, text string, keep func(field) bool) bool {
	res := r.fill(slotTask{tool: t, msgs: []taskMsg{{text: text}}})
	if len(res.missing) == 0 {
		return false
	}
	return len(r.messageValues(t, text, keep)) == 0
}

// wouldOnlyAsk reports that starting t with the message would ask for a
// required argument the message says nothing of.
func (r *run) wouldOnlyAsk(t *toolDef, text string) bool {
	return r.onlyAsks(t, text, func(f field) bool { return f.required })
}

// givesNothing reports that starting t with the message would only ask,
// the message giving t no value of any kind.
func (r *run) givesNothing(t *toolDef, text string) bool {
	return r.onlyAsks(t, text, func(f field) bool { return f.kind != kindText })
}

// personalKinds are the kinds of argument that describe the person or
// their company: what someone gives when they want to be contacted.
var personalKinds = map[fieldKind]bool{
	kindEmail: true, kindPhone: true, kindPersonName: true, kindCompany: true, kindInteger: true, kindNumber: true,
}

// asksHowToDo is the mutating tool a question names by its action alone
// ("how do I sign up?": enroll), with nothing else but acknowledgements
// and chatter; nil otherwise.
func (r *run) asksHowToDo(f msgFeatures) *toolDef {
	if !f.question {
		return nil
	}
	var content []word
	for _, w := range f.words {
		if !ackSet[w.fold] && !chatter[w.fold] && !questionWords[w.fold] && !auxQuestion[w.fold] {
			content = append(content, w)
		}
	}
	if len(content) == 0 {
		return nil
	}
	for _, t := range r.tools {
		if !t.mutating {
			continue
		}
		if does := t.does(); does != "" && !slices.ContainsFunc(content, func(w word) bool { return w.concept != does }) {
			return t
		}
	}
	return nil
}

// indefiniteArticles come before a thing to be made ("open a ticket").
var indefiniteArticles = lexWords("indefinite_articles")

// personConditionals open a condition only before the speaker ("se eu
// me inscrever").
var personConditionals = lexWords("person_conditionals")

// supposes reports a conditional in the message ("if", "si"), or a word
// that is one only before the speaker ("se eu me inscrever": Portuguese
// "se" is also the reflexive pronoun).
func supposes(toks []token) bool {
	for i, t := range toks {
		if conditionals[t.fold] || personConditionals[t.fold] && i+1 < len(toks) && firstPerson[toks[i+1].fold] {
			return true
		}
	}
	return false
}

// howWords ask the way something is done; triedWords tell of a problem
// already tried to fix, or of a charge made twice.
var (
	howWords   = lexWords("how_words")
	triedWords = lexWords("tried_words")
	listWords  = lexWords("list_words")
	anyWords   = lexWords("any_words")
)

// asksHowToJoin reports a message that names a course and asks how the
// speaker gets in: a how-word, an auxiliary at most, a first-person word,
// and then, to the end of the clause, only function words, words of
// enrolling or of seats, and the course's name ("how do I get in?", "how
// can I get a spot?", "¿cómo me anoto?"). Access ("how do I get into the
// classes?") names what it reaches; a payment or an access problem
// spoken of says the seat is had already.
func (r *run) asksHowToJoin(text string, f msgFeatures) bool {
	if !f.question || slices.ContainsFunc(f.all, func(w word) bool { return w.concept == "billing" || w.concept == "access" }) {
		return false
	}
	if _, named := r.matchCourse(text, false); !named {
		return false
	}
	toks := f.toks
	for i, t := range toks {
		if !howWords[t.fold] {
			continue
		}
		j := i + 1
		if j < len(toks) && auxQuestion[toks[j].fold] {
			j++
		}
		if j >= len(toks) || !firstPerson[toks[j].fold] {
			continue
		}
		rest := toks[j+1:]
		for k := 1; k < len(rest); k++ {
			if strings.ContainsAny(text[rest[k-1].end:rest[k].start], ",.;:!?") {
				rest = rest[:k]
				break
			}
		}
		ok := true
		for _, w := range r.m.an.analyzeTokens(rest) {
			if !(w.stop || firstPerson[w.fold] || w.concept == "enroll" || w.concept == "seats" || r.courseWord(w)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// readsWhatWasMade is the tool for a question that points back (a
// demonstrative: "it", "eso", "isso") right after a turn whose call
// changed something: the first of the four tools the question resembles
// most that changes nothing, knows a word of the question, and takes an
// argument the conversation fills (the number of the ticket just
// opened), so that it runs without asking. A tool that takes nothing
// ("my enrolments" knows "status" too) reads no particular thing made.
func (r *run) readsWhatWasMade(f msgFeatures, toks []token, scores []toolScore) *toolDef {
	if !f.question || !slices.ContainsFunc(toks, func(t token) bool { return demonstratives[t.fold] }) || !r.changedLastTurn() {
		return nil
	}
	for _, s := range scores[:min(4, len(scores))] {
		t := s.tool
		if t.mutating || t.name == toolSearchKnowledge || s.score < toolMin || !slices.ContainsFunc(t.schema.fields, func(f field) bool { return f.required }) {
			continue
		}
		if !slices.ContainsFunc(f.words, t.knows) {
			continue
		}
		if a := r.startTask(t, []taskMsg{{text: f.text}}); a.kind != actAsk {
			return t
		}
	}
	return nil
}

// callName is the name of the tool a call calls, "" when it calls none.
func callName(c llms.ToolCall) string {
	if c.FunctionCall == nil {
		return ""
	}
	return c.FunctionCall.Name
}

// joinTool is the tool that enrols: mutating, its verb the enrolment's
// concept; nil when none is offered.
func (r *run) joinTool() *toolDef {
	for _, t := range r.tools {
		if t.mutating && t.does() == "enroll" {
			return t
		}
	}
	return nil
}

// does is the concept of the verb a tool's name opens with ("enroll" of
// enroll_course), "" when it has none.
func (t *toolDef) does() string {
	verb, _, _ := strings.Cut(t.name, "_")
	return concepts.of(verb, "", "")
}

// changedLastTurn reports that a call of the turn before changed
// something (a ticket opened, an enrolment made).
func (r *run) changedLastTurn() bool {
	turns := r.conv.turns
	return len(turns) >= 2 && slices.ContainsFunc(turns[len(turns)-2].calls, func(c llms.ToolCall) bool {
		t := r.tool(callName(c))
		return t != nil && t.mutating
	})
}

// contactLeftFor is the tool the message leaves the asker's contact for:
// the first of the tools it resembles (knowledge and hand-off aside) that
// keeps the asker's email or phone, given with at least one more value
// about them (a size, a company, a name). nil when there is none.
func (r *run) contactLeftFor(text string, scores []toolScore) *toolDef {
	for _, s := range scores {
		if s.tool.name == toolSearchKnowledge || s.tool.name == toolRequestHuman {
			continue
		}
		if !r.leavesContact(s.tool, text) {
			return nil
		}
		if len(r.messageValues(s.tool, text, func(f field) bool { return personalKinds[f.kind] })) < 2 {
			return nil
		}
		return s.tool
	}
	return nil
}

// byArguments routes a message that gives a tool most of what it takes
// about the person, with no request a tool's examples recognise: "soy
// Marcela Ruiz de Textiles Andinos, somos 40 personas, tenemos 3000
// dólares, mi correo …" is a lead, whatever words it uses. It needs three
// such values from the message itself (not the caller's known details),
// more than any other tool gets, and no tool clearly meant otherwise.
func (r *run) byArguments(text string, scores []toolScore) (action, bool) {
	// Three values about a person come with an email, a phone or a number
	// (a size, a budget); most messages have none, and filling every
	// tool's arguments is the costliest part of deciding.
	if m := findMentions(r.m.an, text, r.now); len(m.emails) == 0 && len(m.phones) == 0 && !hasDigit(text) {
		return action{}, false
	}
	for _, sc := range scores {
		if sc.tool.name != toolSearchKnowledge && sc.score >= toolClear {
			return action{}, false
		}
	}
	msgs := []taskMsg{{text: text}}
	var best *toolDef
	bestN, second, bestNamed := 0, 0, false
	for _, t := range r.tools {
		if t.name == toolSearchKnowledge || t.name == toolRequestHuman {
			continue
		}
		// The course a message names ("book me into Intro to
		// Bouldering, sam@…") is the enrolment's, as the email is.
		n := len(r.messageValues(t, text, func(f field) bool { return personalKinds[f.kind] || f.kind == kindCourse && f.required }))
		keys, named := r.namedObject(t, text)
		n += keys
		switch {
		case n > bestN:
			best, bestN, second, bestNamed = t, n, bestN, named
		case n > second:
			second = n
		}
	}
	if best == nil || bestN < 3 || second >= bestN {
		return action{}, false
	}
	// Another tool the request's words point to ("una propuesta. cliente:
	// …, empresa: …") keeps it: the values are its arguments — unless
	// the message names what the best one makes ("a proposal for …").
	for _, sc := range scores {
		if sc.tool.name == toolSearchKnowledge || bestNamed {
			continue
		}
		// A tool only some words point to ("show." of a Brazilian "cool"
		// reads as list_courses') keeps it only when it could take the
		// values too, in an object argument, or is clearly asked for.
		if sc.tool != best && (sc.score >= toolClear || sc.score >= toolMin && hasObjectField(sc.tool) || r.namesToolAndVerb(sc.tool, text)) {
			return action{}, false
		}
		break
	}
	return r.startTask(best, msgs), true
}

// namesToolAndVerb reports a message that says both what t's name does and
// what it handles ("open a billing ticket for him"): whatever values of
// another tool's it gives (a name, an email, a course), it asks for t.
func (r *run) namesToolAndVerb(t *toolDef, text string) bool {
	ws := r.m.an.analyze(text)
	verb := t.does()
	if verb == "" {
		return false
	}
	// A thing right after the verb and an indefinite article ("open a
	// billing ticket", "abre um chamado"): one to be made, not one the person is
	// in ("tô matriculada em algum curso?"), nor one named anywhere
	// ("registra um lead: … quer o curso de IA" enrols no one).
	for i, w := range ws {
		if w.concept != verb || i+2 >= len(ws) || !indefiniteArticles[ws[i+1].fold] {
			continue
		}
		if r.namesTool(t, ws[i+2:min(len(ws), i+4)]) {
			return true
		}
	}
	return false
}

func wantsOrNeeds(w word) bool { return w.concept == "want" || w.concept == "need" }

// leavesContact reports a message giving an email or a phone that t
// keeps for the caller.
func (r *run) leavesContact(t *toolDef, text string) bool {
	m := findMentions(r.m.an, text, r.now)
	if len(m.emails) == 0 && len(m.phones) == 0 {
		return false
	}
	for _, f := range t.schema.fields {
		if (f.kind == kindEmail && len(m.emails) > 0 || f.kind == kindPhone && len(m.phones) > 0) && callerField(f) {
			return true
		}
	}
	return false
}

// namesWhatItMakes returns the tool among the candidates whose
// object-selecting argument the message names ("certificate" for
// generate_document), when no other tool is ahead of it.
func (r *run) namesWhatItMakes(text string, scores []toolScore) *toolDef {
	for _, sc := range scores {
		if sc.tool.name == toolSearchKnowledge {
			continue
		}
		// Staff ask the assistant to make things ("I need an invoice
		// done before EOD") in few words, and the words around it
		// resemble no example: naming the thing is enough.
		if sc.score < toolMin && r.conv.tc.Role != roleStaff {
			return nil
		}
		if _, named := r.namedObjectValue(sc.tool, text); named {
			return sc.tool
		}
		// For staff, a tool ahead that makes nothing of the kind ("necesito
		// sacar una factura" reads a little like a ticket) does not hide
		// the one that does, unless the message names it ("abre un ticket
		// para el cliente: no le llegó la factura").
		if r.conv.tc.Role != roleStaff || r.namesTool(sc.tool, r.m.an.analyze(text)) {
			return nil
		}
	}
	return nil
}

// receiveOpeners ask to be given something ("can I get…", "posso pegar…").
var receiveOpeners = lexCues("receive_openers")

// asksToReceive reports a message that asks to be given something: "can
// I get my cert for the managers course?" asks for the certificate when a
// tool makes it, though it reads as a question.
func asksToReceive(toks []token) bool {
	for at := range toks {
		for _, op := range receiveOpeners {
			if phraseAt(toks, at, op) {
				return true
			}
		}
	}
	return false
}

// faqAsks reports whether a question among the turn's passages (an FAQ's,
// or a heading written as one) asks what the message asks: every word of
// the message's own question, at least two, is in it.
func (r *run) faqAsks(text string) bool {
	qws, focus := questionWords2(r.m.an, withoutSwitch(stripGreeting(text)))
	var need []word
	for i, w := range qws {
		if focus[i] && !isDigits(w.fold) {
			need = append(need, w)
		}
	}
	if len(need) < 2 {
		return false
	}
	for _, p := range r.conv.tc.Passages {
		var asked []string
		path := strings.Split(p.Heading, ">")
		if h := strings.TrimSpace(path[len(path)-1]); strings.HasSuffix(h, "?") {
			asked = append(asked, h)
		}
		for line := range strings.Lines(p.Text) {
			if l := strings.TrimSpace(strings.TrimLeft(line, "#-* ")); strings.HasSuffix(l, "?") {
				asked = append(asked, l)
			}
		}
		for _, q := range asked {
			ws := r.m.an.analyze(q)
			if !slices.ContainsFunc(need, func(w word) bool { return bestMatch(w, ws) < 0.8 }) {
				return true
			}
		}
	}
	return false
}

// hasObjectField reports whether t takes an object argument (a document's
// variables), which holds whatever values a message gives.
func hasObjectField(t *toolDef) bool {
	return slices.ContainsFunc(t.schema.fields, func(f field) bool { return f.kind == kindObject })
}

// contactTool reports whether an offered tool says it is for people the
// business's sales get in touch with (a lead "to be contacted by sales").
func (r *run) contactTool() bool {
	for _, t := range r.tools {
		for _, w := range folds(t.description) {
			if w == "sales" || w == "ventas" || w == "vendas" || w == "contacted" || w == "contactado" || w == "contatado" {
				return true
			}
		}
	}
	return false
}

// codeFor returns the one offered tool with a required identifier whose
// description shows codes of the form of a code in the message: the same
// letters before the digits ("T-000123" for "T-000207").
func (r *run) codeFor(text string) *toolDef {
	var prefixes []string
	for _, n := range findMentions(r.m.an, text, r.now).numbers {
		if n.code {
			if i := strings.IndexAny(n.written, "0123456789"); i > 0 {
				prefixes = append(prefixes, strings.ToUpper(n.written[:i]))
			}
		}
	}
	if len(prefixes) == 0 {
		return nil
	}
	var found *toolDef
	for _, t := range r.tools {
		for _, f := range t.schema.fields {
			if !f.required || f.kind != kindRef {
				continue
			}
			for _, c := range reDocCode.FindAllString(f.description, -1) {
				i := strings.IndexAny(c, "0123456789")
				if i > 0 && slices.Contains(prefixes, strings.ToUpper(c[:i])) {
					if found != nil && found != t {
						return nil
					}
					found = t
				}
			}
		}
	}
	return found
}

// valueForEarlier reads a message that is only an email ("bruna@…"),
// sent with no question pending, as the missing piece of what the
// message before it leaned towards: "how do I get a spot in it?" was
// answered from the knowledge base, and the email that follows is the
// enrolment's. The tool is the best one for the earlier message that
// takes the caller's email, if it came close enough to be a candidate.
func (r *run) valueForEarlier(text string) (action, bool) {
	// emailLean is how close the earlier message must have come to a
	// tool: less than a request needs (toolMin), as the email that
	// follows says the person wants something done.
	const emailLean = 0.1
	m := findMentions(r.m.an, text, r.now)
	if len(m.emails) != 1 || len(r.earlier) == 0 {
		return action{}, false
	}
	prev := r.earlier[0]
	for _, s := range r.scoreTools(r.features(prev)) {
		if s.tool.name == toolSearchKnowledge || s.tool.name == toolRequestHuman {
			continue
		}
		if s.score < emailLean {
			break
		}
		if !slices.ContainsFunc(s.tool.schema.fields, func(f field) bool { return f.kind == kindEmail && callerField(f) }) {
			continue
		}
		return r.startTask(s.tool, []taskMsg{{text: prev}, {text: text}}), true
	}
	return action{}, false
}

// countedWords are the words a count asks about ("matrículas" of
// "quantas matrículas…", "leads" of "how many leads"), not the story
// around it ("um cliente perguntou… em quantos meses?").
func countedWords(ws []word) string {
	var out []string
	for i, w := range ws {
		if w.concept != "count" || w.of == nil {
			continue
		}
		// What is counted may take a word or two more ("clientes
		// ativos", "new customers").
		for j, n := i+1, 0; j < len(ws) && n < 3; j++ {
			if ws[j].concept == "count" {
				break
			}
			if !ws[j].stop {
				out = append(out, ws[j].fold)
				n++
			}
		}
	}
	return strings.Join(out, " ")
}

// asksWhatIsOffered reports a question word (or a verb asking for a
// listing: "me lista os workshops", or one asking whether there are any)
// followed, within four words, by a
// plural word of the course concept ("what sign language classes",
// "quais cursos", "what kind of workshops"), with no first-person word in
// the rest of its clause.
func (r *run) asksWhatIsOffered(text string, toks []token, question bool) bool {
	for i, t := range toks {
		opens := opensQuestion(text, toks, i) || i == 1 && startsWithGreeting(toks)
		asks := question && (whichWords[t.fold] || anyWords[t.fold] || whichNouns[t.fold] && opens)
		if !asks && !listWords[t.fold] {
			continue
		}
		found := false
		for k := i + 1; k < len(toks); k++ {
			u := toks[k]
			if strings.ContainsAny(text[toks[k-1].end:u.start], ",.;:!?") {
				break // the clause ends
			}
			// "q cursos tengo?" asks about the speaker.
			if firstPerson[u.fold] {
				found = false
				break
			}
			if k <= i+4 && strings.HasSuffix(u.fold, "s") && r.courseNoun(u) {
				found = true
			}
		}
		// "do I have any courses?" asks about the speaker too.
		if found && anyWords[t.fold] && slices.ContainsFunc(toks[:i], func(u token) bool { return firstPerson[u.fold] }) {
			found = false
		}
		if found {
			return true
		}
	}
	return false
}

// courseNoun reports a word of the course concept, in Portuguese through
// the Spanish word it translates, its plural through its singular's
// ("aulas": "aula" is "clase").
func (r *run) courseNoun(u token) bool {
	w := r.m.an.analyzeTokens([]token{u})
	if len(w) != 1 {
		return false
	}
	if r.m.an.viaSpanish(w[0]).concept == "course" {
		return true
	}
	if src, ok := spanishOf[strings.TrimSuffix(u.fold, "s")]; ok {
		es, en := r.m.an.stems(src)
		return concepts.of(src, es, en) == "course"
	}
	return false
}

// notBrowsingNamed drops the tools that browse the catalogue (read-only,
// filtered by a topic, nothing required) from a statement about one course
// it names ("paid for the RAG course 3 days ago, still nothing under my
// courses"): it tells of that course, it asks for no listing.
func (r *run) notBrowsingNamed(text string, scores []toolScore) []toolScore {
	if _, named := r.matchCourse(text, false); !named {
		return scores
	}
	return slices.DeleteFunc(slices.Clone(scores), func(s toolScore) bool { return browses(s.tool) })
}

// browses reports a tool that lists what the business offers, filtered by
// a topic at most: read-only, with a topic and nothing required.
func browses(t *toolDef) bool {
	if t.mutating || t.name == toolSearchKnowledge {
		return false
	}
	topic, required := false, false
	for _, f := range t.schema.fields {
		topic = topic || f.kind == kindTopic
		required = required || f.required
	}
	return topic && !required
}

// definiteArticles point at one thing known ("the", "el", "o").
var definiteArticles = lexWords("definite_articles")

// oneCourseAsked reports that the message speaks of one course it points
// at ("is the RAG course ok for me?", "o curso de dados tem aula
// gravada?"): a question about that course, which the catalogue's list
// does not answer, unlike "courses about RAG" or "¿tienen algún curso de
// marketing?". The course word must be singular (a plural is a word of
// the course concept whose form without its final "s" or "es" is one
// too: "cursos", "classes") and follow a definite article or a
// demonstrative closely.
func (r *run) oneCourseAsked(text string) bool {
	toks := tokenize(text)
	pointed := false
	for i, t := range toks {
		ws := r.m.an.analyze(t.fold)
		if len(ws) != 1 || ws[0].concept != "course" {
			continue
		}
		for _, cut := range []string{"s", "es"} {
			if base, ok := strings.CutSuffix(t.fold, cut); ok && base != "" {
				if bw := r.m.an.analyze(base); len(bw) == 1 && bw[0].concept == "course" {
					return false
				}
			}
		}
		for _, b := range toks[max(0, i-3):i] {
			pointed = pointed || definiteArticles[b.fold] || demonstratives[b.fold]
		}
	}
	return pointed
}

// measures returns the one offered read-only tool with a list of values
// to choose from (report_kpis' metrics) that a count names some of
// (counted: "quantas matrículas"), or that the message names together
// with when ("enrollments from 2027-01-01 to 2027-01-31") or asks for
// ("pásame el NPS").
func (r *run) measures(counted, text string, dated, question bool) *toolDef {
	var found *toolDef
	isList := func(f field) bool { return f.kind == kindEnumList }
	isWhen := func(f field) bool { return f.kind == kindDate || f.kind == kindEnum }
	for _, t := range r.tools {
		if t.mutating || t.name == toolSearchKnowledge || !slices.ContainsFunc(t.schema.fields, isList) {
			continue
		}
		byCount := counted != "" && len(r.messageValues(t, counted, isList)) > 0
		// Filling the tool is the costly part: only when a word of the
		// message is one of its list's values.
		named := r.namesListValue(t, text) && len(r.messageValues(t, text, isList)) > 0
		byWhen := dated && named && len(r.messageValues(t, text, isWhen)) > 0
		// "me passa o NPS, por favor", "pásame el NPS porfa": asked for by
		// name, in a request or a statement, when no other tool's own
		// word is there ("abre una incidencia…" counts no tickets).
		byAsk := named && (isRequest(r.m.an, text) || !question) && !r.namesOtherTool(t, text)
		if !byCount && !byWhen && !byAsk {
			continue
		}
		if found != nil {
			return nil
		}
		found = t
	}
	return found
}

// namesListValue reports whether the message's words name a value of one
// of t's lists, as the list's own matching reads them.
func (r *run) namesListValue(t *toolDef, text string) bool {
	ws := r.m.an.analyze(text)
	return slices.ContainsFunc(t.schema.fields, func(f field) bool {
		return f.kind == kindEnumList && len(matchEnumListLoose(f.itemEnum, f.itemEnumWords, ws)) > 0
	})
}

// namedOtherTop reports that the best-scored tool other than the
// knowledge search is not t and the message names it by what its name
// says it handles ("abre um chamado pro cliente…: não recebeu a fatura"
// asks for a ticket about an invoice, not for an invoice).
func (r *run) namedOtherTop(t *toolDef, f msgFeatures, scores []toolScore) bool {
	for _, sc := range scores {
		if sc.tool.name == toolSearchKnowledge {
			continue
		}
		if sc.tool == t || sc.score < toolMin {
			return false
		}
		ws := f.words
		if _, named := r.matchCourse(f.text, false); named {
			// "10 seats of the RAG course": the word for a course of the
			// catalogue the message names is that course, an item of
			// what t makes, not a request for the tool of courses.
			ws = slices.DeleteFunc(slices.Clone(ws), func(w word) bool { return w.concept == "course" })
		}
		return r.namesTool(sc.tool, ws)
	}
	return false
}

// namesOtherTool reports whether the message names an offered tool other
// than t by its own word (see namesTool).
func (r *run) namesOtherTool(t *toolDef, text string) bool {
	ws := r.m.an.analyze(text)
	return slices.ContainsFunc(r.tools, func(o *toolDef) bool {
		return o != t && o.name != toolSearchKnowledge && r.namesTool(o, ws)
	})
}

// namesTool reports words that name what t's name says it handles
// ("chamado", "ticket" for open_ticket), not what it does with it
// ("open").
func (r *run) namesTool(t *toolDef, ws []word) bool {
	for _, nw := range r.m.an.analyze(strings.ReplaceAll(t.name, "_", " ")) {
		if nw.concept == "" || nameVerbs[nw.concept] {
			continue
		}
		if slices.ContainsFunc(ws, func(w word) bool { return w.concept == nw.concept }) {
			return true
		}
	}
	return false
}

// infoQuestion is the message's clauses that ask for information
// (ending in "?" and no request: "¿hay algún descuento x cantidad?"), or
// "" when it asks none.
func infoQuestion(an *analyzer, text string) string {
	var qs []string
	for _, clause := range askingClauses(text) {
		// "…, como hago?" asks how to do the task itself: a question of
		// its own says what it is about in words of its own.
		if c := strings.TrimSpace(clause); len(answerWords(an.analyze(c))) >= 2 && asksForInformation(an, c+"?") {
			qs = append(qs, c+"?")
		}
	}
	// The whole message a question: it is the request itself ("how can
	// I register for it?").
	if q := strings.Join(qs, " "); len(answerWords(an.analyze(q))) < len(answerWords(an.analyze(text))) {
		return q
	}
	return ""
}

// nameVerbs are the concepts of the verbs tool names open with.
var nameVerbs = map[string]bool{"open": true, "generate": true, "show": true, "list": true, "want": true, "need": true}

// makesNamedFor returns the offered tool whose object the message names
// together with whom it is for (see namedObject), if exactly one does.
func (r *run) makesNamedFor(text string) *toolDef {
	var found *toolDef
	for _, t := range r.tools {
		if t.name == toolSearchKnowledge || t.name == toolRequestHuman {
			continue
		}
		if _, named := r.namedObject(t, text); named {
			if found != nil {
				return nil
			}
			found = t
		}
	}
	return found
}

// namedObjectValue returns the value of t's object-selecting argument the
// message names, if any.
func (r *run) namedObjectValue(t *toolDef, text string) (string, bool) {
	for _, f := range t.schema.fields {
		if f.kind != kindObject || f.objOf == "" {
			continue
		}
		if sel, ok := t.schema.field(f.objOf); ok {
			return matchEnum(sel.enum, sel.enumWords, r.m.an.analyze(text), false)
		}
	}
	return "", false
}

// namedObject reports whether the message names a value of t's argument
// that selects what an object argument holds ("proposal" for
// generate_document's variables), and how many of that value's keys the
// message gives ("for Mark Ellison at Ridgeway Dental: … 990 USD … valid
// for 15 days").
func (r *run) namedObject(t *toolDef, text string) (keys int, named bool) {
	for _, f := range t.schema.fields {
		if f.kind != kindObject || f.objOf == "" {
			continue
		}
		sel, ok := t.schema.field(f.objOf)
		if !ok {
			continue
		}
		v, ok := matchEnum(sel.enum, sel.enumWords, r.m.an.analyze(text), false)
		if !ok {
			continue
		}
		// Whom the document is for is what a request for one gives; a
		// price, a currency and a reference alone are what a complaint
		// about a charge gives too.
		vals := r.objectValues(f.objVars, v, text, false)
		whom := false
		for _, sv := range f.objVars[v] {
			if _, ok := vals[sv.name]; ok && (sv.kind == subPerson || sv.kind == subCompany) {
				whom = true
			}
			if _, ok := vals[sv.name]; ok && sv.kind != subCurrency {
				keys++
			}
		}
		if !whom {
			return 0, false
		}
		return keys, true
	}
	return 0, false
}

// messageValues are the fields of t, among those keep accepts, that the
// message itself fills: not the ones the caller's known details (the turn
// context) fill the same way without it.
func (r *run) messageValues(t *toolDef, text string, keep func(field) bool) map[string]bool {
	got := r.fill(slotTask{tool: t, msgs: []taskMsg{{text: text}}, said: true})
	known := r.fill(slotTask{tool: t, msgs: []taskMsg{{text: ""}}, said: true})
	out := map[string]bool{}
	for _, fd := range t.schema.fields {
		v, ok := got.args[fd.name]
		if !ok || !keep(fd) {
			continue
		}
		if kv, had := known.args[fd.name]; had && fmt.Sprint(kv) == fmt.Sprint(v) {
			continue
		}
		out[fd.name] = true
	}
	return out
}
