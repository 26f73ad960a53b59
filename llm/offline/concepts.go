package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// conceptTable groups words of Spanish, English and Portuguese that mean
// the same thing for routing and for matching enum values: one line per
// concept, "name: word word two_words". Words are folded (no accents,
// lower case); an underscore joins a two-word phrase. The hashing embedder
// knows no synonyms, so without this table "apuntarme" would not match an
// example that says "inscribirme", nor "factura" an enum value "billing".
//
// A word belongs to one concept only (the first line that lists it wins).
// Inflections are found through stems, so one form of a word is usually
// enough; irregular forms are listed.
const conceptTable = `
ai: ia ai inteligencia_artificial artificial_intelligence
course: curso cursos course courses clase clases class classes capacitacion capacitaciones capacitar capacitarnos formacion formar training trainings train diplomado bootcamp taller talleres workshop workshops treinamento
enroll: inscribir inscribirme inscribirte inscribirse inscribo inscribi inscripcion inscripciones inscribime inscribeme inscribite inscribes inscribas inscrito inscrita anotarme anotar anotame anotate anotenme apuntame matriculame matricular matricularme matriculo matricula matriculas apuntar apuntarme apunto apuntame registrarme registrar registro enroll enrol enrolled enrolling enrollment enrolment enrollments sign_up signup register registering registration inscrever inscrevo inscricao cadastrar join
price: precio precios cuesta cuestan costo costos coste costes valor tarifa tarifas price prices pricing cost costs fee fees preco precos custa custam custo how_much cuanto_sale cuanto_salen
billing: factura facturas facturar facturacion cfdi rfc invoice invoices billing bill bills receipt recibo recibos nota_fiscal cobro cobros cobraron cobrar cobrado charged charge charges cargo cargos pagar pago pagos pague pagado pay paying payment payments paid pagamento pagamentos tarjeta card
refund: reembolso reembolsos reembolsar devolucion devoluciones devolver devuelven devuelve devuelvan devuelvo refund refunds estorno back
discount: descuento descuentos promocion promo cupon discount discounts coupon desconto
human: humano humana persona alguien agente asesor asesora operador operadora ejecutivo ejecutiva representante human person someone somebody agent representative rep operator atendente pessoa alguem
talk: hablar hablame habla hable conversar comunicarme comunicar contactar contactarme llamar llamada talk speak speaking chat call contact falar fala ligar
ticket: ticket tickets incidencia incidencias reclamo reclamos reclamacion queja quejas caso chamado chamados case complaint
problem: problema problemas issue issues problem problems
technical: tecnico tecnica tecnicos technical tech error errores falla fallas fallo bug bugs broken funciona funcionan erro erros defeito carga cargan load loads loading carrega
support: soporte ayuda support help helpdesk suporte ajuda
access: acceso acceder entrar ingresar ingreso login loguear loguearme logueo contrasena clave password passwords access log_in sign_in senha acessar acesso
certificate: certificado certificados diploma diplomas constancia certificate certificates certification certificacao
status: estado estatus status situacion seguimiento novedad novedades update updates andamento
company: empresa empresas compania companias negocio negocios organizacion company companies business organization firm startup pyme agencia agencias agency agencies corporate corporativo corporativa
employee: empleados empleado trabajadores trabajador personas colaboradores employees employee people staff headcount funcionarios equipo team equipos teams grupo grupos group groups ppl size tamano tamanho
budget: presupuesto presupuestos budget budgets orcamento inversion invertir invest investment
demo: demo demos demostracion
quote: cotizacion cotizaciones cotizar quote quotes proposal propuesta propuestas
list: lista listado listar catalogo catalog list disponibles available
show: mostrar muestrame mostrame show
report: reporte reportes informe informes report reports relatorio
kpi: kpi kpis metricas metrica indicadores indicador metrics metric estadisticas stats numeros
revenue: ingresos revenue facturado
sales: ventas venta sales vendas comprar compra compre compro buy bought purchase purchased comprei
month: mes meses month months mensual monthly
week: semana semanas week weeks semanal weekly
quarter: trimestre trimestres quarter quarters trimestral quarterly
year: ano anos year years anual annual
today: hoy today hoje
this: este esta this current actual corriente esse essa
last: pasado pasada anterior ultimo ultima last previous passado passada
next: proximo proxima siguiente next
custom: personalizado personalizada custom rango range
marketing: marketing mercadeo mercadotecnia
saas: saas software plataforma plataformas platform herramienta herramientas tool tools
document: documento documentos document documents docs doc plantilla plantillas template templates
data: datos data dados
customer: cliente clientes customer customers client clients
new: nuevo nuevos nueva nuevas new novo novos
active: activo activos activa activas active ativo ativos
churn: churn bajas abandono
lead: lead leads prospecto prospectos prospect prospects
conversion: conversion conversiones conversions conversao
rate: tasa rate ratio porcentaje taxa
automation: automatizacion automatizar automation automate automacao
language: idioma idiomas lengua language languages lingua
spanish: espanol castellano spanish espanhol
english: ingles english
portuguese: portugues portuguese
open: abrir abre abrime open create crear levantar reportar
cancel: cancelar cancelacion cancel cancellation darme_de_baja cancelamento
subscription: suscripcion suscripciones subscription subscriptions plan planes plans assinatura
content: contenido contenidos content material materiales temario syllabus video videos modulo modulos module modules leccion lecciones lesson lessons conteudo
other: otro otra otros other outro
want: quiero queremos quisiera quisieramos gustaria want wanna would_like we'd_like i'd_like quero gostaria
need: necesito necesitamos need needs preciso precisamos falta requisito requisitos requirement requirements require requires prerequisite prerequisites
duration: tarda tardan tardar demora demoran demorar dura duran duracion duration length how_long cuanto_tiempo quanto_tempo
beginner: principiante principiantes iniciante iniciantes beginner beginners novato novatos novice novices
start: empieza empiezan empezar comienza comienzan comenzar inicio inicia arranca arrancan start starts starting begin begins comeca
free: gratis gratuito gratuita free
schedule: horario horarios schedule
email: email correo mail emails correos
phone: telefono tel celular movil whatsapp phone mobile cell
name: nombre name nome llamo se_llama me_llamo se_chama me_chamo
country: pais country
industry: sector industria rubro industry vertical setor
interest: interesa interes interested interest interessa interesse
generate: generar genera generame generate create_a gerar
money: dinero plata money dinheiro lana
forget: olvide olvidaste olvido olvidar forgot forget forgotten esqueci esqueceu esquecer
download: descargar descargo descarga download downloads downloading baixar baixo
installment: cuotas cuota installments instalments instalment installment parcelar parcelas parcelado
weekend: weekend weekends sabado sabados domingo domingos saturday saturdays sunday sundays fin_de finde
number: numero numeros number numbers
link: enlace enlaces link links vinculo
expire: caduca caducado caducar caduco vence vencio vencido expire expired expires expira expirou
receive: llega llego llegan recibir recibo recibi receive received arrive arrived chegou recebi
office: oficina oficinas office offices escritorio
hour: hora horas hour hours
manager: directivos directivo gerentes gerente managers manager gestores lideres leaders executives
developer: desarrollador desarrolladores programador programadores developer developers programmer programmers dev devs desenvolvedor
student: estudiante estudiantes alumno alumnos alumna alumnas student students universitario universitarios estudante estudantes
trial: prueba pruebas probar trial try teste testar
respond: contestan contestar contesta responder responden respuesta respuestas reply replies respond responds response responses resposta respondem
send: enviar envio envios mandar manda mandan send sends sending sent
seats: plazas plaza lugares lugar cupos cupo vagas vaga seats seat spots spot disponibilidad completo completa agotado agotada full waitlist waiting_list lista_de espera
sell: vender venden vendemos vende sell sells selling sold vendem
`

// conceptIndex finds the concept of a folded word or two-word phrase.
// Built once; read-only afterwards.
type conceptIndex struct {
	// members are each concept's words in table order.
	members map[string][]string
	word    map[string]string
	pair    map[string]string // "a b" → concept
	es      map[string]string // Spanish stem → concept
	en      map[string]string // English stem → concept
}

// concepts is the read-only index of conceptTable.
var concepts = buildConcepts(conceptTable)

func buildConcepts(table string) *conceptIndex {
	ix := &conceptIndex{members: map[string][]string{}, word: map[string]string{}, pair: map[string]string{}, es: map[string]string{}, en: map[string]string{}}
	for line := range strings.Lines(table) {
		name, words, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		for _, w := range strings.Fields(words) {
			ix.members[name] = append(ix.members[name], strings.ReplaceAll(w, "_", " "))
			if a, b, two := strings.Cut(w, "_"); two {
				key := a + " " + strings.ReplaceAll(b, "_", " ")
				if _, dup := ix.pair[key]; !dup {
					ix.pair[key] = name
				}
				continue
			}
			if _, dup := ix.word[w]; dup {
				continue
			}
			ix.word[w] = name
			// Stems of three letters or fewer catch unrelated words
			// ("sab" of "sábado" and of "saber").
			es, en := stemsOf(w)
			if _, dup := ix.es[es]; !dup && len(es) >= 4 {
				ix.es[es] = name
			}
			if _, dup := ix.en[en]; !dup && len(en) >= 4 {
				ix.en[en] = name
			}
		}
	}
	return ix
}

// of returns the concept of a folded word with its stems, or "".
func (ix *conceptIndex) of(w, es, en string) string {
	if c, ok := ix.word[w]; ok {
		return c
	}
	if c, ok := ix.es[es]; ok {
		return c
	}
	if c, ok := ix.en[en]; ok {
		return c
	}
	return ""
}

// word is a folded word with what matching needs of it, computed once.
type word struct {
	fold, es, en, concept string
	stop                  bool // a function word: no meaning for matching
	pos                   int  // index of its token in the text
	// of is what a question word asks about ("mails" of "cuántos mails").
	of *word
}

// analyzer turns text into words for matching. Stemming is the costly
// part of analysis (two Snowball stemmers a word), and the same few
// thousand words — of messages, passages, tool texts and course names —
// come back on every call, so an analyzer caches the stems of the words it
// has seen. A Model owns one; a nil analyzer stems every word afresh.
type analyzer struct {
	stemCache *textCache[stemPair]
}

type stemPair struct{ es, en string }

const (
	// maxCachedStems bounds the stem cache: a few thousand words recur;
	// 16,384 of them take about 1.5 MiB.
	maxCachedStems = 1 << 14
	// maxStemmedLen is the longest word whose stems are cached: longer
	// ones are rare (URLs, garbage) and would only crowd out the others.
	maxStemmedLen = 40
)

func newAnalyzer() *analyzer {
	return &analyzer{stemCache: newTextCache[stemPair](maxCachedStems, 0)}
}

// stems returns the Spanish and English stems of a folded word, as
// [stemsOf] does.
func (a *analyzer) stems(w string) (es, en string) {
	if a == nil || isDigits(w) || len(w) > maxStemmedLen {
		return stemsOf(w)
	}
	if st, ok := a.stemCache.get(w); ok {
		return st.es, st.en
	}
	es, en = stemsOf(w)
	// The stems may be slices of w (a word too short to stem is itself):
	// copy them, as the cache copies its key, so that a cached word keeps
	// no message alive.
	a.stemCache.put(w, stemPair{strings.Clone(es), strings.Clone(en)})
	return es, en
}

// analyze turns text into words for matching. Two-word phrases of the
// concept table become one word ("inteligencia artificial" → concept ai).
func (a *analyzer) analyze(text string) []word {
	return a.analyzeTokens(tokenize(text))
}

func (a *analyzer) analyzeTokens(toks []token) []word {
	out := make([]word, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		f := toks[i].fold
		if i+1 < len(toks) {
			if c, ok := concepts.pair[f+" "+toks[i+1].fold]; ok {
				out = append(out, word{fold: f + " " + toks[i+1].fold, es: c, en: c, concept: c, pos: i})
				i++
				continue
			}
		}
		if c, known := concepts.word[f]; !known && isStopWord(f) {
			// Function words need no stems (the costly part of analysis).
			out = append(out, word{fold: f, es: f, en: f, stop: true, pos: i})
			continue
		} else if known && isStopWord(f) {
			out = append(out, word{fold: f, es: f, en: f, concept: c, pos: i})
			continue
		}
		es, en := a.stems(f)
		w := word{fold: f, es: es, en: en, pos: i}
		if i > 0 && isCapitalized(toks[i].raw) {
			// A capitalised word inside a text is a name ("plan Starter",
			// "Growth"): only itself, not its stem, says what it means.
			w.concept = concepts.word[f]
		} else {
			w.concept = concepts.of(f, es, en)
		}
		w.stop = isStopWord(f) && w.concept == ""
		out = append(out, w)
	}
	return out
}

// isCapitalized reports whether a word starts with a capital and is not all
// capitals (an acronym like "IA" or "USD" is not a name).
func isCapitalized(raw string) bool {
	r, _ := utf8.DecodeRuneInString(raw)
	return unicode.IsUpper(r) && strings.ToUpper(raw) != raw
}

// matches reports how well two words match: 1 for the same word, stem or
// concept, 0.8 for a likely typo, 0 otherwise.
func (a word) matches(b word) float64 {
	switch {
	case a.fold == b.fold:
		return 1
	case a.concept != "" && a.concept == b.concept:
		return 1
	case isDigits(a.fold) || isDigits(b.fold):
		return 0
	case a.es == b.es || a.en == b.en:
		return 1
	}
	// A typo keeps the first letter: compare that before the lengths
	// (matching runs for every pair of message and example words).
	if a.fold == "" || b.fold == "" || a.fold[0] != b.fold[0] {
		return 0
	}
	k := min(typoTolerance(a.fold), typoTolerance(b.fold))
	if k > 0 && editWithin(a.fold, b.fold, k) {
		return 0.8
	}
	return 0
}

// stopSet holds the embedder's function words plus a few more that carry
// no meaning for routing in chat ("porfa", "pls").
var stopSet = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(stopWords) {
		m[w] = true
	}
	for _, w := range strings.Fields(`porfa porfavor favor pls plz please tengo tenemos tiene tienen hacer hago puede pueden podria podrias would could can i'm im i've its it's dont don't do does did es esta estoy soy somos sou estou tem tenho get got ser be am is are was were we're you're they're i'd looking offer offers ofrecen ofrece ofrecer oferecem provide provides brindan vale entonces bueno pues ok okay dale`) {
		m[w] = true
	}
	return m
}()

func isStopWord(w string) bool {
	if len(w) < 2 && !isDigits(w) {
		return true
	}
	return stopSet[w]
}
