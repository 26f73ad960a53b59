package offline

import (
	"hash/maphash"
	"strings"
)

// callerFacts are what a conversation has said of the caller: their name,
// email and phone as they wrote them or as an earlier call passed them.
type callerFacts struct {
	name, email, phone string
	// course is the last course the caller named or a call was made for:
	// "¿cómo me inscribo?" after asking about it means that one.
	course string
}

// merge returns f with what later says, which wins (a corrected email).
func (f callerFacts) merge(later callerFacts) callerFacts {
	if later.name != "" {
		f.name = later.name
	}
	if later.email != "" {
		f.email = later.email
	}
	if later.phone != "" {
		f.phone = later.phone
	}
	if later.course != "" {
		f.course = later.course
	}
	return f
}

// callerBefore returns what the conversation said of the caller before the
// turn whose message is text, and remembers it in r.known for filling the
// arguments of that turn's decision. Turns are decided in order (the
// replay, then the last), so the turn is the next one from the last found
// with that message; a text found in no turn gets nothing, as does a staff
// caller, who talks about customers rather than themselves.
func (r *run) callerBefore(text string) callerFacts {
	r.known = callerFacts{}
	r.earlier = r.earlier[:0]
	if r.conv.tc.Role == roleStaff {
		return r.known
	}
	at := -1
	for j := r.knownCursor; j < len(r.conv.turns); j++ {
		if r.conv.turns[j].human == text {
			at = j
			break
		}
	}
	if at < 0 {
		return r.known
	}
	r.knownCursor = at + 1
	for len(r.turnFacts) < at {
		r.turnFacts = append(r.turnFacts, r.factsOf(r.conv.turns[len(r.turnFacts)]))
	}
	for _, f := range r.turnFacts[:at] {
		r.known = r.known.merge(f)
	}
	r.earlier = r.earlier[:0]
	for j := at - 1; j >= 0 && len(r.earlier) < earlierTurns; j-- {
		r.earlier = append(r.earlier, r.conv.turns[j].human)
	}
	return r.known
}

// earlierTurns is how many of the caller's messages before a request can
// tell what it is about when the request does not say.
const earlierTurns = 3

// roleStaff is the staff role of the turn context (store.RoleStaff).
const roleStaff = "staff"

// roleStudent is the student role of the turn context (store.RoleStudent).
const roleStudent = "student"

// factsOf reads what one turn said of the caller: an email, a phone or a
// name introduced as theirs ("soy Ana", "me llamo Ana") in the message,
// and the caller's fields of the calls made in the turn, which hold the
// answers given to the engine's questions.
func (r *run) factsOf(t turn) callerFacts {
	var f callerFacts
	m := findMentions(r.m.an, t.human, r.now)
	if n := len(m.emails); n > 0 {
		f.email = m.emails[n-1].value
	}
	if n := len(m.phones); n > 0 {
		f.phone = m.phones[n-1].value
	}
	if name, _, ok := extractName(r.m.an, m.masked, tokenize(m.masked), false, m.emailValues()); ok {
		f.name = name
	}
	if slug, ok := r.matchCourse(t.human, false); ok {
		f.course = slug
	}
	// A result about one course ("Tus cursos: Análisis de datos con IA")
	// makes it the one a follow-up means ("¿y cuándo arranca?").
	for _, resp := range t.resps {
		if slug := r.onlyCourseIn(resp.Content); slug != "" {
			f.course = slug
		}
	}
	if f.course == "" {
		f.course = r.courseOfSources(t.reply)
	}
	for _, c := range t.calls {
		if c.FunctionCall == nil {
			continue
		}
		tool := r.tool(c.FunctionCall.Name)
		var args map[string]any
		if tool == nil || unmarshalArgs(c.FunctionCall.Arguments, &args) != nil {
			continue
		}
		for _, fl := range tool.schema.fields {
			v, _ := args[fl.name].(string)
			v = strings.TrimSpace(v)
			if v == "" || (!callerField(fl) && fl.kind != kindCourse) {
				continue
			}
			switch fl.kind {
			case kindEmail:
				if reEmail.FindString(v) == v {
					f.email = v
				}
			case kindPersonName:
				f.name = v
			case kindPhone:
				f.phone = v
			}
			if fl.kind == kindCourse {
				f.course = v
			}
		}
	}
	return f
}

// writeFacts hashes the facts a decision was made with.
func writeFacts(h *maphash.Hash, f callerFacts) {
	for _, s := range []string{f.name, f.email, f.phone, f.course} {
		h.WriteString(s)
		h.WriteByte(0)
	}
}

// onlyCourseIn returns the slug of the one course a tool result names, or
// "" when it names none or several.
// courseOfSources is the course a knowledge answer was about: the one
// its sources' titles name, when they name one and only one ("Fuentes:
// [1] Estudio Prana: Formación de profesores de yoga 200 h" makes the
// next "va, me inscribo" about that training). "" for any other reply.
func (r *run) courseOfSources(reply string) string {
	i := strings.LastIndex(reply, "\n\n")
	if i < 0 {
		return ""
	}
	last := reply[i+2:]
	list := ""
	for _, label := range phSources.all {
		if rest, ok := strings.CutPrefix(last, label+": "); ok {
			list = rest
			break
		}
	}
	found := ""
	for _, src := range strings.Split(list, "; ") {
		_, title, _ := strings.Cut(src, "] ")
		title, _, _ = strings.Cut(title, " — ")
		slug, ok := r.matchCourse(title, false)
		if !ok {
			continue
		}
		if found != "" && slug != found {
			return ""
		}
		found = slug
	}
	return found
}

func (r *run) onlyCourseIn(content string) string {
	found := ""
	for _, c := range r.courses() {
		if strings.Contains(content, `"`+c.Slug+`"`) {
			if found != "" {
				return ""
			}
			found = c.Slug
		}
	}
	return found
}
