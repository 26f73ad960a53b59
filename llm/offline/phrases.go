package offline

import (
	"strings"
)

// tr is one phrase in Spanish, English and Portuguese, in that order.
type tr [3]string

// in returns the phrase in lang.
func (t tr) in(lang string) string { return t[langIndex(lang)] }

// The phrasebook. Knowledge is quoted as written (Spanish or English); what
// the engine itself says comes from here, so a Portuguese speaker is
// answered in Portuguese.
var (
	phGreeting = tr{"¡Hola%s! ¿En qué puedo ayudarte?", "Hi%s! How can I help you?", "Olá%s! Como posso ajudar?"}
	phHello    = tr{"¡Hola!", "Hi!", "Olá!"}
	// phRequirements asks, for a certificate refused, what it takes.
	phRequirements = tr{"¿qué requisitos hay que cumplir para obtener el certificado?", "what are the requirements to get the certificate?", "quais são os requisitos para obter o certificado?"}
	phThanks       = tr{"¡De nada! ¿Te ayudo con algo más?", "You're welcome! Anything else I can help you with?", "De nada! Posso ajudar com mais alguma coisa?"}
	phBye          = tr{"¡Hasta pronto! Aquí estaré si necesitas algo más.", "Bye! I'm here if you need anything else.", "Até logo! Estou aqui se precisar de mais alguma coisa."}
	phAck          = tr{"¡Perfecto! ¿Hay algo más en lo que pueda ayudarte?", "Great! Is there anything else I can help you with?", "Perfeito! Posso ajudar com mais alguma coisa?"}
	phClarify      = tr{"Perdona, no estoy seguro de haberte entendido. ¿Me lo cuentas con otras palabras?",
		"Sorry, I'm not sure I understood. Could you put it another way?",
		"Desculpe, não tenho certeza se entendi. Pode explicar de outra forma?"}
	phCanAnswer = tr{"Puedo responder preguntas sobre nuestros cursos y servicios", "I can answer questions about our courses and services", "Posso responder perguntas sobre nossos cursos e serviços"}
	phCanAlso   = tr{" y ayudarte a: %s", " and help you %s", " e ajudar você a: %s"}
	phSwitched  = tr{"Claro, seguimos en español.", "Sure, let's continue in English.", "Claro, vamos continuar em português."}
	phCancel    = tr{"De acuerdo, lo dejamos aquí. ¿Te ayudo con algo más?", "Okay, let's leave it there. Anything else I can help you with?", "Tudo bem, deixamos isso de lado. Posso ajudar com mais alguma coisa?"}

	phNoAnswer = tr{"No encontré información sobre eso en nuestra base de conocimiento, así que prefiero no adivinar.",
		"I couldn't find that in our knowledge base, so I'd rather not guess.",
		"Não encontrei informações sobre isso na nossa base de conhecimento, então prefiro não arriscar uma resposta."}
	phOfferTicket = tr{"¿Quieres que abra un ticket para que alguien del equipo te responda?",
		"Would you like me to open a ticket so someone from the team can answer you?",
		"Quer que eu abra um chamado para alguém da equipe responder?"}
	phOfferHuman = tr{"¿Quieres que te pase con una persona del equipo?",
		"Would you like me to put you in touch with someone from the team?",
		"Quer que eu passe você para uma pessoa da equipe?"}
	phOfferBoth = tr{"¿Quieres que abra un ticket, o prefieres hablar con una persona del equipo?",
		"Would you like me to open a ticket, or would you rather talk to someone from the team?",
		"Quer que eu abra um chamado, ou prefere falar com uma pessoa da equipe?"}
	phContactTeam = tr{"Puedes escribir a nuestro equipo por los canales de contacto que aparecen en la web.",
		"You can write to our team through the contact channels on our website.",
		"Você pode escrever para a nossa equipe pelos canais de contato do site."}
	phHandoffInfo = tr{"Desde este chat no puedo pasarte con una persona ahora mismo.",
		"I can't transfer you to a person from this chat right now.",
		"Não consigo transferir você para uma pessoa por este chat agora."}
	phHandoffDone = tr{"Listo: le pasé tu conversación a una persona del equipo, que te responderá por aquí lo antes posible.",
		"Done: I've passed your conversation to someone from the team, who will reply here as soon as possible.",
		"Pronto: passei a sua conversa para uma pessoa da equipe, que vai responder por aqui o mais rápido possível."}
	// phNotFinished: a student asked for the certificate of a course
	// they have not completed (title, progress).
	phNotFinished = tr{"Todavía no has completado «%s» (progreso: %d%%), así que aún no hay certificado: se emite al terminar el curso.",
		"You haven't completed “%s” yet (progress: %d%%), so there is no certificate yet: it is issued once the course is finished.",
		"Você ainda não concluiu “%s” (progresso: %d%%), então ainda não há certificado: ele é emitido quando o curso termina."}
	// phAdaptedFrom opens an answer carried from another language by
	// the transfer table (word by word, so it says so).
	phAdaptedFrom = tr{"Esto es lo que encontré (adaptado del %s):",
		"Here's what I found (adapted from %s):",
		"Encontrei esta informação na nossa base de conhecimento (adaptada do %s):"}
	phFoundIn = tr{"Esto es lo que encontré (el texto original está en %s):",
		"Here's what I found (the original text is in %s):",
		"Encontrei esta informação na nossa base de conhecimento (o texto original está em %s):"}
	phAskPerson = tr{"Si tienes dudas, puedo pasarte con una persona del equipo.",
		"If anything is unclear, I can put you in touch with someone from the team.",
		"Se tiver alguma dúvida sobre o texto, posso passar você para uma pessoa da equipe."}
	phSources = tr{"Fuentes", "Sources", "Fontes"}

	phDone      = tr{"Listo.", "Done.", "Pronto."}
	phNothing   = tr{"No encontré resultados.", "I found no results.", "Não encontrei resultados."}
	phToolError = tr{"Lo siento, no pude completarlo ahora mismo. Puedes intentarlo de nuevo en unos minutos o pedir hablar con una persona.",
		"Sorry, I couldn't complete that right now. You can try again in a few minutes or ask to talk to a person.",
		"Desculpe, não consegui concluir isso agora. Você pode tentar de novo em alguns minutos ou pedir para falar com uma pessoa."}
	phNotAllowed = tr{"Lo siento, eso no está disponible para ti desde aquí.",
		"Sorry, that isn't available to you here.",
		"Desculpe, isso não está disponível para você aqui."}
	phTimeout = tr{"Lo siento, la operación tardó demasiado. Puede que se haya completado igualmente: compruébalo en unos minutos antes de repetirla.",
		"Sorry, that took too long. It may have gone through anyway, so please check in a few minutes before trying again.",
		"Desculpe, a operação demorou demais. Talvez tenha sido concluída mesmo assim: verifique em alguns minutos antes de repetir."}
	phNotFound = tr{"No encontré lo que buscas. ¿Puedes revisar los datos?",
		"I couldn't find that. Could you check the details?",
		"Não encontrei isso. Pode verificar os dados?"}
	phConflict = tr{"Parece que eso ya estaba hecho o choca con algo que ya existe.",
		"It looks like that was already done, or it conflicts with something that already exists.",
		"Parece que isso já tinha sido feito ou conflita com algo que já existe."}
	phFull           = tr{"Lo siento, ya no quedan plazas.", "Sorry, there are no seats left.", "Desculpe, não há mais vagas."}
	phInvalidGeneric = tr{"Hay un problema con los datos de la solicitud. ¿Me los indicas de nuevo?",
		"There's a problem with the details of the request. Could you give them to me again?",
		"Há um problema com os dados da solicitação. Pode me informar de novo?"}
	phInvalidField  = tr{"El dato «%s» no parece válido.", "That %s doesn't look right.", "O dado «%s» não parece válido."}
	phInvalidEmail  = tr{"Ese correo no parece válido.", "That email address doesn't look right.", "Esse e-mail não parece válido."}
	phNotCaught     = tr{"No logré identificar %s en tu mensaje.", "I couldn't find the %s in your message.", "Não consegui identificar %s na sua mensagem."}
	phCourseUnknown = tr{"No encontré ese curso en el catálogo.", "I couldn't find that course in the catalogue.", "Não encontrei esse curso no catálogo."}
	phOr            = tr{" o ", " or ", " ou "}
)

// Questions for the fields most tools have. Others are asked with
// phAskGeneric and the field's label.
var (
	phAskEmail    = tr{"¿Cuál es tu correo electrónico?", "What's your email address?", "Qual é o seu e-mail?"}
	phAskName     = tr{"¿Cuál es tu nombre completo?", "What's your full name?", "Qual é o seu nome completo?"}
	phAskPhone    = tr{"¿En qué número de teléfono o WhatsApp podemos contactarte?", "What phone or WhatsApp number can we reach you on?", "Em qual número de telefone ou WhatsApp podemos falar com você?"}
	phAskCourse   = tr{"¿Qué curso te interesa?", "Which course are you interested in?", "Qual curso te interessa?"}
	phWeHave      = tr{" Tenemos: %s.", " We have: %s.", " Temos: %s."}
	phAskCompany  = tr{"¿Cómo se llama tu empresa?", "What's the name of your company?", "Qual é o nome da sua empresa?"}
	phAskSize     = tr{"¿Cuántas personas trabajan en tu empresa?", "How many people work at your company?", "Quantas pessoas trabalham na sua empresa?"}
	phAskBudget   = tr{"¿Qué presupuesto aproximado tienen, en USD?", "Roughly what budget do you have, in USD?", "Qual é o orçamento aproximado, em USD?"}
	phAskIndustry = tr{"¿A qué sector se dedica tu empresa?", "What industry is your company in?", "Em qual setor a sua empresa atua?"}
	phAskCountry  = tr{"¿Desde qué país nos escribes?", "Which country are you writing from?", "De qual país você está escrevendo?"}
	phAskTimeline = tr{"¿Para cuándo lo necesitan?", "When would you like to start?", "Para quando vocês precisam?"}
	phAskProblem  = tr{"¿Me cuentas brevemente qué pasó?", "Could you briefly describe what happened?", "Pode me contar brevemente o que aconteceu?"}
	phAskReason   = tr{"¿Me cuentas brevemente el motivo?", "Could you briefly tell me what it's about?", "Pode me contar brevemente o motivo?"}
	phAskQuery    = tr{"¿Qué quieres que busque?", "What would you like me to look up?", "O que você quer que eu procure?"}
	phAskTicket   = tr{"¿Cuál es el número del ticket?", "What's the ticket number?", "Qual é o número do chamado?"}
	phAskDate     = tr{"¿Qué fecha? (por ejemplo, 15 de marzo de 2027)", "Which date? (for example, March 15, 2027)", "Qual data? (por exemplo, 15 de março de 2027)"}
	phAskFrom     = tr{"¿Desde qué fecha? (por ejemplo, 1 de marzo de 2027)", "From which date? (for example, March 1, 2027)", "A partir de qual data? (por exemplo, 1 de março de 2027)"}
	phAskTo       = tr{"¿Hasta qué fecha?", "Until which date?", "Até qual data?"}
	phAskChoose   = tr{"¿Qué %s? Puede ser: %s.", "Which %s? It can be: %s.", "Qual %s? Pode ser: %s."}
	phAskInterest = tr{"¿Qué te interesa? Puede ser: %s.", "What are you interested in? It can be: %s.", "O que te interessa? Pode ser: %s."}
	phAskGeneric  = tr{"¿Me indicas %s?", "Could you tell me the %s?", "Pode me informar %s?"}
	// phAskDetails asks for what a document needs (the parts below).
	phAskDetails = tr{"Para prepararlo necesito %s.", "To prepare it I need %s.", "Para preparar preciso de %s."}
	phNeedWhom   = tr{"para quién es (nombre y empresa)", "who it is for (name and company)", "para quem é (nome e empresa)"}
	phNeedItems  = tr{"los conceptos con su precio", "the items with their prices", "os itens com preço"}
	phNeedCourse = tr{"el curso", "the course", "o curso"}
)

// labels name fields and enum values in each language, for questions and
// for rendering tool results. Keys are field names or enum values as tools
// write them (the tool contract of DESIGN.md); unknown ones are shown with
// underscores as spaces.
var labels = map[string]tr{
	// fields
	"email":        {"correo", "email", "e-mail"},
	"name":         {"nombre", "name", "nome"},
	"phone":        {"teléfono", "phone", "telefone"},
	"course":       {"curso", "course", "curso"},
	"company":      {"empresa", "company", "empresa"},
	"company_size": {"tamaño de la empresa", "company size", "tamanho da empresa"},
	"industry":     {"sector", "industry", "setor"},
	"country":      {"país", "country", "país"},
	"interest":     {"interés", "interest", "interesse"},
	"budget":       {"presupuesto", "budget", "orçamento"},
	"timeline":     {"plazo", "timeline", "prazo"},
	"subject":      {"asunto", "subject", "assunto"},
	"description":  {"descripción", "description", "descrição"},
	"category":     {"categoría", "category", "categoria"},
	"number":       {"número", "number", "número"},
	"reason":       {"motivo", "reason", "motivo"},
	"template":     {"plantilla", "template", "modelo"},
	"variables":    {"datos del documento", "document details", "dados do documento"},
	"format":       {"formato", "format", "formato"},
	"metrics":      {"métricas", "metrics", "métricas"},
	"period":       {"período", "period", "período"},
	"from":         {"fecha de inicio", "start date", "data de início"},
	"to":           {"fecha de fin", "end date", "data final"},
	"language":     {"idioma", "language", "idioma"},
	"topic":        {"tema", "topic", "tema"},
	"query":        {"búsqueda", "search", "busca"},
	"status":       {"estado", "status", "status"},
	"title":        {"título", "title", "título"},
	"start":        {"inicio", "start", "início"},
	"price":        {"precio", "price", "preço"},
	"seats":        {"plazas", "seats", "vagas"},
	"level":        {"nivel", "level", "nível"},
	"score":        {"puntuación", "score", "pontuação"},
	"created_at":   {"creado", "created", "criado"},
	"updated_at":   {"actualizado", "updated", "atualizado"},
	"url":          {"enlace", "link", "link"},
	"link":         {"enlace", "link", "link"},
	// enum values
	"billing":          {"facturación y pagos", "billing", "faturamento"},
	"access":           {"acceso", "access", "acesso"},
	"technical":        {"técnico", "technical", "técnico"},
	"course_content":   {"contenido del curso", "course content", "conteúdo do curso"},
	"sales":            {"ventas", "sales", "vendas"},
	"other":            {"otro", "other", "outro"},
	"courses":          {"cursos", "courses", "cursos"},
	"marketing_saas":   {"la plataforma de marketing (SaaS)", "the marketing platform (SaaS)", "a plataforma de marketing (SaaS)"},
	"documents":        {"generación de documentos", "document generation", "geração de documentos"},
	"es":               {"español", "Spanish", "espanhol"},
	"en":               {"inglés", "English", "inglês"},
	"pt":               {"portugués", "Portuguese", "português"},
	"today":            {"hoy", "today", "hoje"},
	"this_week":        {"esta semana", "this week", "esta semana"},
	"this_month":       {"este mes", "this month", "este mês"},
	"last_month":       {"el mes pasado", "last month", "o mês passado"},
	"this_quarter":     {"este trimestre", "this quarter", "este trimestre"},
	"this_year":        {"este año", "this year", "este ano"},
	"custom":           {"un rango de fechas", "a custom date range", "um período personalizado"},
	"new_customers":    {"clientes nuevos", "new customers", "clientes novos"},
	"active_customers": {"clientes activos", "active customers", "clientes ativos"},
	"enrollments":      {"inscripciones", "enrollments", "matrículas"},
	"automation_rate":  {"tasa de automatización", "automation rate", "taxa de automação"},
	"leads":            {"leads", "leads", "leads"},
	"arr":              {"ARR", "ARR", "ARR"},
	"mrr":              {"MRR", "MRR", "MRR"},
	"nps":              {"NPS", "NPS", "NPS"},
	"churn":            {"churn", "churn", "churn"},
	"conversion":       {"conversión", "conversion", "conversão"},
	"tickets":          {"tickets", "tickets", "chamados"},
	"open":             {"abierto", "open", "aberto"},
	"closed":           {"cerrado", "closed", "fechado"},
	"pending":          {"pendiente", "pending", "pendente"},
	"resolved":         {"resuelto", "resolved", "resolvido"},
	"in_progress":      {"en curso", "in progress", "em andamento"},
	"full":             {"completo", "full", "lotado"},
	"enrolled":         {"inscrito", "enrolled", "inscrito"},
	"waitlisted":       {"en lista de espera", "on the waiting list", "na lista de espera"},
	"beginner":         {"principiante", "beginner", "iniciante"},
	"intermediate":     {"intermedio", "intermediate", "intermediário"},
	"advanced":         {"avanzado", "advanced", "avançado"},
}

// label names a field or value in lang.
func label(key, lang string) string {
	if t, ok := labels[key]; ok {
		return t.in(lang)
	}
	return strings.ReplaceAll(key, "_", " ")
}

// toolAbilities say what a tool of the public contract lets a user do, for
// the "what I can do" line of a clarifying question. Tools not listed are
// not mentioned (the engine still routes to them).
var toolAbilities = map[string]tr{
	"enroll_course": {"inscribirte en un curso", "enrol in a course", "se inscrever em um curso"},
	"list_courses":  {"ver el catálogo de cursos", "see the course catalogue", "ver o catálogo de cursos"},
	"open_ticket":   {"abrir un ticket de soporte", "open a support ticket", "abrir um chamado de suporte"},
	"ticket_status": {"consultar un ticket", "check on a ticket", "consultar um chamado"},
	"qualify_lead":  {"pedir una propuesta para tu empresa", "get a proposal for your company", "pedir uma proposta para a sua empresa"},
	"request_human": {"hablar con una persona", "talk to a person", "falar com uma pessoa"},
}

// joinOr joins items as "a, b o c" in lang.
func joinOr(items []string, lang string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + phOr.in(lang) + items[len(items)-1]
}

// joinAnd joins items as "a, b y c" in lang.
func joinAnd(items []string, lang string) string {
	and := tr{" y ", " and ", " e "}.in(lang)
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

// The assistant introduces itself in a greeting with the names the business
// gave it (the turn context's Assistant and Business).
var (
	phIntro          = tr{"Soy %s, el asistente de %s.", "I'm %s, the assistant of %s.", "Sou %s, o assistente de %s."}
	phIntroBusiness  = tr{"Soy el asistente de %s.", "I'm the assistant of %s.", "Sou o assistente de %s."}
	phIntroAssistant = tr{"Soy %s, tu asistente.", "I'm %s, your assistant.", "Sou %s, seu assistente."}
)
