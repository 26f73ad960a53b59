package offline

import (
	"fmt"
	"time"

	"github.com/faroai/faro/lexicon"
)

// shipped is the lexicon in the binary, parsed once. The word lists, cues
// and the phrasebook below are built from it at package initialisation
// and never written afterwards, as the concept index is: the language is
// data in lexicon/*.yaml, and adding a language is adding a file there.
var shipped = mustShipped()

func mustShipped() *lexicon.Lexicon {
	lx, err := lexicon.Builtin()
	if err != nil {
		// The shipped files are checked by the lexicon's tests; this is a
		// bug in that package.
		panic(fmt.Sprintf("offline: %v", err))
	}
	return lx
}

// lexWords is the union over languages of a word list of the lexicon. A
// name the files lack is a bug of this package, which any test finds.
func lexWords(name string) map[string]bool {
	set, err := shipped.WordSet(name)
	if err != nil {
		panic(fmt.Sprintf("offline: %v", err))
	}
	return set
}

// lexOwnWords is one language's word list of that name.
func lexOwnWords(code, name string) []string {
	words, err := shipped.Words(code, name)
	if err != nil {
		panic(fmt.Sprintf("offline: %v", err))
	}
	return words
}

// lexCues is every language's list of word sequences of that name.
func lexCues(name string) [][]string {
	seqs, err := shipped.Cues(name)
	if err != nil {
		panic(fmt.Sprintf("offline: %v", err))
	}
	return seqs
}

// lexMonths is every language's month words, folded word → month.
func lexMonths() map[string]time.Month {
	months, err := shipped.Months()
	if err != nil {
		panic(fmt.Sprintf("offline: %v", err))
	}
	out := make(map[string]time.Month, len(months))
	for w, m := range months {
		out[w] = time.Month(m)
	}
	return out
}

// lexNumbers is every language's numbers written out, folded word → value.
func lexNumbers() map[string]float64 {
	numbers, err := shipped.Numbers()
	if err != nil {
		panic(fmt.Sprintf("offline: %v", err))
	}
	return numbers
}
