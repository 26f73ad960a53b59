package knowledge

import (
	"sync"

	"github.com/faroai/faro/lexicon"
)

// detectLanguage guesses whether text is Spanish, English or Portuguese
// with the lexicon's detector, the server's one, or says "" when it cannot
// tell: too little evidence for the text's length (another language
// shares a few words with these: "de", "a"), or no margin over the
// runner-up.
func detectLanguage(text string) string {
	g := detector().Detect(text)
	if g.Lang == "" || g.Confidence < documentConfidence || g.Scores[g.Lang]*10 < float64(g.Words) {
		return ""
	}
	return g.Lang
}

// documentConfidence is the least confidence for a document's language.
const documentConfidence = 0.3

// detector is the lexicon's language detector, built once, read-only.
var detector = sync.OnceValue(func() *lexicon.Detector {
	lx, err := lexicon.Builtin()
	if err != nil {
		panic("knowledge: " + err.Error()) // the lexicon's tests parse the shipped files
	}
	return lx.Detector()
})
