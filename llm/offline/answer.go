package offline

import (
	"encoding/json"
	"fmt"
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
	minCoverage = 0.45
	// maxSentences quoted, from at most maxPassages passages.
	maxSentences = 3
	maxPassages  = 2
)

// sentence is one quotable sentence of a passage.
type sentence struct {
	text    string
	passage int // index in the passages
	pos     int // position in the passage
	words   []word
	context []word // the passage's title and the heading above it
	score   float64
	cover   float64
}

// answer builds an extractive answer to the question from the passages,
// or reports that they do not answer it.
func (r *run) answer(ps []passage, question string) (string, bool) {
	if len(ps) == 0 {
		return "", false
	}
	qws := answerWords(analyze(stripGreeting(question)))
	if len(qws) == 0 {
		return "", false
	}
	var sents []sentence
	for i, p := range ps {
		sents = append(sents, splitPassage(p, i)...)
	}
	if len(sents) == 0 {
		return "", false
	}
	// A question word found in few sentences tells them apart; one found
	// nowhere still counts (at the top weight): the passages lack it.
	df := make([]int, len(qws))
	for _, s := range sents {
		for qi, qw := range qws {
			if bestMatch(qw, s.words) >= 0.8 {
				df[qi]++
			}
		}
	}
	weights := make([]float64, len(qws))
	for qi := range qws {
		weights[qi] = math.Log(1+float64(len(sents))/float64(1+df[qi])) * wordWeight(qws[qi])
	}
	qvec, _ := r.m.emb.EmbedQuery(r.ctx, question)
	texts := make([]string, len(sents))
	for i, s := range sents {
		texts[i] = s.text
	}
	vecs, err := r.m.emb.EmbedDocuments(r.ctx, texts)
	if err != nil {
		vecs = make([][]float32, len(sents))
	}
	for i := range sents {
		s := &sents[i]
		var got, ctxGot, total float64
		for qi, qw := range qws {
			m := bestMatch(qw, s.words)
			got += weights[qi] * m
			ctxGot += weights[qi] * max(m, 0.6*bestMatch(qw, s.context))
			total += weights[qi]
		}
		rank := 1 / (1 + 0.3*float64(s.passage))
		cos := max(0, cosineSim(qvec, vecs[i]))
		s.cover = ctxGot / total
		s.score = 0.45*(got/total) + 0.15*s.cover + 0.3*cos + 0.1*rank
		if n := len(s.words); n < 3 {
			s.score -= 0.1
		} else if n > 60 {
			s.score -= 0.05
		}
	}
	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case sents[a].score > sents[b].score:
			return -1
		case sents[a].score < sents[b].score:
			return 1
		}
		return 0
	})
	best := sents[order[0]]
	if best.score < minSentenceScore || best.cover < minCoverage {
		return "", false
	}
	var picked []int
	passages := map[int]bool{}
	for _, i := range order {
		s := sents[i]
		if len(picked) == maxSentences || s.score < max(minSentenceScore, 0.8*best.score) {
			break
		}
		if !passages[s.passage] && len(passages) == maxPassages {
			continue
		}
		if slices.ContainsFunc(picked, func(j int) bool { return sents[j].text == s.text }) {
			continue
		}
		picked = append(picked, i)
		passages[s.passage] = true
	}
	// The sentence after the best one often finishes its thought
	// ("…durante 14 días. Después, …"): keep it if it is about the question.
	if len(picked) < maxSentences {
		for i := range sents {
			s := sents[i]
			if s.passage == best.passage && s.pos == best.pos+1 && !slices.Contains(picked, i) && s.score >= 0.6*best.score {
				picked = append(picked, i)
				break
			}
		}
	}
	// In reading order: by passage rank, then position.
	slices.SortFunc(picked, func(a, b int) int {
		if sents[a].passage != sents[b].passage {
			return sents[a].passage - sents[b].passage
		}
		return sents[a].pos - sents[b].pos
	})
	var b strings.Builder
	quoted := ""
	for _, i := range picked {
		s := sents[i]
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.text)
		b.WriteString(" [" + ps[s.passage].Ref + "]")
		quoted += " " + s.text
	}
	var out strings.Builder
	// Knowledge is quoted in its own language; say so when it is not the
	// user's (always for Portuguese, which the knowledge base lacks).
	if g := detectLang(quoted); r.lang == langPT || (g.lang != "" && g.lang != r.lang && g.confidence >= confidentLang) {
		out.WriteString(phFoundPT.in(r.lang) + "\n\n")
	}
	out.WriteString(b.String())
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
	return out.String(), true
}

// answerWords are the question's words that must be found in an answer.
// Question words ("cuánto", "how") and requests ("quiero saber") are not;
// the person's name is not either.
func answerWords(ws []word) []word {
	out := ws[:0:0]
	for _, w := range ws {
		if w.stop || questionWords[w.fold] || auxQuestion[w.fold] || greetMarkers[w.fold] || thanksMarkers[w.fold] {
			continue
		}
		switch w.fold {
		case "saber", "know", "tell", "decir", "dime", "decime", "informacion", "information", "info", "pregunta", "question", "duda", "consulta", "sobre", "about":
			continue
		}
		if w.concept == "want" || w.concept == "need" {
			continue
		}
		out = append(out, w)
	}
	return out
}

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
// reader: instructions planted in a document. Such a sentence is never
// quoted (and never acted on: passages do not route).
var reInjection = regexp.MustCompile(`(?i)\b(?:ignore|ignora|ignorar|ignoren|disregard|forget|olvida|olvidate|esquece|esqueça)\b.{0,60}\b(?:instructions?|instrucciones|instru[cç][oõ]es|prompt|rules|reglas|regras|previous|anteriores)\b|\b(?:system prompt|you are now|ahora eres|a partir de ahora eres|from now on you)\b|\b(?:call|use|run|invoke|execute|llama|usa|ejecuta|invoca|chame|use)\s+(?:the\s+|la\s+|a\s+la\s+)?(?:tool\s+|function\s+|herramienta\s+|funci[oó]n\s+)?[a-z]+_[a-z_]+\b`)

var reMarkdown = strings.NewReplacer("**", "", "__", "", "`", "")

// splitPassage cuts a passage into sentences, dropping Markdown marks and
// keeping headings as context for the sentences under them.
func splitPassage(p passage, idx int) []sentence {
	base := analyze(p.Title + " " + p.Heading)
	heading := []word(nil)
	var out []sentence
	pos := 0
	for line := range strings.Lines(p.Text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "---") || strings.HasPrefix(line, "```") {
			continue
		}
		if strings.HasPrefix(line, "#") {
			heading = analyze(strings.TrimLeft(line, "# "))
			continue
		}
		line = strings.TrimLeft(line, "-*•> ")
		line = trimListNumber(line)
		line = strings.TrimSpace(reMarkdown.Replace(line))
		if strings.HasPrefix(line, "|") {
			line = strings.TrimSpace(strings.ReplaceAll(strings.Trim(line, "|"), "|", " — "))
		}
		ctx := append(slices.Clone(base), heading...)
		for _, s := range splitSentences(line) {
			if reInjection.MatchString(s) || utf8.RuneCountInString(s) < 12 {
				continue
			}
			out = append(out, sentence{text: s, passage: idx, pos: pos, words: routeWords(analyze(s)), context: ctx})
			pos++
		}
	}
	return out
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
			return tr{"sí", "yes", "sim"}.in(lang)
		}
		return tr{"no", "no", "não"}.in(lang)
	}
	return ""
}
