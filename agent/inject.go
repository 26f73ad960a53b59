package agent

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"sync"

	"github.com/faroai/faro/tools"
)

// Passages are data, and the model is told so; but a model may still obey
// text that talks to it, and an extractive engine would repeat it to the
// user. So before passages reach the model, paragraphs that address the
// assistant itself — "ignore previous instructions", "IMPORTANT FOR THE
// ASSISTANT:", "you are now…", "reveal your system prompt", "call the tool
// report_kpis" — are left out, and logged so the operator can clean the
// document (OWASP LLM01, and a sign of LLM04). The patterns ask for the
// second person or for a tool's identifier, so that product documentation
// ("the system shows you the instructions", "use the import tool") passes.
// This is a help, not the protection: roles are enforced in code whatever
// the model does.
var injectionPatterns = []*regexp.Regexp{
	// ignore / forget previous instructions or rules
	regexp.MustCompile(`\b(ignore|ignora|ignorar|ignorem|ignoren|disregard|olvida|olvidate|esquece|esqueca|forget)\b[^.\n]{0,40}\b(instructions?|instrucciones|instruccion|instrucoes|rules|reglas|regras|prompt|indicaciones)\b`),
	// a line or sentence addressed to the assistant
	regexp.MustCompile(`\b(para el|para la|for the|to the|para o|para a)\s+(asistente|assistant|assistente|modelo|model|ia|ai|bot|llm|chatbot)\s*:`),
	regexp.MustCompile(`(^|\n)\s*(assistant|asistente|assistente|ai|system|sistema|ia)\s*:`),
	// a new identity
	regexp.MustCompile(`\b(ahora eres|a partir de ahora eres|you are now|from now on you are|agora voce e|a partir de agora voce e)\b`),
	// reveal your instructions / the system prompt
	regexp.MustCompile(`\b(revela|revelar|reveal|muestra|mostra|show|print|imprime|repite|repeat|output|dump|escribe|write|di|say|tell)\b[^.\n]{0,20}\b(tu|tus|your|seu|sua|seus|suas)\s+(system prompt|mensaje de sistema|mensagem de sistema|prompt|instrucciones|instructions|instrucoes|reglas|rules|regras)\b`),
	regexp.MustCompile(`\b(system prompt|mensaje de sistema|prompt de sistema|prompt del sistema|mensagem de sistema|prompt do sistema)\b[^.\n]{0,40}\b(revela|reveal|muestra|show|print|imprime|repite|repeat)\b|\b(revela|reveal|muestra|show|print|imprime|repite|repeat)\b[^.\n]{0,20}\b(el|the|o)\s+(system prompt|mensaje de sistema|prompt de sistema|mensagem de sistema)\b`),
	// call a tool named by its identifier
	regexp.MustCompile(`\b(llama|llamar|call|invoke|invoca|invocar|ejecuta|ejecutar|execute|run|usa|usar|use|chama|chamar|executa)\b[^.\n]{0,30}\b[a-z]+_[a-z_]+\b`),
}

// withoutInjections returns text without the paragraphs that address the
// assistant, and how many it left out.
func withoutInjections(text string) (string, int) {
	paras := strings.Split(text, "\n\n")
	kept := paras[:0:0]
	for _, p := range paras {
		if injected(p) {
			continue
		}
		kept = append(kept, p)
	}
	return strings.TrimSpace(strings.Join(kept, "\n\n")), len(paras) - len(kept)
}

// passageFilter remembers what withoutInjections made of a passage: the
// same chunks come back turn after turn, and the patterns cost as much as
// the rest of a turn's bookkeeping (15% of a turn in BenchmarkTurn).
type passageFilter struct {
	mu   sync.Mutex
	seen map[string]filteredPassage // by the passage's text
}

type filteredPassage struct {
	text    string
	dropped int
}

// passageFilterSize bounds the memory: at most this many passages of at
// most a chunk's size are remembered; then the memory starts over.
const passageFilterSize = 4096

// clean is withoutInjections, remembered.
func (f *passageFilter) clean(text string) (string, int) {
	f.mu.Lock()
	r, ok := f.seen[text]
	f.mu.Unlock()
	if ok {
		return r.text, r.dropped
	}
	kept, dropped := withoutInjections(text)
	f.mu.Lock()
	if f.seen == nil || len(f.seen) >= passageFilterSize {
		f.seen = make(map[string]filteredPassage)
	}
	f.seen[text] = filteredPassage{kept, dropped}
	f.mu.Unlock()
	return kept, dropped
}

func injected(p string) bool {
	f := fold(p)
	for _, re := range injectionPatterns {
		if re.MatchString(f) {
			return true
		}
	}
	return false
}

// cleanSearchResult leaves the injected paragraphs out of a
// search_knowledge result, and out of the content the model reads. It
// returns the passages' sources that held some.
func cleanSearchResult(f *passageFilter, o *tools.Outcome) []string {
	res, ok := o.Result.(tools.SearchKnowledgeResult)
	if !ok {
		return nil
	}
	var sources []string
	kept := res.Passages[:0:0]
	for _, p := range res.Passages {
		text, n := f.clean(p.Text)
		if n > 0 {
			sources = append(sources, p.Source)
		}
		if text == "" {
			continue
		}
		p.Text = text
		kept = append(kept, p)
	}
	if len(sources) == 0 {
		return nil
	}
	res.Passages = kept
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		// A struct of strings and numbers encodes; keep nothing rather
		// than the injected text if it ever does not.
		res.Passages = nil
		o.Response.Content = `{"passages":[]}`
		o.Result = res
		return sources
	}
	o.Result = res
	o.Response.Content = strings.TrimSuffix(b.String(), "\n")
	return sources
}
