package offline

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// The router's classifier: a multinomial logistic regression over a
// message's words, their stems and concepts, pairs of neighbouring words
// and the words' character trigrams (fastText's features, without the
// hashing: the vocabulary is the tools' own). It is trained on the offered
// tools' examples, descriptions and names, and on questions for the
// knowledge base, when a toolset is first used; adding a tool or a
// language is adding examples. Unlike word overlap, its evidence is not
// diluted by what a message says besides its request (a name, a company,
// the items of an invoice): words no tool was trained on weigh nothing.

// classKnowledge is the classifier's class for a question the knowledge
// base answers (the tools' classes are their names).
const classKnowledge = "\x00knowledge"

// classifier is a trained linear model; read-only once built.
type classifier struct {
	classes []string
	feats   map[string]int
	w       [][]float64 // [class][feature]
	b       []float64
}

// trainingText is one text a class is trained on, with how much it counts.
type trainingText struct {
	words    []word // every word, function words too
	question bool   // the text has a question mark
	request  bool   // the text asks the assistant to act (isRequest)
	weight   float64
}

// Training settings: enough passes for the small sets of examples tools
// have to separate, with an L2 penalty that keeps words shared by several
// classes near zero.
const (
	trainEpochs = 80
	trainRate   = 0.3
	trainL2     = 1e-3
)

// trainClassifier fits the classes to their texts. course tells a course's
// name, which stands for any course: it says which course, not what to do.
// The result depends only on its inputs (the order of the passes is drawn
// from a fixed seed).
func trainClassifier(classes []string, texts map[string][]trainingText, course func(word) bool) *classifier {
	c := &classifier{classes: classes, feats: map[string]int{}}
	type sample struct {
		class  int
		x      []featVal
		weight float64
	}
	var samples []sample
	for ci, name := range classes {
		for _, t := range texts[name] {
			var x []featVal
			routeFeatures(t.words, t.question, t.request, course, func(f string, v float64) {
				j, ok := c.feats[f]
				if !ok {
					j = len(c.feats)
					c.feats[f] = j
				}
				x = append(x, featVal{j, v})
			})
			if len(x) > 0 {
				samples = append(samples, sample{ci, x, t.weight})
			}
		}
	}
	// Every class weighs the same in all: the knowledge class has more
	// texts than any tool, and would otherwise win on its size alone.
	total := make([]float64, len(classes))
	for _, s := range samples {
		total[s.class] += s.weight
	}
	mean := 0.0
	for _, t := range total {
		mean += t / float64(len(total))
	}
	for i := range samples {
		samples[i].weight *= mean / total[samples[i].class]
	}
	c.w = make([][]float64, len(classes))
	for i := range c.w {
		c.w[i] = make([]float64, len(c.feats))
	}
	c.b = make([]float64, len(classes))
	rng := rand.New(rand.NewPCG(1, 2))
	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	p := make([]float64, len(classes))
	for epoch := range trainEpochs {
		rate := trainRate / (1 + 0.05*float64(epoch))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			s := samples[i]
			c.scores(s.x, p)
			softmax(p)
			for k := range classes {
				g := p[k]
				if k == s.class {
					g -= 1
				}
				g *= s.weight * rate
				c.b[k] -= g
				wk := c.w[k]
				for _, fv := range s.x {
					wk[fv.j] -= g*fv.v + rate*trainL2*wk[fv.j]
				}
			}
		}
	}
	return c
}

// featVal is a feature's index and value.
type featVal struct {
	j int
	v float64
}

// scores writes each class's linear score for x into out.
func (c *classifier) scores(x []featVal, out []float64) {
	for k := range c.classes {
		s := c.b[k]
		for _, fv := range x {
			s += c.w[k][fv.j] * fv.v
		}
		out[k] = s
	}
}

// predict returns each class's probability for a message's words, and how
// many of its features the classifier knows (0: it has no evidence).
func (c *classifier) predict(ws []word, question, request bool, course func(word) bool) (map[string]float64, int) {
	var x []featVal
	routeFeatures(ws, question, request, course, func(f string, v float64) {
		if j, ok := c.feats[f]; ok {
			x = append(x, featVal{j, v})
		}
	})
	p := make([]float64, len(c.classes))
	c.scores(x, p)
	softmax(p)
	out := make(map[string]float64, len(c.classes))
	for k, name := range c.classes {
		out[name] = p[k]
	}
	return out, len(x)
}

func softmax(p []float64) {
	m := slices.Max(p)
	sum := 0.0
	for i := range p {
		p[i] = math.Exp(p[i] - m)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
}

// trigramShare is how much a word's character trigrams count together,
// against 1 for the word itself: enough to carry a typo or an unseen form
// of a known word, little enough that words no class knows stay mute.
const trigramShare = 0.3

// routeFeatures emits the features of a text's words: each word's folded
// form, its Spanish and English stems and its concept; pairs of
// neighbouring words; the character trigrams of longer words, so that a
// typo or an unseen form of a known word still counts. A course's name
// is one feature for any course.
func routeFeatures(ws []word, question, request bool, course func(word) bool, emit func(string, float64)) {
	if question {
		emit("m|question", 1)
	}
	if request {
		emit("m|request", 1)
	}
	// Something that does not happen ("still no welcome email", "los
	// videos no cargan") is what a problem report says and a request for
	// a list or a question for a fact rarely does.
	if slices.ContainsFunc(ws, func(w word) bool { return negations[w.fold] || nothingWords[w.fold] }) {
		emit("m|negated", 1)
	}
	// Who the message is about: the speaker's own things ("which courses
	// am I in") or the business's ("which courses do you have").
	if slices.ContainsFunc(ws, func(w word) bool { return firstPerson[w.fold] }) {
		emit("m|self", 1)
	}
	if slices.ContainsFunc(ws, func(w word) bool { return secondPerson[w.fold] }) {
		emit("m|you", 1)
	}
	prev := ""
	named := false
	for _, w := range ws {
		if w.stop {
			// Function words say little alone but tell a question ("how",
			// "dónde", "quanto") from a request ("me", "please").
			emit("w|"+w.fold, 0.5)
			continue
		}
		if isDigits(w.fold) || greetMarkers[w.fold] {
			continue
		}
		if course != nil && course(w) {
			if !named {
				emit("k|course", 1)
				named = true
			}
			prev = ""
			continue
		}
		v := wordWeight(w)
		emit("w|"+w.fold, v)
		if w.es != "" && w.es != w.fold {
			emit("s|"+w.es, v)
		}
		if w.en != "" && w.en != w.fold && w.en != w.es {
			emit("e|"+w.en, v)
		}
		if w.concept != "" {
			emit("c|"+w.concept, v)
		}
		if prev != "" {
			emit("b|"+prev+" "+w.es, v)
		}
		prev = w.es
		if n := len(w.fold); n >= 5 {
			g := "^" + w.fold + "$"
			grams := len(g) - 2
			for i := 0; i+3 <= len(g); i++ {
				emit("g|"+g[i:i+3], trigramShare*v/float64(grams))
			}
		}
	}
}

// firstPerson and secondPerson are the words by which speakers speak of
// themselves and to the business.
var (
	firstPerson  = lexWords("first_person")
	secondPerson = lexWords("second_person")
)

// knowledgeClassTexts are what the knowledge class is trained on: the
// questions that stand for it and, when offered, search_knowledge's own
// texts.
func (m *Model) knowledgeClassTexts(search *toolDef) []trainingText {
	var out []trainingText
	for _, q := range m.questions {
		out = append(out, m.trainingText(q, 1))
	}
	if search != nil {
		out = append(out, m.toolClassTexts(search)...)
	}
	return out
}

// toolClassTexts are a tool's examples, the first sentence of its
// description and its name, as training texts.
func (m *Model) toolClassTexts(t *toolDef) []trainingText {
	var out []trainingText
	for _, e := range t.examples {
		out = append(out, m.trainingText(e.Text, weightExample))
	}
	if d := firstSentence(t.description); d != "" {
		out = append(out, m.trainingText(d, weightDescription))
	}
	return append(out, m.trainingText(strings.ReplaceAll(t.name, "_", " "), 0.5*weightName))
}

func (m *Model) trainingText(text string, weight float64) trainingText {
	return trainingText{words: m.an.analyze(text), question: strings.ContainsAny(text, "?¿"), request: isRequest(m.an, text), weight: weight}
}

// classifier returns the toolset's classifier, trained on first use.
func (r *run) classifier() *classifier {
	ts := r.toolset
	ts.clfOnce.Do(func() {
		classes := []string{classKnowledge}
		texts := map[string][]trainingText{classKnowledge: r.m.knowledgeClassTexts(r.tool(toolSearchKnowledge))}
		for _, t := range ts.tools {
			if t.name == toolSearchKnowledge {
				continue
			}
			classes = append(classes, t.name)
			texts[t.name] = r.m.toolClassTexts(t)
		}
		ts.clf = trainClassifier(classes, texts, r.courseWord)
	})
	return ts.clf
}

// classifierShare is how much the classifier's probabilities count in a
// tool's score beside the word-overlap similarity.
const classifierShare = 0.5

// classifierSure is the probability from which the classifier alone says
// what a message asks for.
const classifierSure = 0.9

// blendClassifier mixes the classifier's probabilities into the tools'
// scores and the knowledge score, and sorts the scores again.
func (r *run) blendClassifier(f msgFeatures, scores []toolScore, know float64) ([]toolScore, float64, map[string]float64) {
	probs, n := r.classifier().predict(f.all, strings.ContainsAny(f.text, "?¿"), isRequest(r.m.an, f.text), r.courseWord)
	if n == 0 {
		return scores, know, nil
	}
	for i := range scores {
		p, ok := probs[scores[i].tool.name]
		if !ok || scores[i].tool.name == toolRequestHuman {
			// A hand-off stops the assistant: it follows an explicit
			// request for a person (isHandoff, or the tool's own words),
			// never the classifier's guess.
			continue
		}
		// The classifier raises what word overlap finds too weak (a
		// request diluted by its values); it never sinks a clear match.
		// It makes a tool a candidate, not a clear match: what it raises is
		// still weighed against the knowledge answer, and a question for
		// information does not change data (see fresh).
		raised := min((1-classifierShare)*scores[i].score+classifierShare*p, toolClear-0.01)
		scores[i].score = max(scores[i].score, raised)
	}
	know = max(know, (1-classifierShare)*know+classifierShare*probs[classKnowledge])
	slices.SortStableFunc(scores, func(a, b toolScore) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.tool.name, b.tool.name)
	})
	return scores, know, probs
}
