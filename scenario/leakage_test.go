package scenario

import (
	"bufio"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/demo"

	"github.com/faroai/faro/store/fulltext"
)

// leakRun is how many consecutive words a test-split message may share
// with what the engine was built or tuned from before it counts as leaked.
const leakRun = 5

// leakSources are where the engine's knowledge of wording lives, relative
// to the scenario package: the string literals of the engine's code (its
// word lists and phrasebook) and of its calibration tests, the tools'
// examples, the agent's word lists, the lexicon's data files, and the
// retrieval questions the answer thresholds were calibrated on. Other
// tests' messages are neither examples nor calibration and are left out.
var leakSources = []string{"../llm", "../tools", "../agent", "../lexicon", "../demo/eval/retrieval.jsonl"}

// leakSource reports whether the Go file at path holds wording the engine
// learns from: code, not tests, except the calibration tests.
func leakSource(path string) bool {
	base := filepath.Base(path)
	return !strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "calibration")
}

// TestSplitLeakage holds the test split out: no message of a test-split
// scenario shares leakRun or more consecutive words (folded: no case, no
// accents) with a tool example, a lexicon entry or a calibration question.
// Were one to, the test split would measure recall of the engine's own
// examples, not understanding.
func TestSplitLeakage(t *testing.T) {
	t.Parallel()
	scenarios, err := Load(shippedDir)
	require.NoError(t, err)
	var test []Scenario
	for _, s := range scenarios {
		if s.Split == SplitTest {
			test = append(test, s)
		}
	}
	require.NotEmpty(t, test, "the test split is empty")

	// A course's title is the business's data, not wording: naming a
	// course exactly is what people do, so titles count as one word.
	titles := courseTitles(t, scenarios)
	seen := map[string]string{} // shingle → where it comes from
	for _, src := range leakSources {
		for text, where := range sourceTexts(t, src) {
			for _, sh := range shingles(text, titles) {
				if _, ok := seen[sh]; !ok {
					seen[sh] = where
				}
			}
		}
	}
	require.NotEmpty(t, seen)
	for _, s := range test {
		for i, turn := range s.Turns {
			for _, sh := range shingles(turn.User, titles) {
				if where, ok := seen[sh]; ok {
					t.Errorf("%s turn %d shares %q with %s", s.File, i+1, sh, where)
					break
				}
			}
		}
	}
}

func TestShingles(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"quiero inscribirme en el curso", "inscribirme en el curso de"}, shingles("¡Quiero INSCRIBIRME en el curso de!", nil))
	require.Empty(t, shingles("solo cuatro palabras aqui", nil))
	titles := [][]string{{"fundamentos", "de", "ia", "generativa"}}
	require.Equal(t, []string{"me apuntas al curso de", "apuntas al curso de <course>", "al curso de <course> ya"},
		shingles("me apuntas al curso de Fundamentos de IA generativa ya", titles))
}

// shingles are the runs of leakRun consecutive folded words of text, each
// course title in it (a run of folded words) taken as one word.
func shingles(text string, titles [][]string) []string {
	words := fulltext.Words(text)
	for _, title := range titles {
		for i := 0; i+len(title) <= len(words); i++ {
			if slices.Equal(words[i:i+len(title)], title) {
				words = slices.Replace(words, i, i+len(title), "<course>")
			}
		}
	}
	var out []string
	for i := 0; i+leakRun <= len(words); i++ {
		out = append(out, strings.Join(words[i:i+leakRun], " "))
	}
	return out
}

// sourceTexts returns the texts in path (a file or a folder): the string
// literals of Go files, the "query" of JSON lines, and every line of other
// text files; each mapped to where it was found.
func sourceTexts(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return out
	}
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".go":
			if !leakSource(p) {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						out[s] = p
					}
				}
				return true
			})
		case ".jsonl":
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				var q struct {
					Query string `json:"query"`
				}
				if json.Unmarshal(sc.Bytes(), &q) == nil && q.Query != "" {
					out[q.Query] = p
				}
			}
		case ".yaml", ".yml", ".txt", ".json", ".toml":
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, line := range strings.Split(string(data), "\n") {
				out[line] = p
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// courseTitles are the folded words of every course title of the demo
// catalogue and of the scenarios' fixtures, longest first.
func courseTitles(t *testing.T, scenarios []Scenario) [][]string {
	t.Helper()
	var entries []struct {
		Title map[string]string `yaml:"title"`
	}
	require.NoError(t, yaml.Unmarshal(demo.Catalog, &entries))
	var out [][]string
	add := func(m map[string]string) {
		for _, title := range m {
			if w := fulltext.Words(title); len(w) > 1 {
				out = append(out, w)
			}
		}
	}
	for _, e := range entries {
		add(e.Title)
	}
	for _, s := range scenarios {
		for _, c := range s.Fixtures.Courses {
			add(c.Title)
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return len(b) - len(a) })
	return out
}
