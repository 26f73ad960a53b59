//go:build calib

// Calibration of extractive answers on the demo knowledge base, used to tune
// the answer thresholds; not part of the normal test run:
//
//	FARO_CALIB=1 go test -tags calib ./llm/offline -run TestCalib -v
//
// It ingests demo/knowledge into a temporary SQLite store, retrieves
// passages for answerable questions (the retrieval evaluation set and the
// shipped scenarios') and for questions the knowledge base cannot answer,
// and prints for each whether the engine answered, refused, and what it
// quoted. FARO_CALIB_Q=<text> dumps the ranking of the questions containing
// <text>.

package offline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store/sqlite"
	"github.com/tmc/langchaingo/llms"
)

type calibQ struct {
	q        string
	want     []string // any of
	sources  []string
	noAnswer bool
}

func TestCalib(t *testing.T) {
	if os.Getenv("FARO_CALIB") == "" {
		t.Skip("FARO_CALIB not set")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kb.db"))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := NewEmbedder(EmbedderOptions{})
	kb := knowledge.New(db, e, e.Name(), nil)
	if _, err := kb.Ingest(ctx, knowledge.Source{FS: demo.Knowledge, Paths: []string{"knowledge"}}, knowledge.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	qs := []calibQ{
		{q: "finished prompt engineering last week, where do i download my certificate from", want: []string{"my profile", "certificates tab", "download pdf"}},
		{q: "I paid for Growth annual like 3 months ago, if I cancel now do I get anything back??", want: []string{"pro-rated", "prorated", "pro rated", "unused", "full months"}},
		{q: "hey how much is the rag course and do i need to know python for it?", want: []string{"399"}},
		{q: "customer paid with OXXO and wants a refund, how do we send the money back?", want: []string{"CLABE", "bank transfer"}},
		{q: "we're 12 ppl from the same company, is there a team discount? and does it stack with the early bird one", want: []string{"25%"}},
		{q: "whats ur whatsapp number for mexico?", want: []string{"+52 55 4170 2290"}},
		{q: "quiero anotarme a automatizacion con agentes de ia de marzo, quedan lugares?", want: []string{"lista de espera", "completa", "completo"}},
		{q: "hola, que cursos tienen en ingles?", want: []string{"Prompt Engineering", "Building LLM Apps", "AI Strategy"}},
		{q: "q necesito para q me den el certificado? vi casi todas las grabaciones pero el proyecto final no lo entregue todavia", want: []string{"proyecto"}},
		{q: "no puedo entrar al campus, pedi cambiar la contraseña ayer y el link q me llego ya no sirve. q hago", want: []string{"60 minutos", "caduca", "otro enlace", "pide otro"}},
		{q: "el de analisis de datos se puede pagar en cuotas? estoy en mexico", want: []string{"3 cuotas", "3 o 6 meses", "meses sin intereses", "tres cuotas"}},
		{q: "a q hora atienden las personas? no el bot. estoy en cdmx", want: []string{"9:00", "19:00", "9 a 19"}},
		{q: "hola, cuanto cuesta el curso de analisis de datos con ia?", want: []string{"299"}},
		{q: "hi, how long is the AI strategy for managers course and when does it start?", want: []string{"3 weeks", "three weeks", "10 May"}},
		{q: "can we switch to english please? my spanish is not great. how much is the one for managers", want: []string{"229"}},
		{q: "hola! quisiera saber el precio del course Building LLM Apps with RAG y cuando empieza, gracias", want: []string{"399"}},
		{q: "hola buenas, cuanto sale el curso de ia para marketing?? y cuando arranca", want: []string{"249"}},
		{q: "ustedes venden mis datos o los usan para entrenar su IA??", want: []string{"no vendemos", "no usamos", "consentimiento"}},
		{q: "se puede probar pulse sin pagar? cuantos mails se pueden mandar en la prueba", want: []string{"500"}},
		{q: "pague el curso hace 10 dias y la verdad no me convencio, me devuelven la plata?", want: []string{"14"}},
		{q: "oi, quanto custa o curso de prompt engineering? e da certificado?", want: []string{"199"}},
		{q: "comprei o curso de marketing faz uma semana, ainda posso pedir reembolso?", want: []string{"14"}},
		{q: "is there parking at ur valencia office? coming by for a meeting tmrw", noAnswer: true},
		{q: "venden tarjetas de regalo? le quiero regalar un curso a mi hermana para su cumple", noAnswer: true},
		{q: "hola, ya me pusieron la nota del proyecto final de ia para marketing? la entregue el lunes", noAnswer: true},
		{q: "do you have a course about cooking with AI?", noAnswer: true},
		{q: "tienen curso de fotografia?", noAnswer: true},
		{q: "can I pay with bitcoin?", noAnswer: true},
		{q: "who is the CEO of the company?", noAnswer: true},
		{q: "hay estacionamiento en la oficina de madrid?", noAnswer: true},
		{q: "do you sell laptops?", noAnswer: true},
		{q: "tienen sucursal en japon?", noAnswer: true},
		{q: "cual es el clima en bogota hoy", noAnswer: true},
		{q: "is the course accredited by Harvard?", noAnswer: true},
		{q: "puedo llevar a mi perro a las clases presenciales?", noAnswer: true},
		{q: "do you offer a course on blockchain?", noAnswer: true},
		{q: "ofrecen becas completas para refugiados?", noAnswer: true},
		{q: "what's the wifi password at the office?", noAnswer: true},
	}
	f, _ := os.ReadFile("../../demo/eval/retrieval.jsonl")
	sc := bufio.NewScanner(bytes.NewReader(f))
	for sc.Scan() {
		var q struct {
			Query    string   `json:"query"`
			Relevant []string `json:"relevant"`
		}
		_ = json.Unmarshal(sc.Bytes(), &q)
		qs = append(qs, calibQ{q: q.Query, sources: q.Relevant})
	}
	m := NewModel(Options{})
	var tp, fn, tn, fp, right int
	for _, c := range qs {
		kq := knowledge.Query{Text: c.q, K: knowledge.DefaultK}
		res, err := kb.Search(ctx, kq)
		if err != nil {
			t.Fatal(err)
		}
		var ps []passage
		for i, r := range res {
			ps = append(ps, passage{Ref: strconv.Itoa(i + 1), Source: r.Citation.Source, Title: r.Citation.Title, Heading: r.Citation.Heading, Text: r.Chunk.Text})
		}
		r := m.newRun(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, c.q)}, llms.CallOptions{})
		rk := r.rank(ps, c.q, "", "")
		if rk == nil {
			fmt.Printf("NIL %q\n", c.q)
			continue
		}
		picked, cov, ok := rk.pick()
		fu := rk.followUp(ok)
		if fu != "" && os.Getenv("FARO_CALIB_NOFU") == "" {
			res2, err := kb.Search(ctx, knowledge.Query{Text: fu, K: knowledge.DefaultK})
			if err != nil {
				t.Fatal(err)
			}
			var more []passage
			for i, x := range res2 {
				more = append(more, passage{Ref: "s" + strconv.Itoa(i+1), Source: x.Citation.Source, Title: x.Citation.Title, Heading: x.Citation.Heading, Text: x.Chunk.Text})
			}
			ps = mergePassages(ps, more)
			rk = r.rank(ps, c.q, "", "")
			picked, cov, ok = rk.pick()
		}
		if fq := os.Getenv("FARO_CALIB_Q"); fq != "" && strings.Contains(c.q, fq) {
			for _, p := range ps {
				fmt.Printf("  PASSAGE %s %s | %s\n%s\n", p.Ref, p.Source, p.Heading, clip(p.Text, 600))
			}
			for k, i := range rk.order {
				if k > 12 {
					break
				}
				st := rk.sents[i]
				fmt.Printf("  %.3f cos=%.2f cover=%.2f p%d %q asked=%v\n", st.score, rk.cos[i], st.cover, st.passage, clip(st.text, 120), len(st.asked) > 0)
			}
			for qi, qw := range rk.qws {
				fmt.Printf("   w %s=%.2f f=%v c=%.2f", qw.fold, rk.weights[qi], rk.focus[qi], rk.covered[qi])
			}
			fmt.Println()
		}
		best := rk.sents[rk.order[0]]
		var txt []string
		var srcs []string
		for _, i := range picked {
			txt = append(txt, rk.sents[i].text)
			srcs = append(srcs, ps[rk.sents[i].passage].Source)
		}
		ans := strings.Join(txt, " | ")
		good := false
		for _, w := range c.want {
			if strings.Contains(strings.ToLower(ans), strings.ToLower(w)) {
				good = true
			}
		}
		for _, s := range c.sources {
			for _, s2 := range srcs {
				if s == s2 {
					good = true
				}
			}
		}
		tag := ""
		switch {
		case c.noAnswer && ok:
			fp++
			tag = "FP"
		case c.noAnswer:
			tn++
			tag = "tn"
		case ok:
			tp++
			tag = "tp"
			if good {
				right++
			} else {
				tag = "tpX"
			}
		default:
			fn++
			tag = "FN"
			if good {
				tag = "FN*"
			}
		}
		fmt.Printf("%-4s cov=%.2f best=%.2f cos=%.2f bcov=%.2f unk=%s fu=%q %q\n     -> %s\n", tag, cov, best.score, rk.cos[rk.order[0]], best.cover, rk.unknown(), fu, c.q, clip(ans, 600))
		if os.Getenv("FARO_CALIB") == "v" {
			for qi, qw := range rk.qws {
				fmt.Printf("       w %s=%.2f", qw.fold, rk.weights[qi])
			}
			fmt.Println()
		}
	}
	fmt.Printf("answered %d (right %d), missed %d, refused-correctly %d, answered-wrongly %d\n", tp, right, fn, tn, fp)
}
