package tools_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// spanishOnly are words of the tools' Spanish texts that Portuguese does
// not have: one of them in a Portuguese caller's message means a Spanish
// text leaked through.
var spanishOnly = map[string]bool{
	"tus": true, "tu": true, "plazas": true, "plaza": true, "inscrito": true, "inscrita": true, "empieza": true,
	"listo": true, "aquí": true, "gratis": true, "progreso": true, "gracias": true, "equipo": true, "estos": true,
	"nuestros": true, "todavía": true, "ningún": true, "ninguna": true, "pagues": true, "correo": true, "he": true,
	"enero": true, "febrero": true, "cerradas": true, "sigue": true, "cola": true, "tienes": true, "dímelo": true,
	"puntuación": true, "guardado": true, "periodo": true, "conceptos": true, "enlace": true, "hasta": true, "ya": true,
	"estabas": true,
}

var reURL = regexp.MustCompile(`https?://\S+`)

// requirePortuguese checks msg is the Portuguese text: it has every one
// of words and no word only Spanish has.
func requirePortuguese(t *testing.T, msg string, words ...string) {
	t.Helper()
	require.NotEmpty(t, msg)
	for _, w := range words {
		require.Contains(t, msg, w, "message: %s", msg)
	}
	// A download link's signature is random letters ("…5Tu2FQ…"), not words.
	text := reURL.ReplaceAllString(msg, " ")
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		require.False(t, spanishOnly[w], "Spanish word %q in the Portuguese message: %s", w, msg)
	}
}

func TestPortugueseListCourses(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	joao := b.person(t, store.RoleProspect, "João", "", "pt")

	o := b.call(t, joao, "list_courses", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.ListCoursesResult)
	// Titles have no Portuguese: the Spanish one, the nearer language.
	requirePortuguese(t, res.Message, "Estes são os nossos cursos:", "Fundamentos de IA generativa — gratuito, começa em 11 de janeiro de 2027, 500 vagas disponíveis",
		"IA para marketing — 249 USD, começa em 8 de fevereiro de 2027", "lotado (lista de espera)", "inscrições encerradas")

	o = b.call(t, joao, "list_courses", `{"topic":"culinária"}`)
	requirePortuguese(t, o.Result.(tools.ListCoursesResult).Message, "nenhum curso", "catálogo completo")
}

func TestPortugueseEnrollCourse(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	joao := b.person(t, store.RoleProspect, "João", "joao@example.com", "pt")

	o := b.call(t, joao, "enroll_course", `{"course":"fundamentos-ia"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	requirePortuguese(t, o.Result.(tools.EnrollCourseResult).Message,
		"Pronto: fiz sua matrícula em “Fundamentos de IA generativa” com joao@example.com.", "começa em 11 de janeiro de 2027")
	o = b.call(t, joao, "enroll_course", `{"course":"fundamentos-ia"}`)
	requirePortuguese(t, o.Result.(tools.EnrollCourseResult).Message, "Você já tem uma matrícula", "(situação: ativa)")

	o = b.call(t, joao, "enroll_course", `{"course":"Prompt Engineering in Practice"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	paid := o.Result.(tools.EnrollCourseResult)
	requirePortuguese(t, paid.Message, "Fiz sua matrícula", "Sua vaga fica reservada até o pagamento de 199 USD aqui: "+paid.PaymentLink)
	o = b.call(t, joao, "enroll_course", `{"course":"prompt-engineering"}`)
	requirePortuguese(t, o.Result.(tools.EnrollCourseResult).Message, "Você já tem uma matrícula", "sua vaga fica reservada", paid.PaymentLink)
}

func TestPortugueseMyEnrollments(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	camila := b.person(t, store.RoleStudent, "Camila", "camila@example.com", "pt")

	o := b.call(t, camila, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	requirePortuguese(t, o.Result.(tools.MyEnrollmentsResult).Message, "Você ainda não tem matrícula", "catálogo")

	require.Equal(t, tools.StatusOK, b.call(t, camila, "enroll_course", `{"course":"ia-marketing"}`).Status)
	o = b.call(t, camila, "my_enrollments", `{}`)
	requirePortuguese(t, o.Result.(tools.MyEnrollmentsResult).Message,
		"Seus cursos:", "IA para marketing — pagamento pendente, progresso 0% (começa em 8 de fevereiro de 2027)")
}

func TestPortugueseQualifyLead(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	fernanda := b.person(t, store.RoleProspect, "Fernanda", "", "pt")

	o := b.call(t, fernanda, "qualify_lead", `{"name":"Fernanda Costa","email":"fernanda@vitta.example","company":"Vitta","company_size":20,"country":"Chile",`+
		`"interest":"courses","budget":1500,"timeline":"en 2 meses"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	requirePortuguese(t, o.Result.(tools.QualifyLeadResult).Message, "Obrigado, Fernanda!", "seus dados", "equipe comercial")
	o = b.call(t, fernanda, "qualify_lead", `{"name":"Fernanda Costa","email":"fernanda@vitta.example","company_size":300,"industry":"retail",`+
		`"interest":"courses","budget":8000}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.QualifyLeadResult)
	require.True(t, res.OfferDemo, "score %v", res.Score.Total)
	requirePortuguese(t, res.Message, "Já tínhamos seus dados", "agendar uma demonstração")

	staff := b.person(t, store.RoleStaff, "Rui", "rui@brujula.example", "pt")
	o = b.call(t, staff, "qualify_lead", `{"name":"Ana","email":"ana@cliente.example","interest":"documents"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	requirePortuguese(t, o.Result.(tools.QualifyLeadResult).Message, "salvei", "ana@cliente.example", "como lead para a equipe comercial, na etapa", "pontuação")
}

func TestPortugueseTickets(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	rafael := b.person(t, store.RoleStudent, "Rafael", "rafael@example.com", "pt")

	o := b.call(t, rafael, "open_ticket", `{"subject":"Não consigo acessar a plataforma","description":"A senha não funciona"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	t1 := o.Result.(tools.OpenTicketResult)
	requirePortuguese(t, t1.Message, "Abri o chamado "+t1.Number+" (prioridade alta)", "equipe de suporte")
	o = b.call(t, rafael, "open_ticket", `{"subject":"não consigo acessar a plataforma!","description":"Continua igual"}`)
	require.True(t, o.Result.(tools.OpenTicketResult).AddedToExisting)
	requirePortuguese(t, o.Result.(tools.OpenTicketResult).Message, "Você já tem o chamado "+t1.Number+" aberto", "adicionei sua mensagem")

	o = b.call(t, rafael, "ticket_status", `{"number":"`+t1.Number+`"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	requirePortuguese(t, o.Result.(tools.TicketStatusResult).Message, "O chamado "+t1.Number+" (“Não consigo acessar a plataforma”) continua aberto",
		"com prioridade alta", "o quanto antes")
}

func TestPortugueseRequestHuman(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	o := b.call(t, b.person(t, store.RoleProspect, "Bia", "", "pt"), "request_human", `{"reason":"quer falar com alguém"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	requirePortuguese(t, o.Result.(tools.RequestHumanResult).Message, "uma pessoa da equipe", "esta conversa")
}

func TestPortugueseGenerateDocument(t *testing.T) {
	t.Parallel()
	b := setupBiz(t, newSQLite(t))
	ana := b.person(t, store.RoleStudent, "Ana Souza", "ana.souza@example.com", "pt")

	r := docResult(t, b.call(t, ana, "generate_document", `{"template":"certificate","course":"ia-marketing"}`))
	require.Equal(t, tools.DocNotEnrolled, r.Status)
	requirePortuguese(t, r.Message, "Não encontrei nenhuma matrícula sua em “IA para marketing”", "certificado")
	_, _, err := b.st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: "taller-1", ContactID: ana.ContactID, Email: ana.Email})
	require.NoError(t, err)
	r = docResult(t, b.call(t, ana, "generate_document", `{"template":"certificate","course":"taller-1"}`))
	require.Equal(t, tools.DocNotCompleted, r.Status)
	requirePortuguese(t, r.Message, "Você ainda não concluiu “Taller exprés de IA” (progresso: 0%)")

	b.completed(t, ana, "fundamentos-ia")
	r = docResult(t, b.call(t, ana, "generate_document", `{"template":"certificate","course":"fundamentos-ia"}`))
	require.Equal(t, tools.DocGenerated, r.Status)
	exp, err := time.Parse(time.RFC3339, r.ExpiresAt)
	require.NoError(t, err)
	// The document itself is in English (the templates are es and en);
	// what the caller is told is Portuguese.
	requirePortuguese(t, r.Message, "Pronto: aqui está o certificado de “Generative AI Foundations” em PDF: "+r.URL,
		"(o link vale até "+ptDate(exp)+")")

	staff := b.person(t, store.RoleStaff, "Rui", "rui@brujula.example", "pt")
	r = docResult(t, b.call(t, staff, "generate_document", `{"template":"proposal","variables":{"client":"Laura","company":"Acme","valid_until":"ontem"}}`))
	require.Equal(t, tools.DocIncomplete, r.Status)
	requirePortuguese(t, r.Message, "Para gerar “Proposta comercial” ainda preciso de: itens com preço (items).",
		"Não posso usar: validade (valid_until): não é uma data nem um número de dias")
	r = docResult(t, b.call(t, staff, "generate_document", `{"template":"invoice","format":"markdown","variables":{"invoice_number":"F-7",`+
		`"client":"Laura","items":"Workshop de IA 1500","due_date":"30 de março de 2027"}}`))
	require.Equal(t, tools.DocGenerated, r.Status, "a date written in Portuguese reads: %s", r.Message)
	requirePortuguese(t, r.Message, "Pronto: a fatura F-7 em Markdown está aqui: "+r.URL)
}

// ptDate is t's day as the Portuguese texts write it.
func ptDate(t time.Time) string {
	months := []string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}
	return fmt.Sprintf("%d de %s de %d", t.Day(), months[t.Month()-1], t.Year())
}

func TestPortugueseReportKPIs(t *testing.T) {
	t.Parallel()
	db := newSQLite(t)
	b := setupBiz(t, db)
	_, _, err := db.PutSubscription(t.Context(), store.Subscription{ExternalID: "s1", Email: "a@example.com", Plan: "pro",
		MonthlyAmountCents: 123456, StartedAt: time.Now().AddDate(0, -3, 0)})
	require.NoError(t, err)
	staff := b.person(t, store.RoleStaff, "Rui", "rui@brujula.example", "pt")

	o := b.call(t, staff, "report_kpis", `{"metrics":["leads","mrr"],"period":"this_week"}`)
	require.Equal(t, tools.StatusOK, o.Status, "content: %s", o.Response.Content)
	res := o.Result.(tools.ReportKPIsResult)
	requirePortuguese(t, res.Message, "KPIs desta semana (", ", UTC), comparados com o período anterior:",
		"- MRR: 1.234,56 USD (anterior: 1.234,56 USD, +0,00 USD)", "- Leads: 0 (anterior: 0, +0) — novos 0, MQL 0, SQL 0",
		"Leads: leads criados no período; o detalhamento é a etapa atual de cada um.")
	require.Regexp(t, `\d{1,2} de (janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro) de \d{4}`, res.Message)
	for _, m := range res.Metrics {
		requirePortuguese(t, m.Definition)
	}

	o = b.call(t, staff, "report_kpis", `{"metrics":["conversion","nps"],"period":"last_month"}`)
	require.Equal(t, tools.StatusOK, o.Status, "content: %s", o.Response.Content)
	requirePortuguese(t, o.Result.(tools.ReportKPIsResult).Message, "KPIs do mês passado", "Conversão: não disponível (não houve leads no período)",
		"NPS: não disponível (não há dados de pesquisas")
}
