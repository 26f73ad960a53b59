package console

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// The interface's languages; English is the fallback.
var (
	languages = []language.Tag{language.English, language.Spanish}
	matcher   = language.NewMatcher(languages)
)

// langCookie keeps the language a person picked over their browser's.
const langCookie = "faro_console_lang"

// langOf is the language to answer r in: the picked one, else the best
// of Accept-Language, else English.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "es" || c.Value == "en") {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, _ := matcher.Match(tags...)
	if languages[i] == language.Spanish {
		return "es"
	}
	return "en"
}

// messages are the interface's words, by language then key. The test
// checks that both languages have every key.
var messages = map[string]map[string]string{
	"en": {
		"app": "Faro console", "skip": "Skip to content",
		"nav.dashboard": "Dashboard", "nav.inbox": "Inbox", "nav.leads": "Leads", "nav.tickets": "Tickets",
		"nav.enrollments": "Enrolments", "nav.documents": "Documents", "nav.knowledge": "Knowledge base", "nav.staff": "Staff",
		"nav.main": "Main", "lang.switch": "Español", "lang.name": "Language",
		"signin.title": "Sign in", "signin.email": "Email", "signin.password": "Password", "signin.submit": "Sign in",
		"signin.bad":       "That email and password do not match an account.",
		"signin.throttled": "Too many failed sign-ins for this account: try again in %d minutes.",
		"signin.expired":   "Your session ended: sign in again.",
		"signout":          "Sign out", "signedin": "Signed in as",
		"forbidden.title": "Not allowed", "forbidden.text": "Your role (%s) may not open this page.",
		"notfound.title": "Not found", "notfound.text": "There is nothing here.",
		"error.title": "Something went wrong", "error.text": "The page could not be loaded; it was logged. Try again in a moment.",
		"csrf.bad":   "This form expired (its security token is missing or old): reload the page and try again.",
		"dash.title": "Dashboard", "dash.period": "Period", "dash.from": "From", "dash.to": "To", "dash.show": "Show",
		"dash.previous": "previous", "dash.change": "change", "dash.unavailable": "not available", "dash.charts": "Over time",
		"dash.interval": "Interval", "interval.day": "by day", "interval.week": "by week", "interval.month": "by month",
		"period.today": "Today", "period.this_week": "This week", "period.this_month": "This month", "period.last_month": "Last month",
		"period.this_quarter": "This quarter", "period.this_year": "This year", "period.custom": "Custom",
		"metric.mrr": "MRR", "metric.arr": "ARR", "metric.new_customers": "New customers", "metric.active_customers": "Active customers",
		"metric.churn": "Churn", "metric.leads": "Leads", "metric.conversion": "Conversion", "metric.enrollments": "Enrolments",
		"metric.automation_rate": "Automation rate", "metric.nps": "NPS", "metric.tickets": "Tickets",
		"chart.leads": "Leads created, by their stage now", "chart.enrollments": "Enrolments, and revenue (USD)",
		"chart.automation_rate": "Automation rate (conversations without a person)", "chart.mrr": "MRR (USD)",
		"chart.churn": "Churn", "chart.extra.revenue_usd": "revenue (USD)", "chart.extra.sla_breached": "SLA breached", "chart.tickets": "Tickets opened, and SLA breaches",
		"inbox.title": "Inbox", "inbox.search": "Search by contact name or email", "inbox.status": "Status",
		"inbox.channel": "Channel", "inbox.language": "Language", "inbox.role": "Role", "inbox.any": "Any", "inbox.filter": "Filter",
		"inbox.contact": "Contact", "inbox.updated": "Updated", "inbox.unread": "Unread", "inbox.empty": "No conversations match.",
		"inbox.live": "Updates live every 2 seconds.", "inbox.visitor": "Visitor", "inbox.last": "Last message",
		"status.open": "With the bot", "status.handed_off": "Waiting for a person", "status.closed": "Closed",
		"role.prospect": "Prospect", "role.student": "Student", "role.staff": "Staff", "role.admin": "Admin",
		"conv.title": "Conversation", "conv.transcript": "Transcript", "conv.contact": "Contact", "conv.lead": "Lead",
		"conv.score": "Score", "conv.factors": "Score factors", "conv.stage": "Stage", "conv.history": "Stage history",
		"conv.enrollments": "Enrolments", "conv.tickets": "Tickets", "conv.documents": "Documents",
		"conv.toolcalls": "Tool calls", "conv.toolresults": "Tool results", "conv.citations": "Citations",
		"conv.reply": "Reply", "conv.send": "Send", "conv.release": "Release to the bot", "conv.take": "Take over",
		"conv.handedoff": "This conversation waits for a person: your reply reaches them on their channel.",
		"conv.open":      "The bot answers this conversation.",
		"conv.state":     "That cannot be done now: the conversation is %s.", "conv.text": "The reply must not be empty nor longer than %d characters.",
		"conv.events": "Hand-off history", "conv.takenby": "With", "inbox.mine": "Handed off to me", "inbox.who": "With",
		"event.requested": "asked for a person", "event.taken": "taken", "event.replied": "replied", "event.released": "released to the bot",
		"author.user": "Contact", "author.assistant": "Assistant", "author.staff": "Staff", "author.tool": "Tool", "author.system": "System",
		"none": "None.", "email": "Email", "name": "Name", "phone": "Phone", "channel": "Channel", "created": "Created", "status": "Status",
		"leads.title": "Leads", "leads.stage": "Stage", "leads.source": "Source", "leads.interest": "Interest", "leads.company": "Company",
		"leads.minscore": "Minimum score", "leads.sort": "Sort by", "leads.sort.newest": "Newest first", "leads.sort.oldest": "Oldest first",
		"leads.sort.score": "Highest score first", "leads.nochat": "no chat", "leads.page": "page",
		"leads.bad": "Left out of the filter, as it makes no sense: %s.", "leads.pages": "Pages of leads",
		"leads.prev": "← Previous", "leads.next": "Next →", "leads.pageof": "Page %d",
		"interest.courses": "Courses", "interest.marketing_saas": "Marketing SaaS", "interest.documents": "Documents",
		"stage.new": "New", "stage.marketing_qualified": "Marketing qualified", "stage.sales_qualified": "Sales qualified",
		"tickets.title": "Tickets", "tickets.number": "Number", "tickets.subject": "Subject", "tickets.priority": "Priority",
		"tickets.queue": "Queue", "tickets.due": "SLA due", "tickets.breached": "SLA breached", "tickets.set": "Set status",
		"enr.title": "Enrolments", "enr.course": "Course", "enr.confirm": "Confirm payment", "enr.ref": "Payment reference",
		"docs.title": "Documents", "docs.template": "Template", "docs.format": "Format", "docs.generate": "Generate",
		"docs.download": "Download", "docs.language": "Document language", "docs.for": "For",
		"kb.title": "Knowledge base", "kb.upload": "Upload a file", "kb.file": "File (Markdown, text, HTML, PDF)", "kb.send": "Upload",
		"kb.source": "Source", "kb.chunks": "Passages", "kb.delete": "Delete", "kb.reindex": "Re-index everything",
		"kb.try": "Try a question", "kb.question": "Question", "kb.ask": "Ask", "kb.passages": "Passages found",
		"kb.score": "Score", "kb.answer": "The assistant's answer", "kb.readonly": "Only an admin may change the knowledge base.",
		"kb.confirm": "Delete this document and its passages?", "kb.progress": "Upload progress",
		"staff.title": "Staff accounts", "staff.add": "Add an account", "staff.role": "Role", "staff.password": "Password (10 characters or more)",
		"staff.created": "Account created.", "staff.bad": "The account could not be created: %s",
		"done": "Done.", "failed": "It did not work:",
	},
	"es": {
		"app": "Consola de Faro", "skip": "Saltar al contenido",
		"nav.dashboard": "Panel", "nav.inbox": "Bandeja", "nav.leads": "Leads", "nav.tickets": "Tickets",
		"nav.enrollments": "Matrículas", "nav.documents": "Documentos", "nav.knowledge": "Base de conocimiento", "nav.staff": "Equipo",
		"nav.main": "Principal", "lang.switch": "English", "lang.name": "Idioma",
		"signin.title": "Iniciar sesión", "signin.email": "Correo", "signin.password": "Contraseña", "signin.submit": "Entrar",
		"signin.bad":       "Ese correo y esa contraseña no corresponden a ninguna cuenta.",
		"signin.throttled": "Demasiados intentos fallidos para esta cuenta: vuelve a intentarlo en %d minutos.",
		"signin.expired":   "Tu sesión terminó: vuelve a entrar.",
		"signout":          "Salir", "signedin": "Sesión de",
		"forbidden.title": "No permitido", "forbidden.text": "Tu rol (%s) no puede abrir esta página.",
		"notfound.title": "No encontrado", "notfound.text": "Aquí no hay nada.",
		"error.title": "Algo salió mal", "error.text": "No se pudo cargar la página; quedó registrado. Inténtalo de nuevo en un momento.",
		"csrf.bad":   "Este formulario caducó (falta su código de seguridad o es viejo): recarga la página y vuelve a intentarlo.",
		"dash.title": "Panel", "dash.period": "Periodo", "dash.from": "Desde", "dash.to": "Hasta", "dash.show": "Mostrar",
		"dash.previous": "anterior", "dash.change": "cambio", "dash.unavailable": "no disponible", "dash.charts": "En el tiempo",
		"dash.interval": "Intervalo", "interval.day": "por día", "interval.week": "por semana", "interval.month": "por mes",
		"period.today": "Hoy", "period.this_week": "Esta semana", "period.this_month": "Este mes", "period.last_month": "El mes pasado",
		"period.this_quarter": "Este trimestre", "period.this_year": "Este año", "period.custom": "Personalizado",
		"metric.mrr": "MRR", "metric.arr": "ARR", "metric.new_customers": "Clientes nuevos", "metric.active_customers": "Clientes activos",
		"metric.churn": "Bajas (churn)", "metric.leads": "Leads", "metric.conversion": "Conversión", "metric.enrollments": "Matrículas",
		"metric.automation_rate": "Tasa de automatización", "metric.nps": "NPS", "metric.tickets": "Tickets",
		"chart.leads": "Leads creados, por su etapa actual", "chart.enrollments": "Matrículas e ingresos (USD)",
		"chart.automation_rate": "Tasa de automatización (conversaciones sin persona)", "chart.mrr": "MRR (USD)",
		"chart.churn": "Bajas (churn)", "chart.extra.revenue_usd": "ingresos (USD)", "chart.extra.sla_breached": "SLA vencido", "chart.tickets": "Tickets abiertos y SLA vencidos",
		"inbox.title": "Bandeja", "inbox.search": "Buscar por nombre o correo del contacto", "inbox.status": "Estado",
		"inbox.channel": "Canal", "inbox.language": "Idioma", "inbox.role": "Rol", "inbox.any": "Cualquiera", "inbox.filter": "Filtrar",
		"inbox.contact": "Contacto", "inbox.updated": "Actualizada", "inbox.unread": "Sin leer", "inbox.empty": "Ninguna conversación coincide.",
		"inbox.live": "Se actualiza sola cada 2 segundos.", "inbox.visitor": "Visitante", "inbox.last": "Último mensaje",
		"status.open": "Con el bot", "status.handed_off": "Espera a una persona", "status.closed": "Cerrada",
		"role.prospect": "Prospecto", "role.student": "Alumno", "role.staff": "Equipo", "role.admin": "Admin",
		"conv.title": "Conversación", "conv.transcript": "Transcripción", "conv.contact": "Contacto", "conv.lead": "Lead",
		"conv.score": "Puntuación", "conv.factors": "Factores de la puntuación", "conv.stage": "Etapa", "conv.history": "Historial de etapas",
		"conv.enrollments": "Matrículas", "conv.tickets": "Tickets", "conv.documents": "Documentos",
		"conv.toolcalls": "Llamadas a herramientas", "conv.toolresults": "Resultados de herramientas", "conv.citations": "Citas",
		"conv.reply": "Respuesta", "conv.send": "Enviar", "conv.release": "Devolver al bot", "conv.take": "Tomar",
		"conv.handedoff": "Esta conversación espera a una persona: tu respuesta le llega por su canal.",
		"conv.open":      "El bot responde esta conversación.",
		"conv.state":     "Eso no se puede hacer ahora: la conversación está en «%s».", "conv.text": "La respuesta no puede estar vacía ni pasar de %d caracteres.",
		"conv.events": "Historial del traspaso", "conv.takenby": "La atiende", "inbox.mine": "Traspasadas a mí", "inbox.who": "La atiende",
		"event.requested": "pidió una persona", "event.taken": "tomada", "event.replied": "respondida", "event.released": "devuelta al bot",
		"author.user": "Contacto", "author.assistant": "Asistente", "author.staff": "Equipo", "author.tool": "Herramienta", "author.system": "Sistema",
		"none": "Ninguno.", "email": "Correo", "name": "Nombre", "phone": "Teléfono", "channel": "Canal", "created": "Creado", "status": "Estado",
		"leads.title": "Leads", "leads.stage": "Etapa", "leads.source": "Origen", "leads.interest": "Interés", "leads.company": "Empresa",
		"leads.minscore": "Puntuación mínima", "leads.sort": "Ordenar por", "leads.sort.newest": "Más recientes primero", "leads.sort.oldest": "Más antiguos primero",
		"leads.sort.score": "Mayor puntuación primero", "leads.nochat": "sin chat", "leads.page": "página",
		"leads.bad": "Quedó fuera del filtro, porque no tiene sentido: %s.", "leads.pages": "Páginas de leads",
		"leads.prev": "← Anterior", "leads.next": "Siguiente →", "leads.pageof": "Página %d",
		"interest.courses": "Cursos", "interest.marketing_saas": "SaaS de marketing", "interest.documents": "Documentos",
		"stage.new": "Nuevo", "stage.marketing_qualified": "Calificado por marketing", "stage.sales_qualified": "Calificado por ventas",
		"tickets.title": "Tickets", "tickets.number": "Número", "tickets.subject": "Asunto", "tickets.priority": "Prioridad",
		"tickets.queue": "Cola", "tickets.due": "Vence el SLA", "tickets.breached": "SLA vencido", "tickets.set": "Cambiar estado",
		"enr.title": "Matrículas", "enr.course": "Curso", "enr.confirm": "Confirmar pago", "enr.ref": "Referencia del pago",
		"docs.title": "Documentos", "docs.template": "Plantilla", "docs.format": "Formato", "docs.generate": "Generar",
		"docs.download": "Descargar", "docs.language": "Idioma del documento", "docs.for": "Para",
		"kb.title": "Base de conocimiento", "kb.upload": "Subir un archivo", "kb.file": "Archivo (Markdown, texto, HTML, PDF)", "kb.send": "Subir",
		"kb.source": "Fuente", "kb.chunks": "Pasajes", "kb.delete": "Borrar", "kb.reindex": "Reindexar todo",
		"kb.try": "Probar una pregunta", "kb.question": "Pregunta", "kb.ask": "Preguntar", "kb.passages": "Pasajes encontrados",
		"kb.score": "Puntuación", "kb.answer": "La respuesta del asistente", "kb.readonly": "Solo un admin puede cambiar la base de conocimiento.",
		"kb.confirm": "¿Borrar este documento y sus pasajes?", "kb.progress": "Progreso de la subida",
		"staff.title": "Cuentas del equipo", "staff.add": "Añadir una cuenta", "staff.role": "Rol", "staff.password": "Contraseña (10 caracteres o más)",
		"staff.created": "Cuenta creada.", "staff.bad": "No se pudo crear la cuenta: %s",
		"done": "Hecho.", "failed": "No funcionó:",
	},
}

// CheckMessages reports a key one language has and another lacks.
func CheckMessages() error {
	for lang, m := range messages {
		for other, o := range messages {
			for k := range m {
				if _, ok := o[k]; !ok {
					return fmt.Errorf("console: %q is in %s, not in %s", k, lang, other)
				}
			}
		}
	}
	return nil
}

// HasMessage reports whether key is one of the interface's words.
func HasMessage(key string) bool {
	_, ok := messages["en"][key]
	return ok
}
