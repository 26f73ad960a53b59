package offline

import (
	"encoding/json"
	"fmt"
	"github.com/faroai/faro/lexicon"
	"github.com/faroai/faro/store/fulltext"
	"hash/maphash"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Extractive answers: the engine never writes knowledge in its own words.
// It picks the sentences of the passages that best match the question and
// quotes them as written, each followed by its passage's citation marker.

// Answer thresholds, tuned on the demo knowledge base with its retrieval
// evaluation questions (answerable) and questions it cannot answer.
const (
	// minSentenceScore: the best sentence must score this much.
	minSentenceScore = 0.30
	// minCoverage: the best sentence, with its passage's title and heading,
	// must hold this share (by weight) of the question's words — its rare
	// words weigh most, so a question about something the passages never
	// mention is not answered with a sentence about something else.
	minCoverage = 0.40
	// maxSentences quoted, from at most maxPassages passages.
	maxSentences = 3
	maxPassages  = 3
)

// sentence is one quotable sentence of a passage.
type sentence struct {
	text    string
	passage int // index in the passages
	pos     int // position in the passage
	words   []word
	context []word // the passage's title
	section []word // the heading above it, or a table's header row
	// sectionText is that heading as written, sectionPos the sentence's
	// place under it, and sectionHit whether the heading matches the
	// question well: then the section is the answer, as an FAQ's is.
	sectionText string
	sectionPos  int
	sectionHit  bool
	asked       []word // the FAQ question it answers
	// askedText is that question as written, and after how many sentences
	// of the answer this one comes (0: the first, the direct answer).
	askedText string
	after     int
	score     float64
	cover     float64
	tableRow  bool
	// head is, for a table row, its table's header row: the things the
	// table compares ("Starter", "Growth", "Scale").
	head  []word
	kinds answerKinds // the kinds of answer the sentence holds
	lang  string      // its passage's language, if clear
	// pointer: it only sends the reader elsewhere ("consulta la Política
	// de reembolsos", "See Pricing"); it names the topic without answering.
	pointer bool
	// example: it illustrates the rule before it ("For example, …").
	example bool
	// item: it opens an item of a list, listed: it is in one; intro: it
	// ends in a colon, so what it announces is the list after it ("you
	// must:").
	item, listed, intro bool
}

// answerKinds are kinds of fact a sentence states, for questions that ask
// for one by its kind: "¿cuánto cuesta?" is answered by a price, whatever
// the words around it; "número de WhatsApp" by a phone number.
type answerKinds uint8

const (
	hasPrice answerKinds = 1 << iota
	hasTime
	hasDate
	hasNumber
	hasDuration
	hasEmail
	hasLink
	hasCount // any number of something ("500 emails")
)

var (
	rePrice     = regexp.MustCompile(`(?i)(?:\bUSD\b|US\$|\$\s?\d|€|\bEUR\b|\bMXN\b)`)
	reTime      = regexp.MustCompile(`(?i)\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm|h)\b`)
	reDuration  = regexp.MustCompile(`(?i)\b\d+\s?(?:(?:business|working)\s)?(?:minutos?|minutes?|min|segundos?|seconds?|horas?|hours?|h|d[ií]as?|days?|semanas?|weeks?|meses|months?|años?|years?|anos?)\b`)
	reDigits    = regexp.MustCompile(`\d[\d\s-]{2,}\d`)
	reCount     = regexp.MustCompile(`\b\d[\d.,]*\s+\p{L}{3,}`)
	reThousands = regexp.MustCompile(`\b\d{1,3}(?:[.,]\d{3})+\b`)
	reLinkish   = regexp.MustCompile(`(?i)\b[a-z0-9-]+\.(?:example|com|org|net|io|es|mx)(?:/\S*)?`)
)

func kindsOf(text string) answerKinds {
	var k answerKinds
	if rePrice.MatchString(text) {
		k |= hasPrice
	}
	if reTime.MatchString(text) {
		k |= hasTime
	}
	if reDuration.MatchString(text) {
		k |= hasDuration
	}
	if reDigits.MatchString(text) {
		k |= hasNumber
	}
	if reCount.MatchString(text) || reThousands.MatchString(text) {
		// "10,000 contacts", and a table's "Contacts — 1,000 — 10,000":
		// a count of something.
		k |= hasCount
	}
	if reEmail.MatchString(text) {
		k |= hasEmail
	}
	if reLinkish.MatchString(text) {
		k |= hasLink
	}
	for _, w := range folds(text) {
		if _, ok := monthNames[w]; ok && len(w) > 3 {
			k |= hasDate
		}
	}
	if reISODate.MatchString(text) {
		k |= hasDate
	}
	return k
}

// askedKind is the kind of fact a question word asks for, if any.
func askedKind(w word) answerKinds {
	switch w.concept {
	case "price":
		return hasPrice
	case "hour", "schedule":
		return hasTime
	case "duration":
		return hasDuration
	case "number", "phone":
		return hasNumber
	case "count":
		return hasNumber | hasCount
	case "when":
		return hasDate | hasTime
	case "email":
		return hasEmail | hasLink
	case "link":
		return hasLink
	case "start":
		return hasDate
	}
	return 0
}

// match is how well the sentence answers for one question word: in the
// sentence itself, in the FAQ question it answers, or (weaker) in the
// headings above it.
func (s *sentence) match(qw word) float64 {
	if s.pointer {
		return 0.5 * s.match1(qw)
	}
	return s.match1(qw)
}

func (s *sentence) match1(qw word) float64 {
	m := bestMatch(qw, s.words)
	if k := askedKind(qw); k != 0 {
		// A question for a fact is answered by the fact: "¿cuándo
		// empieza?" by a date, not by "empieza por Fundamentos".
		if s.kinds&k != 0 && (qw.of == nil || bestMatch(*qw.of, s.words) >= 0.8 ||
			k == hasPrice && max(bestMatch(*qw.of, s.context), bestMatch(*qw.of, s.section), bestMatch(*qw.of, s.asked)) >= 0.8) {
			if (qw.concept == "start" || k == hasPrice) && m < 0.8 {
				// A date that says what starts then ("Inicio: 10 de
				// mayo") over another date ("paga antes del 10 de abril");
				// a price that says it is one ("Precio: 300 USD") over
				// another amount ("3 pagos de 100 USD").
				return 0.8
			}
			return 1
		}
		if qw.concept == "count" || qw.concept == "when" {
			// "cuántos", "cuándo" are only answered by the fact itself.
			return 0
		}
		// Words around it may still say it is on topic, at most halfway.
		m = max(m, 0.9*bestMatch(qw, s.asked), 0.7*bestMatch(qw, s.section))
		return 0.5 * m
	}
	if m < 1 && len(s.asked) > 0 {
		m = max(m, 0.9*bestMatch(qw, s.asked))
	}
	if m < 0.9 && len(s.section) > 0 {
		f := 0.7
		if s.sectionHit {
			f = 0.9
		}
		m = max(m, f*bestMatch(qw, s.section))
	}
	if m < 0.5 {
		m = max(m, 0.5*bestMatch(qw, s.context))
	}
	return m
}

// ranking is the sentences of the passages scored against a question.
type ranking struct {
	ps      []passage
	sents   []sentence
	order   []int     // sentence indexes, best first
	qws     []word    // the question's words that an answer must contain
	weights []float64 // their weights: rare in the passages weighs more
	// focus marks the words of the question's own clauses ("¿me devuelven
	// la plata?"), as against the story around it ("pagué hace 10 días y
	// la verdad no me convenció"): those must be answered.
	focus []bool
	// df counts the sentences that hold each question word.
	df []int
	// objects are the things the question asks about (see unknown).
	objects []word
	// offered are the words of the catalogue's course names (titles in
	// every language, slugs) and keywords: things the business has even
	// when the passages name them otherwise.
	offered []word
	// covered is how well the picked sentences cover each word (set by pick).
	covered []float64
	// lang is the user's language.
	lang string
	cos  []float64 // each sentence's embedding similarity to the question
	// matches holds how well each sentence matches each question word
	// (sentence i, word qi at i*len(qws)+qi): scoring, picking and the
	// gain of every candidate read them many times.
	matches []float64
}

// match is sentence i's match of question word qi.
func (rk *ranking) match(i, qi int) float64 { return rk.matches[i*len(rk.qws)+qi] }

// rank scores every sentence of the passages against the question; nil
// when there is nothing to rank. story is what the question comes with;
// earlier, the questions before it in the same message.
func (r *run) rank(ps []passage, question, story, earlier string) *ranking {
	if len(ps) == 0 {
		return nil
	}
	qws, focus := questionWords2(r.m.an, withoutSwitch(stripGreeting(question)))
	// The story the question comes with (the question before it, in a
	// message of several) counts as a story does.
	// A question that names nothing but what it asks for ("¿y cuándo
	// arranca?") is about what the story names.
	bare := bareWords(qws)
	for _, w := range answerWords(r.m.an.analyze(story)) {
		if !slices.ContainsFunc(qws, func(q word) bool { return q.fold == w.fold }) {
			qws, focus = append(qws, w), append(focus, bare && askedKind(w) == 0)
		}
	}
	if len(qws) == 0 {
		return nil
	}
	var sents []sentence
	for i, p := range ps {
		sents = append(sents, r.m.sentencesOf(p, i)...)
	}
	if len(sents) == 0 {
		return nil
	}
	// A price asked of a thing no passage names ("la formación de profes
	// de yoga" against a page titled "Formación de profesores") is asked
	// of whatever the passages price.
	for qi, qw := range qws {
		if qw.of == nil || askedKind(qw) != hasPrice {
			continue
		}
		of := *qw.of
		if !slices.ContainsFunc(sents, func(s sentence) bool {
			return max(bestMatch(of, s.words), bestMatch(of, s.context), bestMatch(of, s.section), bestMatch(of, s.asked)) >= 0.8
		}) {
			qws[qi].of = nil
		}
	}
	rk := &ranking{ps: ps, sents: sents, qws: qws, focus: focus, lang: r.lang, weights: make([]float64, len(qws)), cos: make([]float64, len(sents))}
	// A question word found in few sentences tells them apart; one found
	// nowhere still counts (at the top weight): the passages lack it.
	df := make([]int, len(qws))
	rk.matches = make([]float64, len(sents)*len(qws))
	for i := range sents {
		for qi, qw := range qws {
			m := sents[i].match(qw)
			rk.matches[i*len(qws)+qi] = m
			if m >= 0.8 {
				df[qi]++
			}
		}
	}
	// A Portuguese word no passage has may be there in Spanish ("aula":
	// "clase").
	for qi, qw := range qws {
		if r.lang != langPT || df[qi] > 0 {
			continue
		}
		if sw := r.m.an.spanishWord(qw); sw != qw {
			n := 0
			for i := range sents {
				if sents[i].match(sw) >= 0.8 {
					n++
				}
			}
			if n == 0 && sw.concept == "" {
				// The Spanish word is nowhere either: the Portuguese one
				// weighs as a foreign word does (see below).
				continue
			}
			qws[qi] = sw
			for i := range sents {
				m := sents[i].match(sw)
				rk.matches[i*len(qws)+qi] = m
				if m >= 0.8 {
					df[qi]++
				}
			}
		}
	}
	// A question in a language none of the passages is written in
	// (Portuguese against Spanish and English documents) has words no
	// passage can have ("vocês", "atendem"): missing from them says
	// nothing of whether they answer, so such words count as little as
	// the story around a question.
	foreign := true
	for _, st := range sents {
		if st.lang == "" || st.lang == r.lang {
			foreign = false
			break
		}
	}
	names := map[string]bool{}
	for i, t := range tokenize(question) {
		// Capitalised or in capitals ("OXXO"), not as a sentence's first word.
		if r, _ := utf8.DecodeRuneInString(t.raw); i > 0 && unicode.IsUpper(r) && len(t.raw) > 1 {
			names[t.fold] = true
		}
	}
	mean := 0.0
	for qi := range qws {
		rk.weights[qi] = math.Log(1+float64(len(sents))/float64(1+df[qi])) * wordWeight(qws[qi])
		if foreign && df[qi] == 0 && qws[qi].concept == "" {
			rk.weights[qi] *= 0.3
		}
		if !focus[qi] {
			// The story around the question counts for little; a name in
			// it that the passages have ("paid with OXXO") says which of
			// the answers to the question is meant.
			if names[qws[qi].fold] && df[qi] > 0 {
				rk.weights[qi] *= 0.6
			} else {
				rk.weights[qi] *= 0.3
			}
		}
		if isDigits(qws[qi].fold) {
			// "hace 3 meses", "somos 12": the user's particulars, rarely
			// what the answer must repeat.
			rk.weights[qi] *= 0.3
		}
		mean += rk.weights[qi] / float64(len(qws))
	}
	// What the question asks for ("¿cuánto cuesta?": a price) is what the
	// answer must give, however many passages state prices.
	for qi, qw := range qws {
		if askedKind(qw) != 0 {
			rk.weights[qi] = max(rk.weights[qi], mean)
		}
	}
	rk.df = df
	rk.objects = questionObjects(r.m.an, withoutSwitch(stripGreeting(question)))
	if cs := r.courses(); len(rk.objects) > 0 && len(cs) > 0 {
		// The course index holds them analysed already.
		if r.courseIx == nil {
			r.courseIx = r.m.courseIndex(cs)
		}
		for ci := range r.courseIx.courses {
			for _, set := range [][][]word{r.courseIx.names[ci], r.courseIx.keywords[ci]} {
				for _, ws := range set {
					rk.offered = append(rk.offered, ws...)
				}
			}
		}
	}
	if r.lang == langPT {
		for i, o := range rk.objects {
			if qi := slices.IndexFunc(qws, func(q word) bool { return q.pos == o.pos && q.fold == o.fold || q.fold == o.fold }); qi >= 0 {
				rk.objects[i] = qws[qi]
			}
		}
	}
	// A word no passage has ("some kind of level test") tells nothing
	// apart: unless it names the thing asked about (which unknown
	// checks), it weighs as a common word does, not as the rarest.
	for qi, qw := range qws {
		if df[qi] == 0 && qw.concept == "" && !slices.ContainsFunc(rk.objects, func(o word) bool { return o.fold == qw.fold }) {
			rk.weights[qi] *= 0.5
		}
	}
	qvec, err := r.m.emb.EmbedQuery(r.ctx, question)
	if err != nil {
		r.degraded = true
	}
	// The sentences and the FAQ questions they answer, in one batch.
	texts := make([]string, len(sents), 2*len(sents))
	askedAt := map[string]int{}
	for i, s := range sents {
		texts[i] = s.text
		for _, q := range []string{s.askedText, s.sectionText} {
			if _, ok := askedAt[q]; !ok && q != "" {
				askedAt[q] = len(texts)
				texts = append(texts, q)
			}
		}
	}
	// A heading that holds most of the question makes its section the
	// answer ("Cursos en inglés" for "¿qué cursos tienen en inglés?").
	for i := range sents {
		s := &sents[i]
		var got, total float64
		for qi, qw := range qws {
			if focus[qi] {
				got += rk.weights[qi] * bestMatch(qw, s.section)
				total += rk.weights[qi]
			}
		}
		s.sectionHit = total > 0 && got/total >= 0.6
		if s.sectionHit {
			// Its section now counts for more (see match1).
			for qi, qw := range qws {
				rk.matches[i*len(qws)+qi] = s.match(qw)
			}
		}
	}
	vecs, norms, err := r.m.embedSentences(r.ctx, texts)
	if err != nil {
		r.degraded = true
		vecs, norms = make([][]float32, len(texts)), make([]float64, len(texts))
	}
	qnorm := sqNorm(qvec) // once, not once per sentence
	for i := range sents {
		s := &sents[i]
		var got, ctxGot, total float64
		for qi := range qws {
			m := rk.match(i, qi)
			got += rk.weights[qi] * m
			ctxGot += rk.weights[qi] * m
			total += rk.weights[qi]
		}
		prior := 1 / (1 + 0.3*float64(s.passage))
		rk.cos[i] = max(0, cosineNormed(qvec, vecs[i], qnorm, norms[i]))
		bonus := 0.0
		if s.sectionHit {
			fade := 1 - 0.1*float64(min(s.sectionPos, 3))
			rk.cos[i] = max(rk.cos[i], fade*max(0, cosineNormed(qvec, vecs[askedAt[s.sectionText]], qnorm, norms[askedAt[s.sectionText]])))
			if s.sectionPos == 0 {
				bonus = 0.05
			}
		}
		if s.askedText != "" {
			// An FAQ's answer is as close to the question as the FAQ's own
			// question is, the first sentence of it most.
			fade := 1 - 0.15*float64(min(s.after, 3))
			rk.cos[i] = max(rk.cos[i], fade*max(0, cosineNormed(qvec, vecs[askedAt[s.askedText]], qnorm, norms[askedAt[s.askedText]])))
			if s.after == 0 {
				bonus = 0.05
			}
		}
		// The user's own language reads best; for Portuguese, Spanish.
		switch {
		case s.lang != "" && s.lang == r.lang:
			bonus += 0.1
		case r.lang == langPT && s.lang == langES:
			bonus += 0.03
		}
		if s.example {
			// The rule answers; its example, which repeats the question's
			// particulars, only illustrates it.
			bonus -= 0.08
		}
		if s.tableRow && comparesAsked(qws, focus, s.head) {
			// "the diff between Growth and Scale": a table whose columns
			// are the things asked about is what compares them.
			bonus += 0.1
		}
		s.cover = ctxGot / total
		s.score = 0.45*(got/total) + 0.15*s.cover + 0.3*rk.cos[i] + 0.15*prior + bonus
		if n := len(s.words); n < 3 && s.kinds&hasPrice == 0 {
			// Too short to say anything, unless it states a price
			// ("Precio: 300 USD.").
			s.score -= 0.1
		} else if n > 60 {
			s.score -= 0.05
		}
	}
	if r.m.rankHook != nil {
		rows := make([]RankRow, len(sents))
		for i := range sents {
			s := &sents[i]
			var got, total float64
			for qi := range qws {
				got += rk.weights[qi] * rk.match(i, qi)
				total += rk.weights[qi]
			}
			rows[i] = RankRow{Text: s.text, Score: s.score, Parts: map[string]float64{
				"lex": got / total, "cover": s.cover, "cos": rk.cos[i], "passage": float64(s.passage),
				"sectionHit": b2f(s.sectionHit), "sectionPos": float64(s.sectionPos), "faq": b2f(s.askedText != ""),
				"after": float64(s.after), "ownLang": b2f(s.lang != "" && s.lang == r.lang), "ptES": b2f(r.lang == langPT && s.lang == langES),
				"example": b2f(s.example), "table": b2f(s.tableRow), "compares": b2f(s.tableRow && comparesAsked(qws, focus, s.head)),
				"words": float64(len(s.words)), "pointer": b2f(s.pointer), "pos": float64(s.pos)}}
		}
		defer func() {
			ordered := make([]RankRow, len(rk.order))
			for k, i := range rk.order {
				ordered[k] = rows[i]
				ordered[k].Score = sents[i].score
			}
			r.m.rankHook(question, ordered)
		}()
	}
	// A bare question ("¿cuánto cuesta?") asks of the course named
	// before it: in "¿tienen clases de surf? ¿hay que llevar tabla?
	// ¿cuánto cuesta?", the surf class's price.
	courseText := question
	if bare {
		courseText = earlier + " " + question
	}
	r.preferAskedCourse(courseText, ps, sents, rk)
	rk.order = make([]int, len(sents))
	for i := range rk.order {
		rk.order[i] = i
	}
	slices.SortStableFunc(rk.order, func(a, b int) int {
		switch {
		case sents[a].score > sents[b].score:
			return -1
		case sents[a].score < sents[b].score:
			return 1
		}
		return 0
	})
	return rk
}

// bareWords reports whether a question's words name nothing but what it
// asks for ("¿y cuándo arranca?").
func bareWords(qws []word) bool {
	return !slices.ContainsFunc(qws, func(w word) bool { return askedKind(w) == 0 })
}

// RankRow is one ranked sentence with the parts of its score, for tests
// that study the ranking (see Model.rankHook).
type RankRow struct {
	Text  string
	Score float64
	Parts map[string]float64
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// pick chooses the sentences to quote and reports whether they answer the
// question: greedily, each next sentence the one that adds most of the
// question's words not yet covered, so that "how much is it and do I need
// Python?" gets the price and the requirement.
func (rk *ranking) pick() ([]int, float64, bool) {
	sents := rk.sents
	best := rk.order[0]
	// A sentence in the user's language that answers as well, nearly as
	// high, is the better quote.
	if l := sents[best].lang; l != "" && l != rk.lang {
		for _, i := range rk.order[1:] {
			s := sents[i]
			if s.score < sents[best].score-0.06 {
				break
			}
			if s.lang == rk.lang && s.cover >= sents[best].cover {
				best = i
				break
			}
		}
	}
	covered := make([]float64, len(rk.qws))
	var total float64
	for _, w := range rk.weights {
		total += w
	}
	add := func(i int) {
		for qi := range rk.qws {
			if m := rk.match(i, qi); m > covered[qi] {
				covered[qi] = m
			}
		}
	}
	picked := []int{best}
	add(best)
	passages := map[int]bool{sents[best].passage: true}
	for len(picked) < maxSentences {
		next, nextValue := -1, 0.0
		for _, i := range rk.order {
			s := sents[i]
			if slices.Contains(picked, i) || s.score < 0.4*sents[best].score {
				continue
			}
			if !passages[s.passage] && len(passages) == maxPassages {
				continue
			}
			// A reply in the user's language reads in it alone: a
			// sentence of a passage in another is not added to it.
			if sents[best].lang == rk.lang && s.lang != "" && s.lang != rk.lang {
				continue
			}
			if slices.ContainsFunc(picked, func(j int) bool { return sents[j].text == s.text }) {
				continue
			}
			// What it adds, and, among sentences that add as much, the one
			// about the same thing ("Building LLM Apps — 399 USD", not any
			// price).
			g := rk.gain(i, covered)
			v := g + 0.1*s.cover + 0.15*rk.cos[i]
			if passages[s.passage] {
				v += 0.1 // the same document, most likely the same thing
			}
			if g >= minGain && v > nextValue {
				next, nextValue = i, v
			}
		}
		if next < 0 {
			break
		}
		add(next)
		picked = append(picked, next)
		passages[sents[next].passage] = true
	}
	// A table row under a heading that asked the question comes with the
	// rows around it: the table is the answer (the courses taught in
	// English, the prices of the plans).
	if b := sents[best]; b.sectionHit && !(b.tableRow && b.cover >= 0.9) {
		for i := range sents {
			s := sents[i]
			if len(picked) >= maxRows {
				break
			}
			if s.passage == b.passage && s.tableRow && s.sectionText == b.sectionText && !slices.Contains(picked, i) {
				picked = append(picked, i)
			}
		}
	}
	// A sentence that announces a list ("To receive the certificate you
	// must:") says nothing without it: the items come along.
	for _, i := range slices.Clone(picked) {
		if !sents[i].intro {
			continue
		}
		for j := range sents {
			s := sents[j]
			if s.passage != sents[i].passage || s.pos <= sents[i].pos || !s.item || slices.Contains(picked, j) {
				continue
			}
			if len(picked) >= maxRows+1 {
				break
			}
			if !listFollows(sents, i, j) {
				break
			}
			picked = append(picked, j)
		}
	}
	// An example quoted comes with the rule it illustrates, just before it.
	for _, i := range slices.Clone(picked) {
		if !sents[i].example || len(picked) > maxSentences {
			continue
		}
		for j := range sents {
			if sents[j].passage == sents[i].passage && sents[j].pos == sents[i].pos-1 && !sents[j].example && !slices.Contains(picked, j) {
				picked = append(picked, j)
			}
		}
	}
	// A section often states its rule first and details it after: when
	// the best sentence is a detail, the rule comes with it.
	if b := sents[best]; b.sectionPos > 0 && len(picked) < maxSentences {
		for i, s := range sents {
			if s.passage == b.passage && s.sectionText == b.sectionText && s.sectionPos == 0 &&
				!slices.Contains(picked, i) && s.score >= 0.6*b.score && !s.pointer {
				picked = append(picked, i)
				break
			}
		}
	}
	// The sentence after the best one often finishes its thought
	// ("…durante 14 días. Después, …"): keep it if it is about the question.
	// Under the same heading it is the same answer going on ("Se pueden
	// recuperar como máximo 2 clases por mes…" after "puedes recuperarla
	// en otro grupo"): its conditions and limits are what is asked next.
	if len(picked) < maxSentences {
		for i, s := range sents {
			need := 0.75
			if s.sectionText != "" && s.sectionText == sents[best].sectionText && !s.pointer {
				need = 0.55
			}
			if s.passage == sents[best].passage && s.pos == sents[best].pos+1 && !slices.Contains(picked, i) && s.score >= need*sents[best].score {
				picked = append(picked, i)
				break
			}
		}
	}
	var cov, ftotal float64
	for qi, c := range covered {
		if rk.focus[qi] {
			cov += rk.weights[qi] * c
			ftotal += rk.weights[qi]
		}
	}
	cov /= ftotal
	rk.covered = covered
	ok := sents[best].score >= minSentenceScore && cov >= minCoverage && rk.unknown() == ""
	return picked, cov, ok
}

// listFollows reports whether the sentences between the intro i and the
// item j, in one passage, are all within the list: items and the sentences
// that continue them, no other paragraph.
func listFollows(sents []sentence, i, j int) bool {
	for _, s := range sents {
		if s.passage == sents[i].passage && s.pos > sents[i].pos && s.pos < sents[j].pos && !s.listed {
			return false
		}
	}
	return true
}

// questionWords2 returns the question's words an answer must contain, and
// which of them are in the question's own clauses: those ending in "?" or
// opening with a question word. A message with no such clause is all focus.
func questionWords2(an *analyzer, text string) ([]word, []bool) {
	clauses := reFocusClauses.Split(text, -1)
	marks := reFocusClauses.FindAllString(text, -1)
	words := make([][]word, len(clauses))
	focused := make([]bool, len(clauses))
	// alts are the words of the other answer a question offers ("…or am
	// I out of luck?", "…o la pierdo?"): answering the question answers
	// it, and its words ("luck") are not what a passage must say.
	alts := make([][]word, len(clauses))
	anyFocus := false
	for i, c := range clauses {
		if k := otherAnswer(c); k > 0 {
			alts[i] = answerWords(an.analyze(c[k:]))
			c = c[:k]
		}
		cw := answerWords(an.analyze(c))
		if len(cw) == 0 {
			continue
		}
		words[i] = cw
		toks := tokenize(c)
		// "y cuándo arranca": a conjunction may open the question.
		if len(toks) > 1 && (toks[0].fold == "y" || toks[0].fold == "e" || toks[0].fold == "and" || toks[0].fold == "o" || toks[0].fold == "or") {
			toks = toks[1:]
		}
		// "also how long is the link good for": a question word near
		// the start opens a question, as isQuestion reads it.
		opens := len(toks) > 0 && (auxQuestion[toks[0].fold] || questionWords[toks[0].fold])
		if len(toks) > 1 && (leadIns[toks[0].fold] || prepositions[toks[0].fold]) {
			// "de cuántos alumnos son los grupos", "a qué hora": a
			// preposition before the question word is the question's.
			opens = opens || questionWords[toks[1].fold]
		}
		focused[i] = (i < len(marks) && strings.Contains(marks[i], "?")) || strings.Contains(c, "¿") || opens
		anyFocus = anyFocus || focused[i]
		// "no me acuerdo la contraseña del campus, como la cambio?": a
		// question whose object is a pronoun asks about the clause
		// before it, in the same sentence.
		if focused[i] && len(cw) <= 1 && i > 0 && !focused[i-1] && !strings.ContainsAny(marks[i-1], ".?!\n") &&
			slices.ContainsFunc(toks, func(t token) bool { return backPronouns[t.fold] }) {
			focused[i-1] = true
		}
	}
	var ws []word
	var focus []bool
	for i, cw := range words {
		for _, w := range cw {
			ws = append(ws, w)
			focus = append(focus, focused[i] || !anyFocus)
		}
		for _, w := range alts[i] {
			if !slices.ContainsFunc(ws, func(o word) bool { return o.fold == w.fold }) {
				ws = append(ws, w)
				focus = append(focus, !anyFocus)
			}
		}
	}
	return ws, focus
}

// otherAnswer returns where a yes/no question's other answer begins ("do
// I get a refund or is it too late", "¿la puedo recuperar o la
// pierdo?"): at "or" followed by a clause of its own (two words or more),
// after words that ask (not after a topic a follow-up borrowed); 0 when
// there is none. "English or
// Portuguese?" offers two things, not two answers.
func otherAnswer(clause string) int {
	toks := tokenize(clause)
	asks := false
	for i := 0; i+2 < len(toks); i++ {
		if orWords[toks[i].fold] && i >= 2 && asks {
			return toks[i].start
		}
		asks = asks || questionWords[toks[i].fold] || auxQuestion[toks[i].fold]
	}
	return 0
}

// orWords offer the other answer to a yes/no question.
var orWords = lexWords("or_words")

// backPronouns stand for something said before them in the message.
var backPronouns = lexWords("back_pronouns")

// reClauses ends a clause of a message.
var reClauses = regexp.MustCompile(`[.?!\n]+`)

// reFocusClauses also ends a clause at a comma, a semicolon, an emoji
// ("ya terminé 🙌 me generas el certificado?") or a colon before a space
// ("so english please: can I…?"; not a time's "19:00"), to tell the
// question ("¿posso pedir reembolso?") from the story before it ("comprei
// o curso faz uma semana,").
var reFocusClauses = regexp.MustCompile(`[.?!\n,;\p{So}]+|:\s+`)

// unknown returns the thing the question asks whether the business has
// ("¿hay estacionamiento?", "do you sell laptops?", "curso de fotografía")
// when no passage names it: the passages are then about something near the
// question but not about it, and quoting them would mislead. Only that
// thing counts, not every word: the rest of a question ("arrepiento",
// "finished") is often missing from an answer that still answers it. A
// word of a course the catalogue offers is never unknown: the passages
// may name the course by its title in another language.
func (rk *ranking) unknown() string {
	for _, obj := range rk.objects {
		found := strictMatch(obj, rk.offered)
		for i := 0; i < len(rk.sents) && !found; i++ {
			s := &rk.sents[i]
			if strictMatch(obj, s.words) || strictMatch(obj, s.asked) || strictMatch(obj, s.context) || strictMatch(obj, s.section) {
				found = true
				break
			}
		}
		if !found {
			return obj.fold
		}
	}
	return ""
}

// strictMatch is a match by the word, its concept or a typo, not by stem
// alone: "regalo" is not "regalamos".
func strictMatch(w word, ws []word) bool {
	for _, o := range ws {
		if w.fold == o.fold || (w.concept != "" && w.concept == o.concept) {
			return true
		}
		k := min(typoTolerance(w.fold), typoTolerance(o.fold))
		if k > 0 && editWithin(w.fold, o.fold, k) {
			return true
		}
	}
	return false
}

// objectTriggers are the folded words after which a question names the
// thing it asks about: "hay X", "do you sell X", "curso de X".
var objectTriggers = lexCues("object_triggers")

// objectSkip are words between a trigger and its object.
var objectSkip = lexWords("object_skip")

// questionObjects finds the things a question asks about: the first
// content word after a trigger, and the word after its "de" ("tarjetas de
// regalo").
func questionObjects(an *analyzer, text string) []word {
	toks := tokenize(text)
	ws := an.analyzeTokens(toks)
	byPos := map[int]word{}
	for _, w := range ws {
		byPos[w.pos] = w
	}
	var out []word
	for i := range toks {
		for _, tr := range objectTriggers {
			if !phraseAt(toks, i, tr) {
				continue
			}
			j := i + len(tr)
			for j < len(toks) && objectSkip[toks[j].fold] {
				j++
			}
			w, ok := byPos[j]
			if !ok || w.stop || chatter[w.fold] || questionWords[w.fold] || isDigits(w.fold) || utf8.RuneCountInString(w.fold) < 3 {
				continue
			}
			out = append(out, w)
			if j+2 < len(toks) && (toks[j+1].fold == "de" || toks[j+1].fold == "of") {
				if m, ok := byPos[j+2]; ok && !m.stop && !chatter[m.fold] && utf8.RuneCountInString(m.fold) >= 4 {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// gain is how much of the question sentence i would add to what is
// covered: of its own clauses, not of the story around them.
func (rk *ranking) gain(i int, covered []float64) float64 {
	var gain, total float64
	for qi := range rk.qws {
		if !rk.focus[qi] {
			continue
		}
		total += rk.weights[qi]
		if m := rk.match(i, qi); m > covered[qi] {
			gain += rk.weights[qi] * (m - covered[qi])
		}
	}
	return gain / total
}

// maxRows bounds the rows of a table quoted.
const maxRows = 6

// minGain is the least share of the question a further sentence must add
// to be quoted.
const minGain = 0.08

// followUp is a search query for what the passages leave unanswered: the
// question's focus words that no picked sentence covers, with the words
// that name what they are about ("precio building llm apps rag"), or all
// its focus words when nothing answered. "" when the answer is complete.
func (rk *ranking) followUp(ok bool) string {
	type wq struct {
		w      string
		weight float64
		miss   bool
	}
	var ws []wq
	missing := false
	for qi, qw := range rk.qws {
		if !rk.focus[qi] {
			continue
		}
		miss := !ok || rk.covered == nil || rk.covered[qi] < 0.6
		if isDigits(qw.fold) && ok {
			miss = false
		}
		missing = missing || miss
		ws = append(ws, wq{qw.fold, rk.weights[qi], miss})
	}
	if !missing {
		return ""
	}
	// Missing words first, then the heaviest; in the question's order
	// within each group.
	slices.SortStableFunc(ws, func(a, b wq) int {
		switch {
		case a.miss && !b.miss:
			return -1
		case b.miss && !a.miss:
			return 1
		case a.miss:
			return 0
		case a.weight > b.weight:
			return -1
		case a.weight < b.weight:
			return 1
		}
		return 0
	})
	var out []string
	add := func(w string) {
		if w != "" && !slices.Contains(out, w) && len(out) < 10 {
			out = append(out, w)
		}
	}
	covered := 0
	for _, w := range ws {
		if !w.miss {
			// Of what is answered, only the names of the thing asked about
			// ("rag", "growth"): "how much" and "course" would bring back
			// the passages already seen.
			qw := rk.wordNamed(w.w)
			if covered == 3 || askedKind(qw) != 0 || genericAnswerConcepts[qw.concept] {
				continue
			}
			covered++
		}
		add(w.w)
		if w.miss {
			// The knowledge base may be in the other language: the concept
			// ("price") and what states it ("USD") find it there too.
			for _, qw := range rk.qws {
				if qw.fold == w.w && qw.concept != "" {
					// Two other words for it, which the knowledge base may
					// use instead ("mails" → "email correo").
					n := 0
					for _, syn := range concepts.members[qw.concept] {
						if syn != qw.fold && n < 2 && !strings.Contains(syn, " ") {
							add(syn)
							n++
						}
					}
				}
				if qw.fold == w.w {
					for _, h := range kindHints[askedKind(qw)] {
						add(h)
					}
					if qw.of != nil {
						add(qw.of.fold)
						for _, syn := range concepts.members[qw.of.concept] {
							if syn != qw.of.fold && !strings.Contains(syn, " ") {
								add(syn)
								break
							}
						}
					}
				}
			}
		}
	}
	return strings.Join(out, " ")
}

// kindHints are words that state a kind of fact in the knowledge base's
// languages, added to a follow-up search for it.
var kindHints = map[answerKinds][]string{
	hasPrice:             {"USD"},
	hasDuration:          {"length", "semanas", "weeks"},
	hasDate | hasTime:    {"inicio", "starts"},
	hasDate:              {"inicio", "starts"},
	hasTime:              {"horario", "schedule"},
	hasNumber | hasCount: {},
}

// genericAnswerConcepts are concepts of words that do not name what a
// question is about.
var genericAnswerConcepts = map[string]bool{"course": true, "want": true, "need": true, "price": true, "start": true, "duration": true}

// wordNamed returns the question word with that folded form.
func (rk *ranking) wordNamed(f string) word {
	for _, w := range rk.qws {
		if w.fold == f {
			return w
		}
	}
	return word{}
}

// mergePassages appends more passages to ps, leaving out those it has.
func mergePassages(ps, more []passage) []passage {
	out := slices.Clone(ps)
	for _, p := range more {
		if !slices.ContainsFunc(out, func(q passage) bool { return q.Source == p.Source && q.Text == p.Text }) {
			out = append(out, p)
		}
	}
	return out
}

// answered is an extractive answer, or why there is none.
type answered struct {
	text string
	ok   bool
	// followUp is a query that could complete the answer or find one
	// (see ranking.followUp).
	followUp string
}

// answer builds an extractive answer to the question from the passages,
// or reports that they do not answer it.
func (r *run) answer(ps []passage, question string) (string, bool) {
	a := r.answerFull(ps, question)
	return a.text, a.ok
}

// answerStory is answer with the story the question came with (what the
// message said before or around it), which weighs as little as a story
// does; without one, answer.
func (r *run) answerStory(ps []passage, question, story string) (string, bool) {
	if strings.TrimSpace(story) == "" {
		return r.answer(ps, question)
	}
	rk, picked, ok := r.rankAndPick(ps, question, story, story)
	if rk == nil || !ok {
		return "", false
	}
	readingOrder(rk.sents, picked)
	a := r.render(ps, rk.sents, picked, rk.followUp(true))
	return a.text, a.ok
}

// answerFull is answer with the query that could complete it, from the
// memo when the same question met the same passages in the same language
// before (see answerMemo).
func (r *run) answerFull(ps []passage, question string) answered {
	if r.m.trace != nil {
		return r.answerFresh(ps, question) // traced as it is worked out
	}
	key := r.answerKey(ps, question)
	m := r.m.memo
	if a, ok := recall(m, &m.answers, key); ok {
		return a
	}
	r.degraded = false
	a := r.answerFresh(ps, question)
	if r.degraded || r.ctx.Err() != nil {
		// Ranked without the embedder's vectors: not what the same
		// question gets once it answers again.
		return a
	}
	remember(m, &m.answers, key, a, maxCachedAnswers)
	return a
}

// answerKey hashes everything answerFresh reads: the reply language, the
// question and every field of the passages.
func (r *run) answerKey(ps []passage, question string) uint64 {
	var h maphash.Hash
	h.SetSeed(r.m.memo.seed)
	h.WriteString(r.lang)
	h.WriteByte(0)
	h.WriteString(question)
	h.WriteByte(0)
	for _, p := range ps {
		for _, f := range []string{p.Ref, p.Source, p.Title, p.Heading, p.Link, p.Text, p.Language} {
			h.WriteString(f)
			h.WriteByte(0)
		}
		writeUint64(&h, math.Float64bits(p.Score))
	}
	return h.Sum64()
}

// answerFresh is answerFull worked out.
func (r *run) answerFresh(ps []passage, question string) answered {
	rk, picked, ok := r.rankAndPick(ps, question, "", "")
	if rk == nil {
		return answered{followUp: strings.Join(folds(question), " ")}
	}
	var whole answered
	if ok {
		readingOrder(rk.sents, picked)
		whole = r.render(ps, rk.sents, picked, rk.followUp(true))
	} else {
		whole = answered{followUp: rk.followUp(false)}
	}
	parts := questionParts(question)
	if len(parts) < 2 {
		return whole
	}
	// A message of several questions is answered one question at a time
	// when that answers them better than one ranking of every word: a
	// sentence matching many words of both questions ("Pulse … marketing
	// … cuesta") can crowd out the one that answers the first.
	a, rks, partPicked, pok := r.answerParts(ps, parts)
	if tr := r.m.trace; tr != nil && pok {
		tr(" parts %q %.3f whole %.3f (whole ok %v)\n", parts, answersParts(rks, partPicked), answersParts(rks, picked), whole.ok)
	}
	if !pok || whole.ok && answersParts(rks, partPicked) <= answersParts(rks, picked) {
		return whole
	}
	return a
}

// answersParts is how well the sentences answer each question of a
// message: the sum over the questions' rankings of the best score among
// them.
func answersParts(rks []*ranking, picked []int) float64 {
	var sum float64
	for _, rk := range rks {
		best := 0.0
		for _, i := range picked {
			best = max(best, rk.sents[i].score)
		}
		sum += best
	}
	return sum
}

// rankAndPick ranks the passages' sentences for the question and picks
// the answer's; rk is nil when there is nothing to rank.
func (r *run) rankAndPick(ps []passage, question, story, earlier string) (rk *ranking, picked []int, ok bool) {
	rk = r.rank(ps, question, story, earlier)
	if rk == nil {
		return nil, nil, false
	}
	picked, dbgCov, ok := rk.pick()
	if tr := r.m.trace; tr != nil {
		for k, i := range rk.order {
			if k > 12 {
				break
			}
			st := rk.sents[i]
			tr("  %.3f cos=%.2f cover=%.2f p%d %q sec=%v kinds=%b\n", st.score, rk.cos[i], st.cover, st.passage, clip(st.text, 110), st.sectionHit, st.kinds)
		}
		for qi, qw := range rk.qws {
			tr("   w %s/%s=%.2f f=%v c=%.2f", qw.fold, qw.concept, rk.weights[qi], rk.focus[qi], rk.covered[qi])
		}
		tr(" picked %v %v best=%.3f cov=%.3f unknown=%q\n", picked, ok, rk.sents[rk.order[0]].score, dbgCov, rk.unknown())
	}
	return rk, picked, ok
}

// readingOrder sorts picked sentences as the passages have them: by
// passage rank, then position.
func readingOrder(sents []sentence, picked []int) {
	slices.SortFunc(picked, func(a, b int) int {
		if sents[a].passage != sents[b].passage {
			return sents[a].passage - sents[b].passage
		}
		return sents[a].pos - sents[b].pos
	})
}

// answerParts answers a message of several questions ("¿tienen
// estacionamiento? ¿y de cuántos alumnos son los grupos?") one question
// at a time, each with the one before it as its story, and quotes the
// answers in the order asked: one ranking of every word at once lets a
// sentence that answers one question crowd out the other's. ok is false
// when no question is answered; a question left unanswered is searched
// for again.
func (r *run) answerParts(ps []passage, parts []string) (answered, []*ranking, []int, bool) {
	var sents []sentence
	var picked []int
	var missing []string
	var rks []*ranking
	for i, part := range parts {
		story := ""
		if i > 0 {
			story = parts[i-1]
		}
		rk, got, ok := r.rankAndPick(ps, part, story, strings.Join(parts[:i], " "))
		if rk == nil {
			return answered{}, nil, nil, false
		}
		rks = append(rks, rk)
		if !ok {
			missing = append(missing, rk.followUp(false))
			continue
		}
		sents = rk.sents // the same sentences, in the same order, for every part
		readingOrder(rk.sents, got)
		for _, j := range got {
			if !slices.Contains(picked, j) {
				picked = append(picked, j)
			}
		}
	}
	if len(picked) == 0 {
		return answered{}, nil, nil, false
	}
	return r.render(ps, sents, picked, strings.TrimSpace(strings.Join(missing, " "))), rks, picked, true
}

// render writes the picked sentences as the reply, each with its
// citation marker, and the sources after them.
func (r *run) render(ps []passage, sents []sentence, picked []int, followUp string) answered {
	var b strings.Builder
	quoted := ""
	// Spanish carried into Portuguese reads as the person's language; a
	// reply is marked as adapted when any of it was.
	carried := false
	var toPT *lexicon.Transfer
	if r.lang == langPT {
		toPT = r.m.toPT()
	}
	for k, i := range picked {
		s := sents[i]
		// A list after the sentence announcing it reads as one.
		if prev := k - 1; s.item && prev >= 0 && sents[picked[prev]].passage == s.passage &&
			(sents[picked[prev]].intro || sents[picked[prev]].listed) {
			b.WriteString("\n- ")
		} else if b.Len() > 0 {
			b.WriteByte(' ')
		}
		text := s.text
		if toPT != nil && s.lang == langES {
			text, carried = toPT.Apply(text), true
		}
		b.WriteString(text)
		b.WriteString(" [" + ps[s.passage].Ref + "]")
		quoted += " " + s.text
	}
	var out strings.Builder
	// Knowledge is quoted in its own language; say which when it is not
	// the user's (always for Portuguese, which the knowledge base lacks),
	// and offer a person who speaks theirs.
	// The passages' language says it best (course names in English inside
	// a Spanish sentence mislead a detector); the quote's, failing that.
	qlang := sents[picked[0]].lang
	if g := detectLang(quoted); qlang == "" && g.confidence >= confidentLang {
		qlang = g.lang
	}
	foreign := qlang != "" && qlang != r.lang
	// A Portuguese question meets Spanish and English documents, unless
	// the business wrote its own in Portuguese.
	if qlang == "" && r.lang == langPT {
		qlang, foreign = langES, true
	}
	switch {
	case carried:
		out.WriteString(fmt.Sprintf(phAdaptedFrom.in(r.lang), label(langES, r.lang)) + "\n\n")
	case foreign:
		out.WriteString(fmt.Sprintf(phFoundIn.in(r.lang), label(qlang, r.lang)) + "\n\n")
	}
	out.WriteString(b.String())
	if r.lang == langPT && (carried || foreign) {
		out.WriteString("\n\n" + phAskPerson.in(r.lang))
	}
	var srcs []string
	seen := map[int]bool{}
	for _, i := range picked {
		pi := sents[i].passage
		if seen[pi] {
			continue
		}
		seen[pi] = true
		srcs = append(srcs, fmt.Sprintf("[%s] %s", ps[pi].Ref, sourceTitle(ps[pi])))
	}
	out.WriteString("\n\n" + phSources.in(r.lang) + ": " + strings.Join(srcs, "; "))
	return answered{text: out.String(), ok: true, followUp: followUp}
}

// questionParts splits a message into its questions: at each question
// mark, and a last clause that asks without one ("¿tienen
// estacionamiento? y de cuántos alumnos son los grupos"). What comes
// before a question (a greeting, the story) stays with it; a part that
// asks nothing joins the one before.
func questionParts(text string) []string {
	var parts []string
	rest := text
	for {
		i := strings.IndexByte(rest, '?')
		if i < 0 {
			break
		}
		j := i
		for j < len(rest) && rest[j] == '?' {
			j++
		}
		parts = append(parts, strings.TrimSpace(rest[:j]))
		rest = rest[j:]
	}
	if tail := strings.TrimSpace(rest); tail != "" {
		if len(parts) > 0 && !asksWithoutMark(tail) {
			parts[len(parts)-1] += " " + tail
		} else {
			parts = append(parts, tail)
		}
	}
	// "when does it start and what time are the live sessions?": two
	// questions in one clause.
	var split []string
	for _, p := range parts {
		split = append(split, joinedQuestions(p)...)
	}
	parts = split
	// A part with nothing to answer ("¿sí?") is no question of its own.
	out := parts[:0]
	for _, p := range parts {
		if len(answerWords((*analyzer)(nil).analyze(p))) == 0 && len(out) > 0 {
			out[len(out)-1] += " " + p
			continue
		}
		out = append(out, p)
	}
	return out
}

// joinedQuestions splits a question at a word that joins a second
// question to it ("cuánto dura y cuántas horas por semana"): "and" right
// before a question word, when what comes before asks too. "que" does not
// count: after "y" it joins a clause as often ("y que me devuelvan").
func joinedQuestions(part string) []string {
	toks := tokenize(part)
	for i := 1; i+1 < len(toks); i++ {
		next := toks[i+1].fold
		if !andWords[toks[i].fold] || !questionWords[next] || next == "que" || next == "q" {
			continue
		}
		// What comes before must open with its own question word, not be
		// the topic a follow-up borrowed ("curso ia marketing ¿y cuándo…").
		asks := false
		for j := range i {
			asks = asks || questionWords[toks[j].fold] && opensClause(part, toks, j)
		}
		if !asks {
			continue
		}
		return append([]string{strings.TrimSpace(part[:toks[i].start])}, joinedQuestions(part[toks[i].start:])...)
	}
	return []string{part}
}

// opensClause reports whether toks[i] is the first word of the text or of
// a clause a mark ends before it.
func opensClause(text string, toks []token, i int) bool {
	return i == 0 || strings.ContainsAny(text[toks[i-1].end:toks[i].start], ",.;:!?¿¡")
}

// andWords join a second question to a first.
var andWords = lexWords("and_words")

// asksWithoutMark reports whether a clause asks though it has no
// question mark: a question word among its first three words ("y de
// cuántos alumnos son los grupos", "and is there a cap").
func asksWithoutMark(clause string) bool {
	toks := tokenize(clause)
	for i := 0; i < len(toks) && i < 3; i++ {
		if questionWords[toks[i].fold] || auxQuestion[toks[i].fold] {
			return true
		}
	}
	return false
}

// answerWords are the question's words that must be found in an answer.
// Question words ("cuánto", "how") and requests ("quiero saber") are not;
// the person's name is not either.
func answerWords(ws []word) []word {
	out := ws[:0:0]
	for i, w := range ws {
		// "¿cuántos?" asks for a number and "¿cuándo?" for a date, as
		// "¿cuánto cuesta?" does for a price.
		switch w.fold {
		case "cuantos", "cuantas", "quantos", "quantas":
			// What is counted is the word after ("cuántos mails"): the
			// number must come with it.
			c := word{fold: w.fold, es: w.es, en: w.en, concept: "count", pos: w.pos}
			for _, n := range ws[i+1:] {
				if !n.stop {
					c.of = &n
					break
				}
			}
			out = append(out, c)
			continue
		case "cuando", "when", "quando":
			out = append(out, word{fold: w.fold, es: w.es, en: w.en, concept: "when", pos: w.pos})
			continue
		case "many":
			// "how many contacts": English counts in two words.
			if i > 0 && ws[i-1].fold == "how" {
				c := word{fold: w.fold, es: w.es, en: w.en, concept: "count", pos: w.pos}
				for _, n := range ws[i+1:] {
					if !n.stop {
						c.of = &n
						break
					}
				}
				out = append(out, c)
				continue
			}
		}
		// "…, sabe?", "you know?": a tag that asks nothing of its own.
		if w.stop || questionWords[w.fold] || auxQuestion[w.fold] || greetMarkers[w.fold] || thanksMarkers[w.fold] || knowVerbs[w.fold] {
			continue
		}
		switch w.fold {
		case "saber", "know", "tell", "decir", "dime", "decime", "informacion", "information", "info", "pregunta", "question", "duda", "consulta", "sobre", "about":
			continue
		}
		// Asking for advice ("what would you suggest?") asks it about
		// what the message says around it; no answer says "suggest".
		if w.concept == "want" || w.concept == "recommend" || chatter[w.fold] {
			continue
		}
		if i > 0 && isDigits(ws[i-1].fold) && askedKind(w) != 0 {
			// "la formación de 200 horas" says how long it is, it does
			// not ask for an hour: the word is itself, not a question.
			w.concept = ""
		}
		if askedKind(w) == hasPrice && w.of == nil {
			// "how much is the Growth plan?": the price asked is the
			// Growth plan's, not any price (see sentence.match1).
			w.of = priceOf(ws[i+1:])
		}
		out = append(out, w)
	}
	return out
}

// priceOf is the thing a price is asked of, among the words after the
// word that asks it: the first that names something of its own, not a
// kind of thing ("course", "plan") nor another asked fact; nil when none
// comes within a few words.
func priceOf(after []word) *word {
	for k, n := range after {
		if k >= 4 {
			break
		}
		if questionWords[n.fold] {
			// "how much & when's the next start": another question.
			return nil
		}
		if n.stop || askedKind(n) != 0 || isDigits(n.fold) || genericAnswerConcepts[n.concept] ||
			n.concept == "subscription" || chatter[n.fold] {
			continue
		}
		return &n
	}
	return nil
}

// leadIns open a clause before its question word ("also how long…").
var leadIns = lexWords("lead_ins")

// prepositions may come before a question word ("de cuántos", "in which").
var prepositions = lexWords("prepositions")

// chatter are words of conversation, not of the topic ("la verdad",
// "todavía", "like", "ainda"): a question is not left unanswered for want
// of them in the passages.
var chatter = lexWords("chatter")

func bestMatch(w word, ws []word) float64 {
	best := 0.0
	for _, o := range ws {
		best = max(best, w.matches(o))
		if best == 1 {
			break
		}
	}
	return best
}

func sourceTitle(p passage) string {
	switch {
	case p.Title != "" && p.Heading != "" && p.Heading != p.Title:
		return p.Title + " — " + p.Heading
	case p.Title != "":
		return p.Title
	case p.Heading != "":
		return p.Heading
	}
	return p.Source
}

// reInjection finds text that addresses the assistant rather than the
// reader: instructions planted in a document. From such a sentence on,
// nothing of the passage is quoted (and nothing in a passage is ever acted
// on: passages do not route).
var reInjection = regexp.MustCompile(`(?i)` +
	`\b(?:ignore|ignora|ignorar|ignoren|disregard|forget|olvida|olvidate|esquece|esqueça)\b.{0,60}\b(?:instructions?|instrucciones|instru[cç][oõ]es|prompt|rules|reglas|regras|previous|anteriores)\b` +
	`|\b(?:system prompt|system message|mensaje de sistema|mensaje del sistema|prompt del sistema|you are now|ahora eres|a partir de ahora eres|from now on you|agora voc[eê] [eé])\b` +
	`|\b(?:para el asistente|for the assistant|to the assistant|para o assistente|note to the (?:ai|assistant|model)|nota para la ia)\b` +
	`|\b(?:call|use|run|invoke|execute|llama|usa|ejecuta|invoca|chame|use)\s+(?:the\s+|la\s+|a\s+la\s+)?(?:tool\s+|function\s+|herramienta\s+|funci[oó]n\s+)?[a-z]+_[a-z_]+\b`)

var reMarkdown = strings.NewReplacer("**", "", "__", "", "`", "")

// splitPassage cuts a passage into sentences, dropping Markdown marks.
// What only frames an answer is not quoted but lends its words to the
// sentences under it: headings, a FAQ's question (its answer follows), and
// a table's header row (for each row below it).
func splitPassage(an *analyzer, p passage, idx int) []sentence {
	// "Catálogo de cursos 2027 > Cursos en inglés": the last heading is the
	// section the passage is in; the rest, like the title, only situates it.
	plang := passageLang(p)
	path := strings.Split(p.Heading, ">")
	base := an.analyze(p.Title + " " + strings.Join(path[:len(path)-1], " "))
	sectionText := strings.TrimSpace(path[len(path)-1])
	if len(path) == 1 && strings.EqualFold(sectionText, strings.TrimSpace(p.Title)) {
		// The document's own title is no section of it.
		sectionText = ""
	}
	heading := an.analyze(sectionText)
	sectionPos := 0
	var asked, tableHead []word
	askedText, after := "", 0
	inTable := false
	// The cells of the table row just read, and of the header row once the
	// separator under it says it is one.
	var rowCells, headCells []string
	var out []sentence
	pos := 0
	for _, line := range fulltext.Lines(p.Text) {
		if strings.HasPrefix(line, "|") && strings.Trim(line, "|-: ") == "" {
			// The separator under a table's header row: that row frames
			// the table.
			if n := len(out); n > 0 && inTable && out[n-1].tableRow {
				tableHead = out[n-1].words
				headCells = rowCells
				out = out[:n-1]
			}
			continue
		}
		if line == "" || strings.HasPrefix(line, "---") || strings.HasPrefix(line, "```") {
			continue
		}
		if strings.HasPrefix(line, "#") {
			sectionText = strings.TrimLeft(line, "# ")
			heading, asked, askedText, sectionPos = an.analyze(sectionText), nil, "", 0
			continue
		}
		row := strings.HasPrefix(line, "|")
		if !row {
			inTable, tableHead, headCells = false, nil, nil
		}
		bare := strings.TrimLeft(line, "-*•> ")
		item := !row && (len(bare) < len(line) && !strings.HasPrefix(line, ">") || trimListNumber(bare) != bare)
		line = trimListNumber(bare)
		first := true
		line = strings.TrimSpace(reMarkdown.Replace(line))
		if row {
			inTable = true
			rowCells = tableCells(line)
			line = tableRowText(rowCells, headCells)
		}
		for _, s := range splitSentences(line) {
			if reInjection.MatchString(s) {
				return out
			}
			if utf8.RuneCountInString(s) < 12 {
				continue
			}
			ws := withJoined(an, s, routeWords(an.analyze(s)))
			if strings.HasSuffix(s, "?") {
				asked, askedText, after = ws, s, 0
				continue
			}
			out = append(out, sentence{text: s, passage: idx, pos: pos, words: ws, context: base, section: slices.Concat(heading, tableHead),
				sectionText: sectionText, sectionPos: sectionPos,
				asked: asked, askedText: askedText, after: after, tableRow: row, head: tableHead, kinds: kindsOf(s), lang: plang,
				pointer: rePointer.MatchString(s), example: reExample.MatchString(s),
				item: item && first, listed: item, intro: strings.HasSuffix(s, ":")})
			first = false
			pos++
			after++
			sectionPos++
		}
	}
	return out
}

// reHyphenated finds words joined by a hyphen ("make-up", "e-mail").
var reHyphenated = regexp.MustCompile(`\pL+(?:-\pL+)+`)

// withJoined adds to ws, the words of sentence s, its hyphenated words
// written as one ("makeup" of "make-up"), as people often write them.
func withJoined(an *analyzer, s string, ws []word) []word {
	for _, h := range reHyphenated.FindAllString(s, -1) {
		ws = append(ws, routeWords(an.analyze(strings.ReplaceAll(h, "-", "")))...)
	}
	return ws
}

// comparesAsked reports a table header that names two or more of the
// things the question asks about.
func comparesAsked(qws []word, focus []bool, head []word) bool {
	n := 0
	for qi, qw := range qws {
		if focus[qi] && !qw.stop && strictMatch(qw, head) {
			n++
		}
	}
	return n >= 2
}

// tableCells are a Markdown table row's cells, their spaces collapsed.
func tableCells(line string) []string {
	// Only the outer pipes go: "| | Starter |" opens with an empty cell.
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		cells[i] = strings.Join(strings.Fields(c), " ")
	}
	return cells
}

// tableRowText is what a table row says, read with its header: "Contacts
// — Starter: 2,000; Growth: 10,000; Scale: 50,000", not "Contacts — 2,000
// — 10,000 — 50,000", which quoted alone says nothing of which plan has
// which. A row without a header of as many cells is its cells in order.
func tableRowText(cells, head []string) string {
	if len(head) != len(cells) || len(cells) < 2 {
		return strings.Join(slices.DeleteFunc(slices.Clone(cells), isEmptyCell), " — ")
	}
	var parts []string
	for i := 1; i < len(cells); i++ {
		if isEmptyCell(cells[i]) {
			continue
		}
		if head[i] == "" {
			parts = append(parts, cells[i])
			continue
		}
		parts = append(parts, head[i]+": "+cells[i])
	}
	if len(parts) == 0 {
		return cells[0]
	}
	return cells[0] + " — " + strings.Join(parts, "; ")
}

// isEmptyCell is a cell that holds nothing: blank, or a dash standing for
// "not included".
func isEmptyCell(c string) bool {
	return c == "" || c == "—" || c == "-" || c == "–"
}

// reExample finds sentences that illustrate a rule rather than state it.
var reExample = regexp.MustCompile(`(?i)^(?:for example|for instance|e\.g\.|example|ejemplo|por ejemplo|p\. ej\.|exemplo|por exemplo)\b`)

// rePointer finds sentences that only send the reader to another page.
var rePointer = regexp.MustCompile(`(?i)^(?:consulta|consultá|ver|véase|mira|lee|see|check|read|refer to|more (?:in|at|on)|details? (?:in|at)|detalle en|más (?:información|info|detalles) en|veja|confira|consulte)\b|\b(?:consulta|see|ver|veja|consulte) (?:la|el|los|las|our|the|nuestra|nuestro|a|o) [^.]{0,60}$|^(?:si|if|se) [^,.]{0,80}, (?:consulta|see|check|lee|read|ver|veja|consulte)\b`)

// passageLang is the language of a passage: as its search result says, or
// as its source's folder says ("es/faq.csv"), or as detected.
func passageLang(p passage) string {
	switch p.Language {
	case langES, langEN, langPT:
		return p.Language
	}
	for _, seg := range strings.Split(p.Source, "/") {
		switch seg {
		case langES, langEN, langPT:
			return seg
		}
	}
	if g := detectLang(p.Title + "\n" + p.Text); g.confidence >= confidentLang {
		return g.lang
	}
	return ""
}

// trimListNumber removes "1. " or "2) " at the start of a line.
func trimListNumber(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s)-1 && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' {
		return s[i+2:]
	}
	return s
}

// splitSentences splits a line after ". ", "! " or "? " when a capital (or
// an opening ¿ ¡ or quote) follows, so "p. ej. el 3" and "3.5" stay whole.
func splitSentences(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == '.' || line[j] == '!' || line[j] == '?' || line[j] == '"' || line[j] == ')') {
			j++
		}
		if j >= len(line) || line[j] != ' ' {
			continue
		}
		k := j
		for k < len(line) && line[k] == ' ' {
			k++
		}
		if k >= len(line) {
			continue
		}
		next, _ := utf8.DecodeRuneInString(line[k:])
		if !unicode.IsUpper(next) && next != '¿' && next != '¡' && next != '"' && next != '«' {
			continue
		}
		// "Sr. López", "EE. UU.": a short word before the point is an
		// abbreviation.
		if w := lastWord(line[start:i]); utf8.RuneCountInString(w) <= 2 && w != "" && !isDigits(w) {
			continue
		}
		out = append(out, strings.TrimSpace(line[start:j]))
		start = k
		i = k - 1
	}
	if rest := strings.TrimSpace(line[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

func lastWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, " ("); i >= 0 {
		return s[i+1:]
	}
	return s
}

// hasMessage reports whether a tool result has a message for the user.
func hasMessage(content string) bool {
	var obj map[string]any
	if json.Unmarshal([]byte(content), &obj) != nil {
		return false
	}
	_, ok := messageField(obj)
	return ok
}

// messageField returns the human-facing text a tool result carries, if any.
func messageField(obj map[string]any) (string, bool) {
	for _, k := range []string{"message", "summary", "reply", "text"} {
		if s, ok := obj[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s), true
		}
	}
	return "", false
}

// renderResult turns any tool's JSON result into a short reply: its
// message or summary when it has one; else "Done." and its salient fields,
// with lists shown one item a line. Field names are translated when the
// phrasebook knows them.
func renderResult(content, lang string) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return phDone.in(lang)
	}
	var b strings.Builder
	switch x := v.(type) {
	case map[string]any:
		if msg, ok := messageField(x); ok {
			return msg
		}
		b.WriteString(phDone.in(lang))
		keys := resultKeys(x)
		var lists []string
		for _, k := range keys {
			switch val := x[k].(type) {
			case []any:
				lists = append(lists, k)
			case map[string]any:
				if s := localized(val, lang); s != "" {
					fmt.Fprintf(&b, "\n- %s: %s", capitalize(label(k, lang)), s)
				}
			default:
				if s := scalar(val, lang); s != "" {
					fmt.Fprintf(&b, "\n- %s: %s", capitalize(label(k, lang)), s)
				}
			}
		}
		for _, k := range lists {
			items := x[k].([]any)
			if len(items) == 0 {
				fmt.Fprintf(&b, "\n\n%s: %s", capitalize(label(k, lang)), strings.TrimSuffix(phNothing.in(lang), "."))
				continue
			}
			fmt.Fprintf(&b, "\n\n%s:", capitalize(label(k, lang)))
			writeItems(&b, items, lang)
		}
	case []any:
		if len(x) == 0 {
			return phNothing.in(lang)
		}
		writeItems(&b, x, lang)
		return strings.TrimSpace(b.String())
	default:
		if s := scalar(x, lang); s != "" {
			return s
		}
		return phDone.in(lang)
	}
	return b.String()
}

// resultKeys orders a result's keys: identifying ones first, then the rest
// by name; internal-looking ones (ids, timestamps of no interest) last out.
func resultKeys(obj map[string]any) []string {
	first := []string{"status", "number", "title", "name", "course", "subject", "email", "start", "price"}
	var keys []string
	for _, k := range first {
		if _, ok := obj[k]; ok {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range obj {
		if slices.Contains(first, k) || k == "id" || strings.HasSuffix(k, "_id") || k == "ok" || k == "success" {
			continue
		}
		rest = append(rest, k)
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// maxItems bounds the items of a list shown.
const maxItems = 10

func writeItems(b *strings.Builder, items []any, lang string) {
	for i, it := range items {
		if i == maxItems {
			fmt.Fprintf(b, "\n- … (+%d)", len(items)-maxItems)
			break
		}
		switch x := it.(type) {
		case map[string]any:
			b.WriteString("\n- " + itemLine(x, lang))
		default:
			b.WriteString("\n- " + scalar(x, lang))
		}
	}
}

// itemLine shows one object of a list: its name, then a few details.
func itemLine(obj map[string]any, lang string) string {
	var head string
	used := map[string]bool{}
	for _, k := range []string{"title", "name", "subject", "label", "slug", "number", "id"} {
		v, ok := obj[k]
		if !ok {
			continue
		}
		if m, isMap := v.(map[string]any); isMap {
			head = localized(m, lang)
		} else {
			head = scalar(v, lang)
		}
		if head != "" {
			used[k] = true
			break
		}
	}
	var details []string
	for _, k := range resultKeys(obj) {
		if used[k] || len(details) == 4 || k == "description" || k == "source" || k == "slug" {
			continue
		}
		var s string
		switch v := obj[k].(type) {
		case map[string]any:
			s = localized(v, lang)
			if s == "" {
				s = money(v)
			}
		case []any:
			continue
		default:
			s = scalar(v, lang)
		}
		if s != "" {
			details = append(details, label(k, lang)+": "+s)
		}
	}
	if head == "" {
		return strings.Join(details, ", ")
	}
	if len(details) == 0 {
		return head
	}
	return head + " (" + strings.Join(details, ", ") + ")"
}

// localized picks the user's language from an object keyed by language
// ({"es": "…", "en": "…"}).
func localized(m map[string]any, lang string) string {
	for _, l := range []string{lang, langES, langEN} {
		if s, ok := m[l].(string); ok && s != "" {
			return s
		}
	}
	return money(m)
}

// money shows {"amount": 249, "currency": "USD"}.
func money(m map[string]any) string {
	a, ok := m["amount"]
	if !ok {
		return ""
	}
	cur, _ := m["currency"].(string)
	return strings.TrimSpace(scalar(a, "") + " " + cur)
}

func scalar(v any, lang string) string {
	switch x := v.(type) {
	case string:
		if t, ok := labels[x]; ok && lang != "" {
			return t.in(lang)
		}
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return phTrue.in(lang)
		}
		return phFalse.in(lang)
	}
	return ""
}

// preferAskedCourse keeps an answer about the course the question names:
// a sentence that names another course answers another question ("the
// free course starts on 11 January" is no answer to when the data course
// starts), and a sentence of a passage about the named course is the
// likeliest answer.
func (r *run) preferAskedCourse(question string, ps []passage, sents []sentence, rk *ranking) {
	asked, ok := r.matchCourse(question, false)
	if !ok {
		return
	}
	about := make([]string, len(ps))
	for i, p := range ps {
		// A course's own page says so in its title; its headings
		// ("Datos clave") may read as another course's words.
		var named bool
		if about[i], named = r.matchCourse(p.Title, false); !named {
			about[i], _ = r.matchCourse(sourceTitle(p), false)
		}
	}
	for i := range sents {
		s := &sents[i]
		c, named := r.matchCourse(s.text, false)
		if !named && about[s.passage] != "" {
			// A page about another course states that course's facts
			// without naming it ("Inicio: 11 de enero" under
			// "Fundamentos de IA generativa").
			c, named = about[s.passage], true
		}
		if named && c != asked {
			s.score -= 0.2
			// Nor does it state the fact asked for: the date it gives is
			// another course's, and the search goes on for the asked one's.
			for qi, qw := range rk.qws {
				if askedKind(qw) != 0 {
					rk.matches[i*len(rk.qws)+qi] = 0
				}
			}
		} else if about[s.passage] == asked {
			s.score += 0.05
		}
	}
}
