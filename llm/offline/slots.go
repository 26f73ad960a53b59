package offline

import (
	"cmp"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// taskMsg is one human message of a task.
type taskMsg struct {
	text string
	// answers is the field the engine had just asked for when the user
	// wrote it ("" for the request itself): a bare "Ana" answers "name".
	answers string
	// wants are the keys of the object asked for that are missing: the
	// answer must give one ("¿cuál es la tasa de automatización?" after
	// "falta la validez" is another request, whatever it mentions).
	wants []string
}

// slotTask is what filling one tool's arguments reads.
type slotTask struct {
	tool *toolDef
	// msgs are the task's human messages, oldest first: the request and
	// every answer since.
	msgs []taskMsg
	// prior are the arguments of an earlier call of the tool in this task
	// (one the tool refused as invalid), without the fields it rejected.
	prior map[string]any
	// said keeps to what the messages say, without what is inferred from
	// it (a company from an email's domain): which tool a message is for
	// is read from what it says.
	said bool
}

// fillResult is the arguments found and what is still missing.
type fillResult struct {
	args map[string]any
	// missing are the required fields without a value, in the order to ask
	// them (see askRank).
	missing []string
	// caught reports whether the last message answered the field it was
	// asked for.
	caught bool
	// badAsked is set when the last message tried to answer the field it
	// was asked for but the value was not usable (an email without a domain).
	badAsked bool
}

// fill finds the tool's arguments in the task's texts. Later texts win over
// earlier ones (a user correcting their email), free text accumulates.
// Only what was written (or what the turn context says of the caller) is
// used: nothing is made up.
func (r *run) fill(t slotTask) fillResult {
	res := fillResult{args: map[string]any{}}
	for k, v := range t.prior {
		res.args[k] = v
	}
	sch := t.tool.schema
	var texts []textSlots
	for i, msg := range t.msgs {
		last := i == len(t.msgs)-1
		ts := r.extract(t.tool, msg.text, t.said)
		if f, ok := sch.field(msg.answers); ok {
			if f.kind == kindObject {
				// An answer to "which details?" may open with the name.
				chosen, _ := ts.values[f.objOf].(string)
				if chosen == "" {
					chosen, _ = res.args[f.objOf].(string)
				}
				// Read for the document asked about, not for every kind:
				// an invoice's details hold no student's name.
				v := keyValues(msg.text)
				for k, x := range r.objectValues(f.objVars, chosen, msg.text, true) {
					if _, set := v[k]; !set {
						v[k] = x
					}
				}
				if len(v) > 0 {
					ts.values[f.name] = v
				}
				if last {
					res.caught = len(v) > 0 && (len(msg.wants) == 0 || slices.ContainsFunc(msg.wants, func(k string) bool { _, ok := v[k]; return ok }))
				}
				ts.content = false
				texts = append(texts, ts)
				continue
			}
			if _, got := ts.values[f.name]; !got {
				if v, ok, bad := r.lenient(t.tool, f, msg.text); ok {
					ts.values[f.name] = v
				} else if bad && last {
					res.badAsked = true
				}
			}
			if last {
				_, res.caught = ts.values[f.name]
			}
			// An answer to another question ("ana@x.com", "contenido del
			// curso") is not what the request is about.
			ts.content = f.kind == kindText
		}
		texts = append(texts, ts)
	}
	for _, ts := range texts {
		for k, v := range ts.values {
			// An object's keys add up over the messages; a later value
			// of a key wins.
			if later, ok := v.(map[string]any); ok {
				if earlier, ok := res.args[k].(map[string]any); ok {
					merged := maps.Clone(earlier)
					maps.Copy(merged, later)
					v = merged
				}
			}
			res.args[k] = v
		}
	}
	// The company the email's domain names, said in a message before the
	// one that gave the email ("es una librería, Libros del Sur" then
	// "sofia@librosdelsur.com.ar").
	if !t.said && len(t.msgs) > 1 {
		for _, f := range sch.fields {
			email, _ := res.args[sch.firstOfKind(kindEmail)].(string)
			if _, set := res.args[f.name]; set || f.kind != kindCompany || email == "" {
				continue
			}
			for _, msg := range t.msgs {
				m := findMentions(r.m.an, msg.text, r.now)
				toks := tokenize(m.masked)
				if v, _, ok := companyOfDomain(m.masked, toks, make([]bool, len(toks)), []string{email}); ok {
					res.args[f.name] = v
					break
				}
			}
		}
	}
	// Free text: the subject from the first message that has content, the
	// description from all of them.
	var content []string
	for _, ts := range texts {
		if ts.content {
			content = append(content, ts.stripped)
		}
	}
	for _, f := range sch.fields {
		if f.kind != kindText {
			continue
		}
		if _, set := res.args[f.name]; set || len(content) == 0 {
			continue
		}
		switch {
		case nameHas(f.name, "subject", "title", "asunto", "summary"):
			res.args[f.name] = subjectOf(r.m.an, content[0])
		case nameHas(f.name, "query", "question"):
			res.args[f.name] = content[len(content)-1]
		default:
			res.args[f.name] = strings.Join(content, " ")
		}
	}
	// The caller's own name, email and phone that the task's messages did
	// not give come from what the conversation said before (the latest,
	// more current than the contact record), else from what the turn
	// context knows: the caller is never asked again.
	tc := r.conv.tc
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; set || !callerField(f) || !ofRole(f, tc.Role) {
			continue
		}
		var v string
		switch f.kind {
		case kindEmail:
			v = cmp.Or(r.known.email, tc.Email)
		case kindPersonName:
			v = cmp.Or(r.known.name, tc.Name)
		case kindPhone:
			v = cmp.Or(r.known.phone, tc.Phone)
		}
		if v != "" {
			res.args[f.name] = v
		}
	}
	// A required choice the request leaves open, made in the caller's
	// messages before it ("queremos automatizar correos" before "nos
	// hacen una demo?" is about the marketing platform).
	// So can what the caller said of themselves there ("los 25
	// vendedores que tenemos" before "somos Ferretería El Tornillo").
	var before []textSlots
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; set || !fromEarlier[f.kind] || (f.kind == kindEnum && !f.required) || !callerField(f) {
			continue
		}
		if before == nil && len(r.earlier) > 0 {
			for _, prev := range r.earlier {
				before = append(before, r.extract(t.tool, prev, t.said))
			}
		}
		for _, ts := range before {
			if v, ok := ts.values[f.name]; ok {
				res.args[f.name] = v
				break
			}
		}
	}
	// A required choice about the caller that no message names, read from
	// what the knowledge base found for the turn: "generar contratos y
	// propuestas en automático" finds the pages of the document product,
	// whose titles name what the field's description glosses the value as.
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; set || f.kind != kindEnum || !f.required || !callerField(f) {
			continue
		}
		if v := r.passagesEnum(t.tool, f); v != "" {
			res.args[f.name] = v
		}
	}
	// The course the conversation was about, for a request that names none.
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; !set && f.kind == kindCourse && r.known.course != "" {
			res.args[f.name] = r.known.course
		}
	}
	// "what's the status of that ticket?": a required identifier the
	// message leaves out is the one the conversation last produced in
	// the form the field's description shows (the "T-000001" of the
	// ticket just opened), rather than asked for again.
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; set || !f.required || f.kind != kindRef {
			continue
		}
		if v := r.lastCodeLike(f); v != "" {
			res.args[f.name] = v
		}
	}
	// "custom needs from and to": the value an enum's description says
	// the other fields need is what they mean when they are given.
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; set || f.kind != kindEnum {
			continue
		}
		if v := neededBy(f, sch, res.args); v != "" {
			res.args[f.name] = v
		}
	}
	// A field for one kind of document only ("for a certificate: the
	// course") is no argument of another: an invoice that mentions a
	// course carries no course.
	for _, f := range sch.fields {
		if sel, ok := res.args[f.onlyOf].(string); ok && f.onlyFor != "" && sel != f.onlyFor {
			delete(res.args, f.name)
		}
	}
	for _, f := range sch.fields {
		if _, set := res.args[f.name]; !set && (f.required || fallsBackToKnown(f)) {
			res.missing = append(res.missing, f.name)
		}
	}
	res.missing = askOrder(sch, res.missing)
	return res
}

// passagesEnum is enumFromPassages for the turn's passages, read once per
// run and field: every fill of the tool asks it again.
func (r *run) passagesEnum(t *toolDef, f field) string {
	key := t.name + "\x00" + f.name
	if v, ok := r.fromPassages[key]; ok {
		return v
	}
	v := enumFromPassages(r.m.an, f, r.conv.tc.Passages)
	if r.fromPassages == nil {
		r.fromPassages = map[string]string{}
	}
	r.fromPassages[key] = v
	return v
}

// enumFromPassages is the value of an enum field that the titles of the
// best passages name (each a gloss of the value in full), the first
// passage counting most; "" unless one value clearly leads. Only titles
// and headings are read: a page's text mentions everything the business
// sells, its title what the page is about.
func enumFromPassages(an *analyzer, f field, ps []passage) string {
	votes := make([]float64, len(f.enum))
	for i, p := range ps[:min(len(ps), 3)] {
		ws := an.analyze(p.Title + " " + p.Heading)
		for k, sc := range enumScores(f.enum, f.enumWords, ws) {
			if sc >= 0.99 {
				votes[k] += 1 / float64(i+1)
			}
		}
	}
	best, second := -1, 0.0
	for k, v := range votes {
		switch {
		case best < 0 || v > votes[best]:
			if best >= 0 {
				second = votes[best]
			}
			best = k
		case v > second:
			second = v
		}
	}
	if best < 0 || votes[best] < 1 || second >= votes[best]/2 {
		return ""
	}
	return f.enum[best]
}

// fromEarlier are the kinds of argument the caller's earlier messages may
// give a request: what describes them or their company, and a required
// choice. Not free text, dates, references or lists, which belong to the
// message that asks.
var fromEarlier = map[fieldKind]bool{
	kindEnum: true, kindInteger: true, kindNumber: true, kindCompany: true, kindCountry: true, kindIndustry: true, kindTimeline: true,
}

// askOrder orders the missing fields for asking: what identifies the
// person (an email, then a phone) comes before what describes them (a
// name, a company, free text), since with it the rest can be looked up or
// followed up on. What the request is about (a course, a category) keeps
// its place in the schema's order.
func askOrder(sch schema, missing []string) []string {
	var ids, out []string
	for _, name := range missing {
		if f, _ := sch.field(name); f.kind == kindEmail || f.kind == kindPhone {
			ids = append(ids, name)
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		fa, _ := sch.field(a)
		fb, _ := sch.field(b)
		return int(fa.kind) - int(fb.kind) // kindEmail < kindPhone
	})
	for _, name := range missing {
		f, _ := sch.field(name)
		switch f.kind {
		case kindEmail, kindPhone:
			// At the latest where the schema has them.
			out = append(out, ids...)
			ids = nil
			continue
		case kindPersonName, kindCompany, kindCountry, kindIndustry, kindTimeline, kindText, kindOther:
			out = append(out, ids...)
			ids = nil
		}
		out = append(out, name)
	}
	return append(out, ids...)
}

// fallsBackToKnown reports an optional field of the caller's email that
// the tool fills itself with the one it knows ("Leave it out to use the
// one we know for the user"). Still empty here, nobody knows one: the tool
// would refuse the call for the want of it, so it is asked for first.
func fallsBackToKnown(f field) bool {
	if f.required || f.kind != kindEmail || !callerField(f) {
		return false
	}
	d := fold(f.description)
	return strings.Contains(d, "we know") || strings.Contains(d, "known") || strings.Contains(d, "conocemos") || strings.Contains(d, "conocido")
}

// customerWords are how field descriptions name the academy's customers.
var customerWords = lexWords("customer_words")

// ofRole reports whether a field of a person's details can be the
// caller's, given their role: "The prospect's full name" is not a staff
// member's, who records a lead for someone else. A prospect or a student
// is the customer such descriptions speak of (a prospect enrolling
// becomes "the student").
func ofRole(f field, role string) bool {
	if role != roleStaff {
		return true
	}
	d := fold(f.description)
	for w := range customerWords {
		if containsWord(d, w) {
			return false
		}
	}
	return true
}

// containsWord reports whether s has w as a whole word (or words).
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordByte(s[j-1])
		after := j+len(w) == len(s) || !isWordByte(s[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

// callerField reports whether f asks for the caller's own details rather
// than someone else's (a client's email on a document).
func callerField(f field) bool {
	d := fold(f.description)
	for _, w := range []string{"client", "cliente", "customer", "recipient", "destinatario", "other", "otra persona", "third"} {
		if strings.Contains(d, w) {
			return false
		}
	}
	return true
}

// textSlots are the values found in one text.
type textSlots struct {
	values   map[string]any
	content  bool   // it says something beyond the request itself
	stripped string // the text without a leading greeting
}

// extract finds every field's value in one text, strictly: a value counts
// only when the text says what it is ("50 empleados", "presupuesto 5k"),
// or when its form leaves no doubt (an email).
func (r *run) extract(tool *toolDef, text string, said bool) textSlots {
	ts := textSlots{values: map[string]any{}, stripped: stripGreeting(text)}
	m := findMentions(r.m.an, text, r.now)
	toks := tokenize(m.masked)
	ws := r.m.an.analyzeTokens(toks)
	used := make([]bool, len(toks)) // tokens taken by a name or company
	sch := tool.schema

	emails, phones := 0, 0
	for _, f := range sch.fields {
		switch f.kind {
		case kindEmail:
			if emails < len(m.emails) {
				ts.values[f.name] = m.emails[emails].value
				emails++
			}
		case kindPhone:
			if phones < len(m.phones) {
				ts.values[f.name] = m.phones[phones].value
				phones++
			}
		case kindEnum:
			if v, ok := matchEnum(f.enum, f.enumWords, ws, false); ok {
				if !r.languageIsTopic(f, ws) {
					ts.values[f.name] = v
				}
			} else if v, ok := r.askedEnum(f, text); ok {
				ts.values[f.name] = v
			} else if v, ok := coursesValue(f); ok && r.titleWritten(text) {
				// "she wants a private cohort of AI Strategy for
				// Managers": a course of the catalogue, its title
				// written out, is an interest in courses.
				ts.values[f.name] = v
			}
		case kindEnumList:
			if vs := matchEnumList(f.itemEnum, f.itemEnumWords, ws); len(vs) > 0 {
				ts.values[f.name] = vs
			}
		case kindCourse:
			if slug, ok := r.matchCourseFor(tool, text, false); ok {
				ts.values[f.name] = slug
			}
		case kindPersonName:
			if v, span, ok := extractName(r.m.an, m.masked, toks, false, m.emailValues()); ok {
				ts.values[f.name] = v
				markUsed(used, span)
			}
		case kindCountry:
			if v, ok := extractCountry(toks); ok {
				ts.values[f.name] = v
			}
		case kindIndustry:
			if v, ok := extractIndustry(m.masked); ok {
				ts.values[f.name] = v
			}
		case kindTimeline:
			if v, ok := extractTimeline(m.masked); ok {
				ts.values[f.name] = v
			}
		case kindTopic:
			if v, ok := r.topicOf(tool, toks, ws); ok {
				ts.values[f.name] = v
			}
		case kindObject:
			v := keyValues(text)
			chosen, _ := ts.values[f.objOf].(string)
			for k, x := range r.objectValues(f.objVars, chosen, text, false) {
				if _, set := v[k]; !set {
					v[k] = x
				}
			}
			if len(v) > 0 {
				ts.values[f.name] = v
			}
		case kindBool:
			if flagAsked(r.m.an, f, ws) {
				ts.values[f.name] = true
			}
		}
	}
	for _, f := range sch.fields {
		if f.kind == kindCompany {
			v, span, ok := extractCompany(m.masked, toks, used)
			// "we're a law firm, Whitfield & Crane … looking at Brujula
			// Docs … m.crane@whitfieldcrane.example": what the email's
			// domain is made of is the company, not what a cue ("at")
			// happens to precede.
			if dv, dspan, dok := companyOfDomain(m.masked, toks, used, m.emailValues()); dok && !said && (!ok || !inDomains(v, m.emailValues())) {
				v, span, ok = dv, dspan, true
			}
			if !ok && !said {
				v, span, ok = companyInList(m.masked, toks, used)
			}
			if ok {
				ts.values[f.name] = v
				markUsed(used, span)
			}
		}
	}
	// Dates go to date fields in order; a lone date after "hasta"/"until"
	// goes to the field that ends a range.
	var dateFields []field
	for _, f := range sch.fields {
		if f.kind == kindDate {
			dateFields = append(dateFields, f)
		}
	}
	if len(m.dates) == 0 && len(dateFields) == 2 {
		// "new customers in November", "o churn de outubro": a month
		// alone is a range, its first day to its last, of the latest
		// such month up to now (a report looks back).
		if first, ok := monthAlone(toks, r.now); ok {
			ts.values[dateFields[0].name] = formatDate(dateFields[0], dateMention{date: first})
			ts.values[dateFields[1].name] = formatDate(dateFields[1], dateMention{date: first.AddDate(0, 1, -1)})
		} else if from, ok := sinceWeekday(toks, r.now); ok {
			// "since monday", "desde el martes": from that day to
			// today; from this week's first day, this week as the tool
			// names it, if it does.
			today := time.Date(r.now.Year(), r.now.Month(), r.now.Day(), 0, 0, 0, 0, time.UTC)
			monday := today.AddDate(0, 0, -(int(today.Weekday())+6)%7)
			for _, f := range sch.fields {
				if f.kind != kindEnum || !slices.Contains(f.enum, periodCustom) {
					continue
				}
				if v, set := ts.values[f.name]; set && v != periodCustom {
					continue
				}
				if from.Equal(monday) {
					if v, ok := matchEnum(f.enum, f.enumWords, r.m.an.analyze(label("this_week", langEN)), false); ok {
						ts.values[f.name] = v
						continue
					}
				}
				ts.values[f.name] = periodCustom
				ts.values[dateFields[0].name] = formatDate(dateFields[0], dateMention{date: from})
				ts.values[dateFields[1].name] = formatDate(dateFields[1], dateMention{date: today})
			}
		} else if from, to, ok := previousPeriod(r.m.an, toks, r.now); ok {
			// "last quarter", "a semana passada": the calendar unit
			// before this one, as a custom range, when the tool names no
			// such period itself ("last_month" says it better).
			for _, f := range sch.fields {
				if f.kind != kindEnum || !slices.Contains(f.enum, periodCustom) {
					continue
				}
				if v, set := ts.values[f.name]; !set || v == periodCustom {
					ts.values[f.name] = periodCustom
					ts.values[dateFields[0].name] = formatDate(dateFields[0], dateMention{date: from})
					ts.values[dateFields[1].name] = formatDate(dateFields[1], dateMention{date: to})
				}
			}
		}
	}
	if len(m.dates) == 1 && len(dateFields) > 1 && isEndWord(m.dates[0].before) {
		for _, f := range dateFields {
			if nameHas(f.name, "to", "until", "end", "hasta", "fin") {
				ts.values[f.name] = formatDate(f, m.dates[0])
			}
		}
	} else {
		for i, f := range dateFields {
			if i < len(m.dates) {
				ts.values[f.name] = formatDate(f, m.dates[i])
			}
		}
	}
	for name, v := range assignNumbers(r.m.an, sch.fields, m.numbers) {
		ts.values[name] = v
	}
	// Explicit "field: value" pairs, for fields no extractor knows.
	for _, f := range sch.fields {
		if _, set := ts.values[f.name]; set || (f.kind != kindOther && f.kind != kindRef) {
			continue
		}
		if v, ok := labelledValue(text, f); ok {
			ts.values[f.name] = v
		}
	}
	// "hoje", "today" are a date and a period both: a period the tool
	// names ("today") says it better than a custom range from today.
	if len(m.dates) > 0 {
		full := r.m.an.analyze(text)
		for _, f := range sch.fields {
			if _, set := ts.values[f.name]; set || f.kind != kindEnum {
				continue
			}
			if v, ok := matchEnum(f.enum, f.enumWords, full, false); ok {
				ts.values[f.name] = v
				for _, d := range sch.fields {
					if d.kind == kindDate {
						delete(ts.values, d.name)
					}
				}
			}
		}
	}
	ts.content = hasContent(tool, toks, ws, used)
	return ts
}

// flagAsked reports a boolean field that names something the message asks
// for: "demo_requested" when the user wants a demo. Only true is ever set:
// not asking is not saying no.
func flagAsked(an *analyzer, f field, ws []word) bool {
	var named []word
	for _, w := range an.analyze(strings.ReplaceAll(f.name, "_", " ")) {
		switch w.fold {
		case "requested", "wanted", "wants", "asked", "is", "has", "flag", "requiere", "quiere":
			continue
		}
		if !w.stop {
			named = append(named, w)
		}
	}
	if len(named) == 0 || !slices.ContainsFunc(ws, func(w word) bool { return w.concept == "want" || w.concept == "need" }) {
		return false
	}
	for _, n := range named {
		if bestMatch(n, ws) < 0.8 {
			return false
		}
	}
	return true
}

func markUsed(used []bool, span [2]int) {
	for i := span[0]; i < span[1] && i < len(used); i++ {
		used[i] = true
	}
}

func isEndWord(w string) bool {
	switch w {
	case "hasta", "until", "till", "to", "al", "ate", "through":
		return true
	}
	return false
}

func formatDate(f field, d dateMention) string {
	if f.format == "date-time" {
		return d.date.Format("2006-01-02T15:04:05Z07:00")
	}
	return d.date.Format("2006-01-02")
}

// lenient reads the answer to a question the engine asked: the whole reply
// is about that field, so a bare "Ana", "Acme" or "50" is the value. bad
// reports a reply that tried but failed (no valid email in it).
func (r *run) lenient(tool *toolDef, f field, text string) (v any, ok, bad bool) {
	m := findMentions(r.m.an, text, r.now)
	toks := tokenize(m.masked)
	ws := r.m.an.analyzeTokens(toks)
	reply := strings.TrimSpace(stripGreeting(text))
	switch f.kind {
	case kindEmail:
		// Something with an @ was meant as the address; anything else is
		// just not an answer.
		return nil, false, strings.Contains(text, "@")
	case kindPhone:
		return nil, false, true
	case kindEnum:
		if v, ok := matchEnum(f.enum, f.enumWords, ws, true); ok {
			return v, true, false
		}
		return nil, false, true
	case kindEnumList:
		if vs := matchEnumListLoose(f.itemEnum, f.itemEnumWords, ws); len(vs) > 0 {
			return vs, true, false
		}
		return nil, false, true
	case kindCourse:
		if slug, ok := r.matchCourseFor(tool, text, true); ok {
			return slug, true, false
		}
		if len(r.courses()) == 0 && reply != "" && !strings.Contains(reply, " ") {
			return reply, true, false // no catalogue to check against: a slug as written
		}
		return nil, false, true
	case kindPersonName:
		if v, _, ok := extractName(r.m.an, m.masked, toks, true, m.emailValues()); ok {
			return v, true, false
		}
		return nil, false, true
	case kindCompany:
		if v, ok := bareValue(reply, []string{"se llama", "es", "la empresa es", "mi empresa es", "my company is", "it's", "its", "it is", "we are", "somos", "chama", "e"}); ok {
			return v, true, false
		}
	case kindInteger, kindNumber, kindRef:
		for _, n := range m.numbers {
			if f.kind == kindInteger && n.value != math.Trunc(n.value) {
				continue
			}
			return numberValue(f, n), true, false
		}
		if f.kind == kindRef {
			if c := reCode.FindString(text); c != "" {
				return c, true, false
			}
		}
		for _, t := range toks {
			if v, ok := numberWords[t.fold]; ok && f.kind != kindRef {
				return numberValue(f, numMention{value: v, raw: t.raw}), true, false
			}
		}
		return nil, false, true
	case kindDate:
		if len(m.dates) > 0 {
			return formatDate(f, m.dates[0]), true, false
		}
		return nil, false, true
	case kindBool:
		switch {
		case isAffirmation(toks):
			return true, true, false
		case isDenial(toks):
			return false, true, false
		}
		return nil, false, true
	case kindObject:
		if kv := keyValues(text); len(kv) > 0 {
			return kv, true, false
		}
		return nil, false, true
	case kindText:
		if reply != "" {
			if nameHas(f.name, "subject", "title", "asunto", "summary") {
				return subjectOf(r.m.an, reply), true, false
			}
			return reply, true, false
		}
	case kindCountry:
		if v, ok := extractCountry(toks); ok {
			return v, true, false
		}
		if v, ok := bareValue(reply, []string{"desde", "de", "from", "en", "in", "soy de", "i'm from", "estoy en", "sou de"}); ok {
			return v, true, false
		}
	case kindIndustry, kindTimeline, kindTopic, kindOther:
		if reply != "" {
			return strings.TrimRight(reply, ".!?¿¡ "), true, false
		}
	}
	return nil, false, false
}

// bareValue strips a leading phrase ("se llama", "it's") from a short reply
// and returns the rest, if the reply is short enough to be just a value.
func bareValue(reply string, prefixes []string) (string, bool) {
	s := strings.TrimSpace(strings.TrimRight(reply, ".!?¿¡ "))
	low := fold(s)
	for _, p := range prefixes {
		if strings.HasPrefix(low, p+" ") {
			// Cut by words: folding may change the byte length of the
			// prefix as written ("está" → "esta").
			n := len(strings.Fields(p))
			if fields := strings.Fields(s); len(fields) > n {
				s = strings.Join(fields[n:], " ")
			}
			break
		}
	}
	if s == "" || wordCount(s) > 6 {
		return "", false
	}
	return s, true
}

// numberValue converts a number to the field's JSON type.
func numberValue(f field, n numMention) any {
	switch {
	case f.kind == kindRef && n.written != "":
		// An identifier goes as written ("T-000231", "#45"): its zeros
		// and letters are part of it.
		return n.written
	case f.kind == kindRef || (f.typ == "string"):
		if n.value == math.Trunc(n.value) {
			return strconv.FormatFloat(n.value, 'f', -1, 64)
		}
		return strings.TrimPrefix(n.raw, "#")
	case f.typ == "integer":
		return int64(math.Round(n.value))
	}
	return n.value
}

// assignNumbers gives each numeric field the number that the words around
// it point to ("50 empleados" → company_size, "5k USD" → budget, "ticket
// 4521" → number). A number whose context names no field goes to the only
// numeric field there is, if it fits its type.
func assignNumbers(an *analyzer, fields []field, nums []numMention) map[string]any {
	out := map[string]any{}
	var numeric []field
	for _, f := range fields {
		if f.kind == kindInteger || f.kind == kindNumber || f.kind == kindRef {
			numeric = append(numeric, f)
		}
	}
	if len(numeric) == 0 || len(nums) == 0 {
		return out
	}
	type pair struct {
		f     int
		n     int
		score float64
	}
	// Words that name other fields ("company" of company_size, also a
	// field) do not point a number to this one.
	others := map[string]bool{}
	for _, f := range fields {
		if !strings.Contains(f.name, "_") {
			for _, w := range an.analyze(f.name) {
				others[wordKey(w)] = true
			}
		}
	}
	var pairs []pair
	for fi, f := range numeric {
		var fctx []word
		for _, w := range an.analyze(strings.ReplaceAll(f.name, "_", " ") + " " + f.description) {
			if !others[wordKey(w)] || strings.EqualFold(f.name, w.fold) {
				fctx = append(fctx, w)
			}
		}
		money := moneyField(f)
		for ni, n := range nums {
			s := 0.0
			for _, w := range n.ctx {
				if w.stop {
					continue
				}
				for _, fw := range fctx {
					if !fw.stop && w.matches(fw) >= 0.8 {
						// A count of people ("25 sales reps") says what it
						// is more surely than a field's word nearby
						// ("…, budget 5000").
						if w.concept == "employee" && fw.concept == "employee" {
							s = max(s, 1.1)
							// "60 funcionários" says so in words; "3
							// clínicas" was only guessed to count people
							// (countsPeople): the word wins.
							if headcount[w.fold] || concepts.of(w.fold, "", "") != "" {
								s = max(s, 1.15)
							}
						} else {
							s = max(s, 1)
						}
					}
				}
			}
			switch {
			case n.money && money:
				s += 0.8
			case n.money && f.kind == kindInteger:
				s -= 1
			case n.money:
				s += 0.1
			}
			if (n.hash || n.code) && (f.kind == kindRef || nameHas(f.name, "number", "id", "numero")) {
				s += 0.8
			}
			if n.code && (f.kind == kindInteger || f.kind == kindNumber) {
				s -= 1 // an identifier is no quantity
			}
			if n.percent && !percentField(f) {
				s -= 2 // "25%" is a share, not a count or an amount
			}
			if f.kind == kindInteger && n.value != math.Trunc(n.value) {
				s -= 2
			}
			if f.kind == kindInteger && math.Abs(n.value) > 1e12 {
				s -= 2
			}
			pairs = append(pairs, pair{fi, ni, s})
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	fieldDone := make([]bool, len(numeric))
	numDone := make([]bool, len(nums))
	for _, p := range pairs {
		if p.score < 0.8 || fieldDone[p.f] || numDone[p.n] {
			continue
		}
		out[numeric[p.f].name] = numberValue(numeric[p.f], nums[p.n])
		fieldDone[p.f], numDone[p.n] = true, true
	}
	// One numeric field and one number left with nothing against it.
	if len(numeric) == 1 && len(nums) == 1 && !fieldDone[0] {
		for _, p := range pairs {
			if p.score >= 0 {
				out[numeric[0].name] = numberValue(numeric[0], nums[0])
			}
		}
	}
	return out
}

// percentField reports whether a number field holds a percentage.
func percentField(f field) bool {
	d := fold(f.name + " " + f.description)
	for _, w := range []string{"percent", "porcentaje", "porcentagem", "%", "discount", "descuento", "desconto", "rate", "tasa", "taxa"} {
		if strings.Contains(d, w) {
			return true
		}
	}
	return false
}

// moneyField reports whether a number field holds an amount of money.
func moneyField(f field) bool {
	if f.kind != kindNumber {
		return false
	}
	d := fold(f.name + " " + f.description)
	for _, w := range []string{"budget", "price", "amount", "cost", "usd", "dollar", "presupuesto", "precio", "monto", "importe", "eur", "revenue", "fee"} {
		if strings.Contains(d, w) {
			return true
		}
	}
	return false
}

// matchEnum finds the enum value the words name: the value itself ("mrr",
// "pdf"), its words through the concept table ("factura" → billing, "mes
// pasado" → last_month), or its label in any language. loose (an answer to
// the question that listed the values) accepts weaker matches and "other".
func matchEnum(values []string, phrases [][][]word, ws []word, loose bool) (string, bool) {
	scores := enumScores(values, phrases, ws)
	best, second := -1, -1
	for i, s := range scores {
		if !loose && values[i] == "other" {
			continue // "otro" is a common word ("otro curso"), not a category
		}
		if best < 0 || s > scores[best] {
			best, second = i, best
		} else if second < 0 || s > scores[second] {
			second = i
		}
	}
	if best < 0 {
		return "", false
	}
	min := 0.6
	if loose {
		min = 0.45
	}
	if scores[best] < min || (second >= 0 && scores[second] >= scores[best]-0.005) {
		return "", false
	}
	return values[best], true
}

// askedEnum is the one value of an enum field that the message's
// questions name, when its other sentences name another: "list every
// course taught in English? my spanish is nonexistent" asks for English,
// and says Spanish only of the speaker.
func (r *run) askedEnum(f field, text string) (string, bool) {
	asked, other := "", ""
	rest := text
	for rest != "" {
		clause, mark := rest, ""
		if loc := reClauses.FindStringIndex(rest); loc != nil {
			clause, mark, rest = rest[:loc[0]], rest[loc[0]:loc[1]], rest[loc[1]:]
		} else {
			rest = ""
		}
		v, ok := matchEnum(f.enum, f.enumWords, r.m.an.analyze(clause), false)
		switch {
		case !ok:
		case !strings.Contains(mark, "?"):
			other = v
		case asked != "" && asked != v:
			return "", false
		default:
			asked = v
		}
	}
	return asked, asked != "" && other != "" && other != asked
}

// matchEnumList finds every value the words name fully, for an array of
// enum values (metrics: "mrr y churn").
func matchEnumList(values []string, phrases [][][]word, ws []word) []string {
	var out []string
	for i, s := range enumScores(values, phrases, ws) {
		if s >= 0.99 && values[i] != "other" {
			out = append(out, values[i])
		}
	}
	return out
}

func matchEnumListLoose(values []string, phrases [][][]word, ws []word) []string {
	if out := matchEnumList(values, phrases, ws); len(out) > 0 {
		return out
	}
	if v, ok := matchEnum(values, phrases, ws, true); ok {
		return []string{v}
	}
	return nil
}

// timeModifiers say which of a kind of period: this one, the last, the
// next.
var timeModifiers = map[string]bool{"this": true, "last": true, "next": true}

// genericConcepts modify an enum value's meaning without carrying it
// ("this" of this_month): they weigh half.
var genericConcepts = map[string]bool{"this": true, "last": true, "next": true, "new": true, "rate": true}

// enumPhraseWords analyses the phrases that name each enum value: the
// value written out ("last_month" → "last month"), its labels in each
// language, and what the field's description says of it in parentheses
// (see enumGlosses).
func enumPhraseWords(an *analyzer, values []string, description string) [][][]word {
	out := make([][][]word, len(values))
	for i, v := range values {
		phrases := []string{strings.NewReplacer("_", " ", "-", " ").Replace(v)}
		if t, ok := labels[v]; ok {
			phrases = append(phrases, t.all...)
		}
		phrases = append(phrases, enumGlosses(description, v)...)
		for _, p := range phrases {
			out[i] = append(out[i], an.analyze(p))
		}
	}
	return out
}

// coursesValue returns the value of an enum field that means courses
// alone: one of its phrases is a single word of the course concept
// ("courses"), not more ("course content").
func coursesValue(f field) (string, bool) {
	for i, phrases := range f.enumWords {
		for _, p := range phrases {
			if len(p) == 1 && p[0].concept == "course" {
				return f.enum[i], true
			}
		}
	}
	return "", false
}

// titleWritten reports whether the text writes out the title of a course
// of the catalogue, in any language: not a word of it, which may mean
// something else ("agentes", "datos").
func (r *run) titleWritten(text string) bool {
	low := " " + strings.Join(folds(text), " ") + " "
	for _, c := range r.courses() {
		for _, t := range c.Titles {
			if ft := strings.Join(folds(t), " "); len(ft) > 0 && strings.Contains(low, " "+ft+" ") {
				return true
			}
		}
	}
	return false
}

// enumGlosses reads what a field's description says an enum value means,
// in parentheses after it: "billing (payments, invoices, refunds)" glosses
// billing as three phrases, "marketing_saas (the marketing automation
// SaaS)" as one.
func enumGlosses(description, value string) []string {
	re, err := regexp.Compile(`(?i)(?:^|[^\pL\pN_])` + regexp.QuoteMeta(value) + `\s*\(([^)]*)\)`)
	if err != nil {
		return nil
	}
	var out []string
	for _, g := range re.FindAllStringSubmatch(description, -1) {
		for _, p := range strings.Split(g[1], ",") {
			for _, q := range strings.Split(p, " or ") {
				if q = strings.TrimSpace(q); q != "" {
					out = append(out, q)
				}
			}
		}
	}
	return out
}

// enumScores scores each value by the words ws; phrases are
// enumPhraseWords(values).
func enumScores(values []string, phrases [][][]word, ws []word) []float64 {
	scores := make([]float64, len(values))
	for i, v := range values {
		fv := fold(v)
		// The value written as is ("mrr", "pdf", "course_content").
		// Two-letter codes ("es", "en") are common words: only their
		// labels count.
		// Denied, it is the value not wanted ("html version pls, not
		// pdf").
		if utf8.RuneCountInString(fv) > 2 {
			for j, w := range ws {
				if (w.fold == fv || w.fold == strings.ReplaceAll(fv, "_", "")) && !negatedAt(ws, j) {
					scores[i] = 1.1
				}
			}
		}
		if scores[i] > 0 {
			continue
		}
		var hits map[string]bool
		for _, pw := range phrases[i] {
			if c := coverage(pw, ws); c > 0 {
				scores[i] = max(scores[i], c)
				// Ties break towards the value more words point to
				// ("entrar" and "contraseña" say access; "error" technical).
				for _, w := range ws {
					if !w.stop && bestMatch(w, pw) >= 0.8 {
						if hits == nil {
							hits = map[string]bool{}
						}
						hits[w.fold] = true
					}
				}
			}
		}
		scores[i] += 0.01 * float64(len(hits))
		// "a video that does not load" is what "los videos no cargan"
		// says: a negated word of a phrase negated in the message too
		// tells it from a value sharing only the nouns ("course content").
		for _, pw := range phrases[i] {
			if negatedMatch(pw, ws) {
				scores[i] += 0.03
				break
			}
		}
	}
	return scores
}

// negations deny the word after them, in each language.
var negations = lexWords("negations")

// nothingWords deny that something exists or happened.
var nothingWords = lexWords("nothing_words")

// negatedMatch reports whether a word the phrase negates ("not load") is
// negated in ws too ("no cargan", "won't load"): a negation up to two
// words before it in each.
func negatedMatch(phrase, ws []word) bool {
	for i, p := range phrase {
		if p.stop || !negatedAt(phrase, i) {
			continue
		}
		for j, w := range ws {
			if !w.stop && p.matches(w) >= 0.8 && negatedAt(ws, j) {
				return true
			}
		}
	}
	return false
}

func negatedAt(ws []word, i int) bool {
	for k := i - 1; k >= 0 && ws[i].pos-ws[k].pos <= 2; k-- {
		if negations[ws[k].fold] {
			return true
		}
	}
	return false
}

// coverage is how much of the phrase's meaning the words contain, each
// phrase word weighing 1 (0.5 for a generic modifier), 0 when none of its
// core words is there.
func coverage(phrase, ws []word) float64 {
	var got, total float64
	core := false
	for _, p := range phrase {
		if p.stop {
			continue
		}
		// "la semana pasada" is not "esta semana": a phrase's "this",
		// "last" or "next" against another of them in the message.
		if timeModifiers[p.concept] && slices.ContainsFunc(ws, func(w word) bool { return timeModifiers[w.concept] && w.concept != p.concept }) &&
			!slices.ContainsFunc(ws, func(w word) bool { return w.concept == p.concept }) {
			return 0
		}
		weight := 1.0
		switch {
		case p.concept == "this":
			// The present is the unmarked one: "los leads del mes" are
			// this month's, while the last or next must be said.
			weight = 0.25
		case genericConcepts[p.concept]:
			weight = 0.5
		}
		total += weight
		best := 0.0
		for _, w := range ws {
			best = max(best, p.matches(w))
		}
		got += weight * best
		if best >= 0.8 && weight == 1 {
			core = true
		}
	}
	if total == 0 || !core {
		return 0
	}
	return got / total
}

// nameTriggers introduce a person's name. Strict ones ("soy", "I'm") also
// introduce other things ("soy de Chile", "I'm interested"), so the name
// after them must be capitalised.
var nameTriggers = append(triggersOf(lexCues("name_triggers"), false), triggersOf(lexCues("strict_name_triggers"), true)...)

type nameTrigger struct {
	words  []string
	strict bool
}

func triggersOf(cues [][]string, strict bool) []nameTrigger {
	out := make([]nameTrigger, len(cues))
	for i, c := range cues {
		out[i] = nameTrigger{c, strict}
	}
	return out
}

// notNames are words that follow "soy" or "I'm" without being a name.
var notNames = lexWords("not_names")

// extractName finds a person's name introduced by "me llamo", "soy",
// "I'm"... loose (an answer to "what's your name?") also takes a short
// reply that is only a name; with emails (the message gives some) it also
// takes a capitalised name standing alone beside them. It returns the name
// and its token span.
func extractName(an *analyzer, text string, toks []token, loose bool, emails []string) (string, [2]int, bool) {
	for i := range toks {
		for _, tr := range nameTriggers {
			if !phraseAt(toks, i, tr.words) {
				continue
			}
			strict := tr.strict && !loose
			start := i + len(tr.words)
			// "sou a Fernanda", "sou o Pedro": Portuguese puts an article
			// before a name.
			if tr.words[len(tr.words)-1] == "sou" && start+1 < len(toks) && (toks[start].fold == "a" || toks[start].fold == "o") {
				start++
			}
			if name, end, ok := nameAt(an, text, toks, start, strict); ok {
				return name, [2]int{start, end}, true
			}
		}
	}
	// "Daniel Okafor here, …", "Ana aquí": a name that introduces itself
	// at the start of the message.
	for start := 0; start < min(len(toks), 3); start++ {
		if name, end, ok := nameAt(an, text, toks, start, true); ok && end < len(toks) && (toks[end].fold == "here" || toks[end].fold == "aqui") {
			return name, [2]int{start, end}, true
		}
	}
	if loose && len(toks) >= 1 && len(toks) <= 4 {
		if name, end, ok := nameAt(an, text, toks, 0, false); ok && end == len(toks) {
			return name, [2]int{0, end}, true
		}
	}
	// "Ana Pérez, y nos interesa…": a capitalised name that opens the
	// answer and is cut off from the rest by punctuation.
	if loose && len(toks) > 1 {
		if name, end, ok := nameAt(an, text, toks, 0, true); ok && end < len(toks) && strings.TrimSpace(text[toks[end-1].end:toks[end].start]) != "" {
			return name, [2]int{0, end}, true
		}
	}
	// "Rachel Hale, rachel@…", "…@agenciapixel.com.br, Bruno Castro": a
	// capitalised name of two words or more standing alone between
	// punctuation, in a message that gives an email, is the person's.
	// Of several ("Priya Shah, Northwind Dental, …"), the one the email
	// is made of is the person; the others are a company's or a place's.
	if len(emails) > 0 {
		var first string
		var firstSpan [2]int
		for i := range toks {
			gap := ""
			if i > 0 {
				gap = text[toks[i-1].end:toks[i].start]
			}
			// "Empresa: Logística Norte" is the company's.
			if strings.Contains(gap, ":") && companyNouns[toks[i-1].fold] {
				continue
			}
			name, end, ok := nameAt(an, text, toks, i, true)
			if !ok || end-i < 2 {
				continue
			}
			ends := end == len(toks) || strings.ContainsAny(text[toks[end-1].end:toks[end].start], ",;.:-\n?!") || companyFollows(toks, end)
			// The name the email is made of, wherever it stands ("les
			// escribe Paula Méndez, …", paula.mendez@…).
			if ends && madeOf(emails, toks[i:end]) {
				return name, [2]int{i, end}, true
			}
			// Else one standing alone between punctuation, unless the
			// email's domain is made of it: that is the company's.
			if i > 0 && !strings.ContainsAny(gap, ",;.:-\n?!") || !ends {
				continue
			}
			if first == "" && !domainOf(emails, toks[i:end]) {
				first, firstSpan = name, [2]int{i, end}
			}
		}
		if first != "" {
			return first, firstSpan, true
		}
	}
	return "", [2]int{}, false
}

// emailParts returns an email's user part and the first label of its
// domain, folded: "Mia.R@ArborAdvisory.co" → "mia.r", "arboradvisory".
func emailParts(e string) (user, domain string) {
	user, host, _ := strings.Cut(fold(e), "@")
	domain, _, _ = strings.Cut(host, ".")
	return user, domain
}

// domainOf reports whether every word of a name is in an email's domain
// ("Arbor Advisory" of mia@arboradvisory.co).
func domainOf(emails []string, name []token) bool {
	for _, e := range emails {
		if _, d := emailParts(e); d != "" && !slices.ContainsFunc(name, func(t token) bool { return !strings.Contains(d, t.fold) }) {
			return true
		}
	}
	return false
}

// madeOf reports whether an email's user part holds one of the words of a
// name ("priya@…", "j.shah@…" of "Priya Shah").
func madeOf(emails []string, name []token) bool {
	for _, e := range emails {
		user, _ := emailParts(e)
		for _, t := range name {
			if utf8.RuneCountInString(t.fold) >= 3 && strings.Contains(user, t.fold) {
				return true
			}
		}
	}
	return false
}

// companyFollows reports a company introduced right after a name: "Dave
// Kim from Brightside Nurseries", "Ana Ruiz de Textiles Sur".
func companyFollows(toks []token, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	switch toks[i].fold {
	case "from", "at", "de", "del", "da", "do":
		first, _ := utf8.DecodeRuneInString(toks[i+1].raw)
		return unicode.IsUpper(first)
	}
	return false
}

// nameAt reads up to four name words from toks[i]. With strict, the first
// must be capitalised.
func nameAt(an *analyzer, text string, toks []token, i int, strict bool) (string, int, bool) {
	var parts []string
	j := i
	for ; j < len(toks) && len(parts) < 4; j++ {
		t := toks[j]
		if j > i && strings.TrimSpace(text[toks[j-1].end:t.start]) != "" {
			break // punctuation between words ends the name
		}
		first, _ := utf8.DecodeRuneInString(t.raw)
		if !isNameWord(an, t) {
			// A surname that is also a word ("Costa", "Rosa"): capitalised,
			// after a first name, and ending the name.
			if j > i && unicode.IsUpper(first) && plainWord(t) && nameEndsAfter(text, toks, j) {
				parts = append(parts, t.raw)
			}
			break
		}
		if strict && !unicode.IsUpper(first) {
			break
		}
		if j > i && !unicode.IsUpper(first) && strings.ToLower(text) != text {
			break // "Ana López quiero…": a lowercase word after a capitalised name is not part of it
		}
		parts = append(parts, t.raw)
	}
	if len(parts) == 0 {
		return "", 0, false
	}
	return titleCase(strings.Join(parts, " ")), i + len(parts), true
}

// plainWord reports whether t could be a name but for its meaning: letters,
// and no function word, month or country.
func plainWord(t token) bool {
	if notNames[t.fold] || isStopWord(t.fold) || isDigits(t.fold) || countryNames[t.fold] {
		return false
	}
	for _, r := range t.raw {
		if !unicode.IsLetter(r) && r != '\'' && r != '-' {
			return false
		}
	}
	_, month := monthNames[t.fold]
	return !month
}

// nameEndsAfter reports whether the name can end at toks[j]: the text ends,
// punctuation follows, or what introduces a company ("de", "from", "at").
func nameEndsAfter(text string, toks []token, j int) bool {
	if j+1 >= len(toks) || strings.TrimSpace(text[toks[j].end:toks[j+1].start]) != "" {
		return true
	}
	switch toks[j+1].fold {
	case "de", "del", "da", "do", "from", "at", "y", "and", "e":
		return true
	}
	return false
}

func isNameWord(an *analyzer, t token) bool {
	if notNames[t.fold] || isStopWord(t.fold) || isDigits(t.fold) {
		return false
	}
	for _, r := range t.raw {
		if !unicode.IsLetter(r) && r != '\'' && r != '-' {
			return false
		}
	}
	es, en := an.stems(t.fold)
	if concepts.of(t.fold, es, en) != "" {
		return false
	}
	if _, month := monthNames[t.fold]; month {
		return false
	}
	_, country := countryNames[t.fold]
	return !country
}

// companyTriggers precede a company's name. Those marked named ("se
// llama", "called") may be followed by a lowercase name; the others need a
// capitalised one, because "trabajo en marketing" names no company.
var companyTriggers = []struct {
	words []string
	named bool
	// proper: the name must open with a capital letter ("somos Grupo
	// Ferrox", not "somos 8 personas").
	proper bool
}{
	{[]string{"somos"}, false, true},
	{[]string{"we", "are"}, false, true},
	{[]string{"we're"}, false, true},
	{[]string{"we", "re"}, false, true},
	{[]string{"a", "empresa", "e"}, false, true},
	{[]string{"nossa", "empresa", "e"}, false, true},
	{[]string{"nuestra", "empresa", "es"}, false, true},
	{[]string{"se", "llama"}, true, false},
	{[]string{"llamada"}, true, false},
	{[]string{"called"}, true, false},
	{[]string{"named"}, true, false},
	{[]string{"chamada"}, true, false},
	{[]string{"empresa", "es"}, false, false},
	{[]string{"company", "is"}, false, false},
	{[]string{"trabajo", "en"}, false, false},
	{[]string{"trabajo", "para"}, false, false},
	{[]string{"trabajamos", "en"}, false, false},
	{[]string{"work", "at"}, false, false},
	{[]string{"work", "for"}, false, false},
	{[]string{"working", "at"}, false, false},
	{[]string{"trabalho", "na"}, false, false},
	{[]string{"trabalho", "no"}, false, false},
	{[]string{"trabalho", "em"}, false, false},
	{[]string{"empresa"}, false, false},
	{[]string{"company"}, false, false},
	{[]string{"agencia"}, false, false},
	{[]string{"agency"}, false, false},
	{[]string{"startup"}, false, false},
	{[]string{"de", "parte", "de"}, false, true},
	{[]string{"on", "behalf", "of"}, false, true},
	{[]string{"em", "nome", "da"}, false, true},
	{[]string{"em", "nome", "de"}, false, true},
	{[]string{"representing"}, false, true},
	{[]string{"de"}, false, false},
	{[]string{"from"}, false, false},
	{[]string{"at"}, false, false},
	{[]string{"da"}, false, false},
	{[]string{"do"}, false, false},
	{[]string{"na"}, false, false},
}

// placeTriggers are the bare prepositions of where someone works ("I run
// ops at Northwind Bakery", "somos 12 na Construtora Alvorada"): anywhere
// in the message, they introduce a company when a name of two capitalised
// words follows (one is as often a city). Not "no", Spanish's negation.
var placeTriggers = map[string]bool{"at": true, "na": true}

// copulas say what a company noun is called ("agency is Bright Pixel").
var copulas = [][]string{{"is"}, {"s"}, {"es"}, {"e"}, {"se", "llama"}, {"se", "chama"}, {"called"}, {"named"}}

// companyNouns are the triggers that may open the company's own name
// ("Agencia Lumen"): capitalised, they are part of it.
var companyNouns = map[string]bool{"empresa": true, "company": true, "agencia": true, "agency": true, "startup": true}

// extractCompany finds a company's name: "trabajo en Acme", "mi empresa se
// llama acme", or the "de Acme" after a name the user gave ("soy Ana de
// Acme"). used marks tokens already taken (the person's name), which a
// bare "de"/"from" must follow.
func extractCompany(text string, toks []token, used []bool) (string, [2]int, bool) {
	for i := range toks {
		for _, tr := range companyTriggers {
			n := len(tr.words)
			if !phraseAt(toks, i, tr.words) {
				continue
			}
			// A bare preposition counts right after the person's name, or
			// (one of where someone works) before a name of two words.
			place := false
			if n == 1 && (tr.words[0] == "de" || tr.words[0] == "from" || tr.words[0] == "at" || tr.words[0] == "da" || tr.words[0] == "do" || placeTriggers[tr.words[0]]) {
				if i == 0 || !used[i-1] {
					if !placeTriggers[tr.words[0]] {
						continue
					}
					place = true
				}
			}
			start := i + n
			// "agency is Bright Pixel", "la empresa se llama Sol": the
			// noun, then what it is called.
			if n == 1 && companyNouns[toks[i].fold] {
				for _, cop := range copulas {
					if phraseAt(toks, start, cop) {
						start += len(cop)
						break
					}
				}
			}
			// "a empresa é a Gelada Distribuidora": an article.
			if tr.proper && start+1 < len(toks) && articles[toks[start].fold] {
				start++
			}
			// "para mi empresa. Quisiera…": a sentence ends the cue; a
			// colon after the noun labels the name ("Empresa: Sol").
			if start < len(toks) {
				if gap := strings.TrimSpace(text[toks[start-1].end:toks[start].start]); gap != "" && !(gap == ":" && n == 1 && companyNouns[toks[i].fold]) {
					continue
				}
			}
			var parts []string
			j := start
			for ; j < len(toks) && len(parts) < 4; j++ {
				t := toks[j]
				gap := ""
				if j > start {
					gap = strings.TrimSpace(text[toks[j-1].end:t.start])
				}
				if gap != "" && gap != "&" {
					break
				}
				first, _ := utf8.DecodeRuneInString(t.raw)
				capital := unicode.IsUpper(first) || unicode.IsDigit(first)
				// "Vinos del Valle": a connector inside the name, when a
				// capitalised word follows it.
				if k := connectorRun(text, toks, j); len(parts) > 0 && !capital && k > j {
					for ; j < k; j++ {
						parts = append(parts, toks[j].raw)
					}
					t = toks[j]
					first, _ = utf8.DecodeRuneInString(t.raw)
					capital = true
				}
				if tr.proper && len(parts) == 0 && !unicode.IsUpper(first) {
					break
				}
				if !capital && !(tr.named && len(parts) == 0 && !isStopWord(t.fold)) {
					break
				}
				if _, country := countryNames[t.fold]; country && len(parts) == 0 {
					break
				}
				if len(parts) == 0 && (isStopWord(t.fold) || notNames[t.fold]) {
					break
				}
				if gap == "&" && len(parts) > 0 {
					// "Lumen & Co": the ampersand is part of the name.
					parts[len(parts)-1] += " &"
				}
				parts = append(parts, t.raw)
			}
			// English puts places after "in": after "at" one capitalised
			// word is as often a company ("I run L&D at Tallyworks").
			minParts := 2
			if tr.words[0] == "at" {
				minParts = 1
			}
			if place && (len(parts) < minParts || slices.ContainsFunc(parts, func(p string) bool {
				first, _ := utf8.DecodeRuneInString(p)
				return !unicode.IsUpper(first)
			})) {
				continue
			}
			if len(parts) > 0 {
				if first, _ := utf8.DecodeRuneInString(toks[i].raw); n == 1 && start == i+1 && companyNouns[toks[i].fold] && unicode.IsUpper(first) && !strings.Contains(text[toks[i].end:toks[start].start], ":") {
					// "Agencia Lumen": the noun is the name's first word.
					return toks[i].raw + " " + strings.Join(parts, " "), [2]int{i, start + len(parts)}, true
				}
				return strings.Join(parts, " "), [2]int{start, start + len(parts)}, true
			}
		}
	}
	return "", [2]int{}, false
}

// monthAlone finds the one month a message names without a day ("in
// November") and returns the first day of its latest occurrence up to
// now's month. Abbreviations of three letters do not count ("mar" is a
// sea, "may" a verb).
func monthAlone(toks []token, now time.Time) (time.Time, bool) {
	found := time.Month(0)
	for _, t := range toks {
		mo, ok := monthNames[t.fold]
		if !ok || len(t.fold) <= 3 || t.fold == "may" {
			continue
		}
		if found != 0 && found != mo {
			return time.Time{}, false
		}
		found = mo
	}
	if found == 0 {
		return time.Time{}, false
	}
	year := now.Year()
	if found > now.Month() {
		year--
	}
	return time.Date(year, found, 1, 0, 0, 0, 0, time.UTC), true
}

// periodCustom is the value of a period list that takes its own dates.
const periodCustom = "custom"

// previousWords make a calendar unit the one before this one.
var previousWords = lexWords("previous_words")

// previousPeriod finds "last quarter", "el trimestre pasado", "a semana
// passada": the first and last day of the week (from Monday), month,
// quarter or year before the one now is in.
func previousPeriod(an *analyzer, toks []token, now time.Time) (from, to time.Time, ok bool) {
	ws := an.analyzeTokens(toks)
	for i, w := range ws {
		near := func(j int) bool { return j >= 0 && j < len(ws) && previousWords[ws[j].fold] }
		if !near(i-1) && !near(i+1) {
			continue
		}
		y, m, d := now.Date()
		switch w.concept {
		case "week":
			monday := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(int(now.Weekday())+6)%7)
			return monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1), true
		case "month":
			first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			return first.AddDate(0, -1, 0), first.AddDate(0, 0, -1), true
		case "quarter":
			first := time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC)
			return first.AddDate(0, -3, 0), first.AddDate(0, 0, -1), true
		case "year":
			return time.Date(y-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y-1, 12, 31, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// weekdayIndex numbers the lexicon's weekdays, Monday 0; sinceWords count
// from one.
var (
	weekdayIndex = func() map[string]int {
		out := map[string]int{}
		for _, code := range shipped.Codes() {
			for i, w := range lexOwnWords(code, "weekdays") {
				out[w] = i
			}
		}
		return out
	}()
	sinceWords = lexWords("since_words")
)

// sinceWeekday is the day a message counts from ("since monday", "desde
// el lunes", "desde segunda"): the latest such weekday up to today.
func sinceWeekday(toks []token, now time.Time) (time.Time, bool) {
	for i, t := range toks {
		if !sinceWords[t.fold] {
			continue
		}
		for _, u := range toks[i+1 : min(len(toks), i+3)] {
			idx, ok := weekdayIndex[u.fold]
			if !ok {
				continue
			}
			today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
			back := ((int(today.Weekday())+6)%7 - idx + 7) % 7
			return today.AddDate(0, 0, -back), true
		}
	}
	return time.Time{}, false
}

// companyInList finds a company written as an item of its own in a list
// of particulars ("log a lead: Hernán Ochoa, hernan@…, Textiles Andinos
// (Peru), about 40 employees"): the first stretch between separators
// (commas, semicolons, brackets) made of one to four capitalised words,
// none taken by another value (the person's name) nor a country, a month
// or a weekday, after another item of the list. Without a list (no comma) it finds nothing.
func companyInList(text string, toks []token, used []bool) (string, [2]int, bool) {
	if !strings.Contains(text, ",") {
		return "", [2]int{}, false
	}
	sep := func(j int) bool { return j > 0 && strings.ContainsAny(text[toks[j-1].end:toks[j].start], ",;()") }
	for i := 1; i < len(toks); i++ {
		if !sep(i) {
			continue
		}
		j := i
		for j < len(toks) && (j == i || !sep(j)) {
			j++
		}
		n := j - i
		if n < 1 || n > 4 || (j < len(toks) && !sep(j)) {
			continue
		}
		ok := true
		var parts []string
		for k := i; k < j && ok; k++ {
			first, _ := utf8.DecodeRuneInString(toks[k].raw)
			_, month := monthNames[toks[k].fold]
			_, day := weekdayIndex[toks[k].fold]
			ok = !used[k] && unicode.IsUpper(first) && !countryNames[toks[k].fold] && !month && !day && !isDigits(toks[k].fold)
			parts = append(parts, toks[k].raw)
		}
		if ok && !(n == 2 && countryNames[toks[i].fold+" "+toks[i+1].fold]) {
			return strings.Join(parts, " "), [2]int{i, j}, true
		}
	}
	return "", [2]int{}, false
}

// companyOfDomain finds a company by the domain of an email the message
// gives: capitalised words, not the person's, that the domain is made of
// ("Ópticas Visión" of martin@opticasvision.com, "Northwind Dental" of
// priya@northwind-dental.com). A webmail's domain names no company.
func companyOfDomain(text string, toks []token, used []bool, emails []string) (string, [2]int, bool) {
	var domains []string
	for _, e := range emails {
		if _, d := emailParts(e); d != "" {
			domains = append(domains, d)
		}
	}
	if len(domains) == 0 {
		return "", [2]int{}, false
	}
	inDomain := func(t token) bool {
		return utf8.RuneCountInString(t.fold) >= 3 && slices.ContainsFunc(domains, func(d string) bool { return strings.Contains(d, t.fold) })
	}
	capital := func(j int) bool {
		first, _ := utf8.DecodeRuneInString(toks[j].raw)
		return !used[j] && unicode.IsUpper(first)
	}
	joined := func(j int) bool {
		gap := strings.TrimSpace(text[toks[j-1].end:toks[j].start])
		return gap == "" || gap == "&"
	}
	for i := range toks {
		if !capital(i) || !inDomain(toks[i]) {
			continue
		}
		// The capitalised words around it, and the connectors between
		// them ("Libros del Sur", "Metalúrgica Ponte").
		from, to := i, i+1
		for from > 0 && capital(from-1) && joined(from) && to-from < 4 {
			from--
		}
		for to-from < 4 && to < len(toks) && joined(to) {
			if capital(to) {
				to++
			} else if k := connectorRun(text, toks, to); k > to && k < len(toks) && capital(k) {
				to = k + 1
			} else {
				break
			}
		}
		parts := make([]string, 0, to-from)
		for j, t := range toks[from:to] {
			if j > 0 && strings.TrimSpace(text[toks[from+j-1].end:t.start]) == "&" {
				parts = append(parts, "&")
			}
			parts = append(parts, t.raw)
		}
		return strings.Join(parts, " "), [2]int{from, to}, true
	}
	return "", [2]int{}, false
}

// inDomains reports a word of name, of three letters or more, that one of
// the emails' domains holds.
func inDomains(name string, emails []string) bool {
	for _, e := range emails {
		_, d := emailParts(e)
		for _, t := range tokenize(name) {
			if d != "" && utf8.RuneCountInString(t.fold) >= 3 && strings.Contains(d, t.fold) {
				return true
			}
		}
	}
	return false
}

// nameConnectors are the lowercase words inside proper names.
var nameConnectors = lexWords("name_connectors")

// possessives come before a word for someone's role and their name.
var possessives = lexWords("possessives")

// connectorRun returns the index of the capitalised word that follows a
// run of at most two connectors starting at toks[j], each right after the
// other; j when there is none.
func connectorRun(text string, toks []token, j int) int {
	k := j
	for k < len(toks) && k < j+2 && nameConnectors[toks[k].fold] && strings.TrimSpace(text[toks[k-1].end:toks[k].start]) == "" {
		k++
	}
	if k == j || k >= len(toks) || strings.TrimSpace(text[toks[k-1].end:toks[k].start]) != "" {
		return j
	}
	if first, _ := utf8.DecodeRuneInString(toks[k].raw); !unicode.IsUpper(first) {
		return j
	}
	return k
}

// countryNames are folded country names (es, en, pt) of the markets the
// assistant serves and their neighbours. Read-only.
var countryNames = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Split(`mexico,espana,spain,argentina,colombia,chile,peru,uruguay,paraguay,bolivia,ecuador,venezuela,guatemala,honduras,el salvador,nicaragua,costa rica,panama,cuba,republica dominicana,dominican republic,puerto rico,brasil,brazil,portugal,estados unidos,eeuu,usa,united states,canada,francia,france,alemania,germany,italia,italy,reino unido,united kingdom,uk,inglaterra,england,andorra,mexique`, ",") {
		m[c] = true
	}
	return m
}()

// extractCountry finds a country name, one or two words.
func extractCountry(toks []token) (string, bool) {
	for i, t := range toks {
		if i+1 < len(toks) && countryNames[t.fold+" "+toks[i+1].fold] {
			return titleCase(t.raw + " " + toks[i+1].raw), true
		}
		if countryNames[t.fold] {
			if t.fold == "usa" || t.fold == "eeuu" || t.fold == "uk" {
				return strings.ToUpper(t.raw), true
			}
			return titleCase(t.raw), true
		}
	}
	return "", false
}

var (
	reIndustry = regexp.MustCompile(`(?i)\b(?:sector|industria|rubro|industry|setor|ramo)\s+(?:de(?:l)?\s+|of\s+|do\s+|da\s+|:\s*)?(?:la\s+|el\s+|los\s+|las\s+|the\s+|a\s+|o\s+)?(\p{L}+(?:\s+\p{L}+)?)`)
	reBusiness = regexp.MustCompile(`(?i)\b(?:somos|we\s+are|we're|we\s+run)\s+(?:una|un|a|an|uma|um)\s+((?:agencia|agency|ag[eê]ncia|tienda|store|shop|ecommerce|e-commerce|escuela|school|escola|universidad|university|cl[ií]nica|clinic|hospital|banco|bank|consultora|consultor[ií]a|consultancy|consulting\s+firm|startup|fintech|inmobiliaria|real\s+estate\s+agency|restaurante|restaurant|hotel|f[aá]brica|factory|despacho|law\s+firm|ong|ngo|empresa|company|pyme)(?:\s+(?:de|of|do|da)\s+\p{L}+)?)`)
)

// extractIndustry finds a business sector: "sector salud", "somos una
// agencia de marketing".
func extractIndustry(text string) (string, bool) {
	if g := reIndustry.FindStringSubmatch(text); g != nil {
		v := strings.TrimSpace(g[1])
		words := strings.Fields(v)
		for len(words) > 1 && isStopWord(fold(words[len(words)-1])) {
			words = words[:len(words)-1]
		}
		if len(words) > 0 && !isStopWord(fold(words[0])) {
			return strings.Join(words, " "), true
		}
	}
	if g := reBusiness.FindStringSubmatch(text); g != nil {
		v := g[1]
		// "una empresa de logística" is in logistics, not "empresa".
		for _, generic := range []string{"empresa ", "company ", "pyme "} {
			if rest, ok := strings.CutPrefix(strings.ToLower(v), generic); ok {
				f := strings.Fields(rest)
				if len(f) == 2 {
					return v[len(v)-len(f[1]):], true
				}
				return "", false
			}
		}
		return v, true
	}
	return "", false
}

var reTimeline = regexp.MustCompile(`(?i)\b(?:(?:en|dentro\s+de|in|within|em|en\s+los\s+pr[oó]ximos|in\s+the\s+next|nos\s+pr[oó]ximos)\s+(?:\d+|un|una|dos|tres|cuatro|cinco|seis|a|one|two|three|four|five|six|um|uma|dois|duas|tr[eê]s)\s+(?:d[ií]as|semanas|mes(?:es)?|años?|anos?|days|weeks|months?|years?|semestres?)|(?:el\s+|la\s+)?(?:este|esta|next|this|pr[oó]ximo|pr[oó]xima|siguiente)\s+(?:mes|semana|trimestre|año|ano|month|week|quarter|year|semestre)(?:\s+que\s+viene)?|asap|lo\s+antes\s+posible|cuanto\s+antes|lo\s+m[aá]s\s+pronto\s+posible|ya\s+mismo|de\s+inmediato|as\s+soon\s+as\s+possible|right\s+away|immediately|o\s+quanto\s+antes|imediatamente|(?:para|antes\s+de|by|before|até|hasta)\s+(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|january|february|march|april|may|june|july|august|september|october|november|december|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro)(?:\s+(?:de\s+)?\d{4})?)\b`)

// extractTimeline finds when something should happen, in the user's words.
func extractTimeline(text string) (string, bool) {
	if v := reTimeline.FindString(text); v != "" {
		return strings.TrimSpace(v), true
	}
	return "", false
}

// requestConcepts are what a request says about itself ("quiero abrir un
// ticket", "necesito ayuda"): words that are not the content of the request.
var requestConcepts = map[string]bool{
	"want": true, "need": true, "open": true, "ticket": true, "problem": true, "support": true,
	"talk": true, "human": true, "generate": true, "show": true, "list": true, "status": true, "interest": true,
}

// hasContent reports whether the text says something beyond the request
// itself and the values taken from it: what a subject or a description
// can be made of.
func hasContent(tool *toolDef, toks []token, ws []word, used []bool) bool {
	n := 0
	for _, w := range ws {
		if w.stop || requestConcepts[w.concept] || isDigits(w.fold) || isGreetingWord(w.fold) {
			continue
		}
		if w.pos < len(used) && used[w.pos] {
			continue
		}
		if tool.nameWords[w.fold] {
			continue
		}
		if utf8.RuneCountInString(w.fold) < 3 {
			continue
		}
		n++
	}
	return n >= 2
}

// topicOf finds a filter word in the message ("cursos de marketing" →
// "marketing"): content words that are neither the request itself nor a
// language, and that name something real. For a tool about courses, with
// a course vocabulary, that is a word of a course's title or keywords
// ("python", "datos", typos forgiven) that not most courses share; for
// any other, a word introduced as a subject ("sobre pagos", "about
// billing"). A verb ("dan", "taught") or an audience ("principiantes")
// would filter everything out.
func (r *run) topicOf(tool *toolDef, toks []token, ws []word) (string, bool) {
	skip := map[string]bool{"course": true, "list": true, "show": true, "want": true, "need": true, "language": true,
		"spanish": true, "english": true, "portuguese": true, "price": true, "interest": true, "free": true, "start": true, "date": true}
	var ix *courseIndex
	if r.aboutCourses(tool) {
		if cs := r.courses(); len(cs) > 0 {
			if r.courseIx == nil {
				r.courseIx = r.m.courseIndex(cs)
			}
			ix = r.courseIx
		}
	}
	var parts []string
	for i, w := range ws {
		// "quais cursos de espanhol?" at a language school: a language
		// its courses are about is a topic, not a language to speak.
		taught := ix != nil && languageConcepts[w.concept] && ix.topicWord(w)
		if w.stop || (skip[w.concept] && !taught) || isDigits(w.fold) || isGreetingWord(w.fold) || tool.nameWords[w.fold] {
			continue
		}
		if utf8.RuneCountInString(w.fold) < 2 || questionWords[w.fold] {
			continue
		}
		switch {
		case ix != nil:
			if !ix.topicWord(w) {
				continue
			}
		case !subjectAt(ws, toks, i):
			continue
		}
		parts = append(parts, toks[w.pos].raw)
	}
	if len(parts) == 0 || len(parts) > 3 {
		return "", false
	}
	return strings.Join(parts, " "), true
}

// languageIsTopic reports that a field whose values are languages
// (list_courses' language of instruction) is named by a language the
// catalogue's courses are about: "quais cursos de espanhol?" at a
// language school asks for Spanish courses, taught in any language.
func (r *run) languageIsTopic(f field, ws []word) bool {
	if len(f.enum) == 0 || slices.ContainsFunc(f.enum, func(v string) bool { return !slices.Contains(shipped.Codes(), v) }) {
		return false
	}
	cs := r.courses()
	if len(cs) == 0 {
		return false
	}
	if r.courseIx == nil {
		r.courseIx = r.m.courseIndex(cs)
	}
	return slices.ContainsFunc(ws, func(w word) bool { return languageConcepts[w.concept] && r.courseIx.topicWord(w) })
}

// languageConcepts are the concepts of the languages' names.
var languageConcepts = map[string]bool{"spanish": true, "english": true, "portuguese": true}

// aboutCourses reports whether the tool deals in courses: its name or
// the first sentence of its description says so.
func (r *run) aboutCourses(tool *toolDef) bool {
	desc, _, _ := strings.Cut(tool.description, ".")
	for _, w := range r.m.an.analyze(strings.ReplaceAll(tool.name, "_", " ") + " " + desc) {
		if w.concept == "course" {
			return true
		}
	}
	return false
}

// topicWord reports whether w is a word of a course's title or keywords
// that not most courses share: "ia" of an AI academy's every title says
// what the whole catalogue is about, and filtering by it would only hide
// the courses that do not spell it out.
func (ix *courseIndex) topicWord(w word) bool {
	for ci := range ix.courses {
		for _, set := range [][][]word{ix.names[ci], ix.keywords[ci]} {
			for _, name := range set {
				for _, nw := range name {
					if nw.matches(w) >= 0.8 {
						return 2*ix.df[wordKey(nw)] <= len(ix.courses)
					}
				}
			}
		}
	}
	return false
}

// subjectAt reports whether word i of ws comes at most three words after
// one that introduces a subject ("sobre", "about", "acerca de").
func subjectAt(ws []word, toks []token, i int) bool {
	for j := ws[i].pos - 1; j >= 0 && j >= ws[i].pos-3; j-- {
		switch toks[j].fold {
		case "sobre", "about", "acerca", "regarding", "on", "re", "tema", "topic":
			return true
		}
	}
	return false
}

// reLabel finds a label of a "key: value" list: one or two words at the
// start, after punctuation or a space, before a colon or an equals sign.
// A full stop must be followed by a space: "joao@padaria.com.br: …" ends
// an address, it opens no "br" key.
var reLabel = regexp.MustCompile(`(?:^|[\n,;(]\s*|\.\s+|\s)([\p{L}_][\p{L}\p{N}_]*(?:[ \t][\p{L}\p{N}_]+)?)[ \t]*[:=]\s*`)

// keyValues reads "key: value" pairs, for free-form object fields. A value
// runs to the next label, so a list written with periods ("cliente: Sofía
// Herrera. empresa: Grupo Lumen.") or semicolons inside a value ("items:
// taller 600; curso 2490") reads as written.
func keyValues(text string) map[string]any {
	out := map[string]any{}
	ms := reLabel.FindAllStringSubmatchIndex(text, -1)
	for i, m := range ms {
		end := len(text)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		if properName(text[m[2]:m[3]]) || !slices.ContainsFunc(strings.Fields(text[m[2]:m[3]]), func(w string) bool { return !isStopWord(fold(w)) }) {
			// "at Cedar Print: 3 seats…": a name before a colon, not a
			// key; nor is "an invoice from us: …" a "from us" key.
			continue
		}
		// "Beta Corp (contact: Sam Lee) — 2 seats": a pair inside
		// parentheses ends with them.
		if strings.Count(text[:m[2]], "(") > strings.Count(text[:m[2]], ")") {
			if c := strings.IndexByte(text[m[1]:end], ')'); c >= 0 {
				end = m[1] + c
			}
		}
		k := strings.ReplaceAll(strings.TrimSpace(fold(text[m[2]:m[3]])), " ", "_")
		v := strings.Trim(strings.TrimSpace(text[m[1]:end]), ".,; ")
		if k != "" && v != "" && !strings.HasPrefix(v, "//") {
			out[k] = v
		}
	}
	return out
}

var reCode = regexp.MustCompile(`\b[A-Z]{1,5}-?\d{2,}\b`)

// labelledValue reads "field: value" or "field value" written with the
// field's own name ("template: certificado", "ticket #4521").
func labelledValue(text string, f field) (string, bool) {
	if f.kind == kindRef {
		if c := reCode.FindString(text); c != "" {
			return c, true
		}
	}
	re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(strings.ReplaceAll(f.name, "_", " ")) + `\s*[:=]\s*([^,;\n]+)`)
	if g := re.FindStringSubmatch(strings.ReplaceAll(text, "_", " ")); g != nil {
		return strings.TrimSpace(g[1]), true
	}
	return "", false
}

var reGreeting = regexp.MustCompile(`(?i)^\s*(?:(?:hola+|holi|buenas|buen[oa]s\s+(?:d[ií]as|tardes|noches)|hi|hello|hey|good\s+(?:morning|afternoon|evening)|ol[aá]|oi|bom\s+dia|boa\s+(?:tarde|noite)|saludos|qu[eé]\s+tal)(?:\s+(?:a\s+todos|equipo|team))?[\s,!.¡:;-]*)+`)

// stripGreeting removes a leading greeting ("Hola, buenas tardes! ").
func stripGreeting(s string) string {
	out := reGreeting.ReplaceAllString(s, "")
	if out == "" {
		return s
	}
	return strings.TrimSpace(out)
}

var reClauseBreak = regexp.MustCompile(`(?i)(?:[.!?\n]+\s*|,\s*|:\s*|\s+(?:porque|ya\s+que|pues|because|since|as|que|pois|porque)\s+)`)

// subjectOf makes a ticket subject from a message: its first clause that
// has content, capitalised and at most 80 characters.
func subjectOf(an *analyzer, text string) string {
	text = strings.TrimSpace(text)
	parts := reClauseBreak.Split(text, -1)
	for _, p := range parts {
		p = strings.TrimSpace(p)
		ws := an.analyze(p)
		n := 0
		for _, w := range ws {
			if !w.stop && !requestConcepts[w.concept] && !isGreetingWord(w.fold) && utf8.RuneCountInString(w.fold) >= 3 {
				n++
			}
		}
		if n >= 1 && utf8.RuneCountInString(p) >= 8 {
			return capitalize(clip(p, 80))
		}
	}
	return capitalize(clip(text, 80))
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// properName reports whether a label is two words each capitalised ("Cedar
// Print"): a name, where keys are one word or lower case ("due date").
func properName(label string) bool {
	ws := strings.Fields(label)
	if len(ws) < 2 {
		return false
	}
	for _, w := range ws {
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// reNeeds finds "custom needs from and to" in a field's description.
var reNeeds = regexp.MustCompile(`\b([a-z][a-z0-9_]*) needs ([a-z0-9_]+(?:(?:, | and )[a-z0-9_]+)*)`)

// neededBy is the value of enum field f that its description says needs
// other fields, when all of those are set and none other is.
func neededBy(f field, sch schema, args map[string]any) string {
	for _, m := range reNeeds.FindAllStringSubmatch(f.description, -1) {
		if !slices.Contains(f.enum, m[1]) {
			continue
		}
		names := strings.FieldsFunc(strings.ReplaceAll(m[2], " and ", ","), func(r rune) bool { return r == ',' || r == ' ' })
		all := len(names) > 0
		for _, n := range names {
			if _, ok := sch.field(n); !ok {
				all = false
				break
			}
			if _, set := args[n]; !set {
				all = false
				break
			}
		}
		if all {
			return m[1]
		}
	}
	return ""
}

// lastCodeLike is the most recent identifier an earlier reply of the
// conversation gave that has the letters before the digits of a code in
// f's description ("T-" of "like T-000123"), or "".
func (r *run) lastCodeLike(f field) string {
	var prefixes []string
	for _, c := range reDocCode.FindAllString(f.description, -1) {
		if i := strings.IndexAny(c, "0123456789"); i > 0 {
			prefixes = append(prefixes, strings.ToUpper(c[:i]))
		}
	}
	if len(prefixes) == 0 {
		return ""
	}
	turns := r.conv.turns
	for i := len(turns) - 2; i >= 0; i-- {
		codes := reDocCode.FindAllString(turns[i].reply, -1)
		for j := len(codes) - 1; j >= 0; j-- {
			c := codes[j]
			if k := strings.IndexAny(c, "0123456789"); k > 0 && slices.Contains(prefixes, strings.ToUpper(c[:k])) {
				return c
			}
		}
	}
	return ""
}
