package offline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tmc/langchaingo/llms"
)

// respond answers the call: the state is rebuilt from the earlier turns,
// the last human message decided, and — when the conversation ends with a
// tool result — that result turned into the answer.
func (r *run) respond() reply {
	if len(r.conv.turns) == 0 {
		return reply{text: r.greeting("")}
	}
	st := r.replay()
	cur := r.conv.turns[len(r.conv.turns)-1]
	act := r.decideMemo(cur.human, st)
	if call, resp, ok := r.conv.lastResult(); ok {
		return r.afterTool(act, call, resp)
	}
	return r.perform(act)
}

// perform turns a decision into a reply.
func (r *run) perform(a action) reply {
	out := r.perform1(a)
	if a.switched && out.call == nil && a.kind != actSwitched {
		out.text = phSwitched.in(r.lang) + " " + out.text
	}
	return out
}

func (r *run) perform1(a action) reply {
	switch a.kind {
	case actCall:
		if r.certificateCheck(a) {
			return r.callReply(toolMyEnrollments, map[string]any{})
		}
		return r.callReply(a.tool.name, a.args)
	case actAsk:
		return reply{text: r.question(a)}
	case actKnowledge:
		return r.knowledgeReply(a)
	case actHandoffInfo:
		text := phHandoffInfo.in(r.lang) + " " + phContactTeam.in(r.lang)
		// The turn's passages may say how to reach the team (contact page).
		if ans, ok := r.answer(r.conv.tc.Passages, a.query+" contacto soporte contact support email whatsapp"); ok {
			text = phHandoffInfo.in(r.lang) + "\n\n" + ans
		}
		return reply{text: text}
	case actTalk:
		return reply{text: r.smallTalkText(a.talk)}
	case actSwitched:
		return reply{text: phSwitched.in(r.lang) + " " + strings.TrimPrefix(fmt.Sprintf(phGreeting.in(r.lang), ""), phHello.in(r.lang)+" ")}
	case actCancel:
		return reply{text: phCancel.in(r.lang)}
	case actGiveUp:
		return reply{text: phCancel.in(r.lang) + " " + r.offer()}
	}
	return reply{text: r.clarify()}
}

// greeting greets the caller (name is ", Ana" or empty), saying who the
// assistant is when the turn context names it or the business.
func (r *run) greeting(name string) string {
	g := fmt.Sprintf(phGreeting.in(r.lang), name)
	tc := r.conv.tc
	var intro string
	switch {
	case tc.Assistant != "" && tc.Business != "":
		intro = fmt.Sprintf(phIntro.in(r.lang), tc.Assistant, tc.Business)
	case tc.Business != "":
		intro = fmt.Sprintf(phIntroBusiness.in(r.lang), tc.Business)
	case tc.Assistant != "":
		intro = fmt.Sprintf(phIntroAssistant.in(r.lang), tc.Assistant)
	default:
		return g
	}
	hello, ask, ok := strings.Cut(g, "! ")
	if !ok {
		return g + " " + intro
	}
	return hello + "! " + intro + " " + ask
}

// smallTalkText answers a greeting, thanks, goodbye or "ok".
func (r *run) smallTalkText(t smallTalk) string {
	switch t {
	case talkGreeting:
		name := ""
		if n := strings.Fields(r.conv.tc.Name); len(n) > 0 {
			name = ", " + n[0]
		}
		return r.greeting(name)
	case talkThanks:
		return phThanks.in(r.lang)
	case talkBye:
		return phBye.in(r.lang)
	}
	return phAck.in(r.lang)
}

// clarify asks the user to say it another way, and says what the engine
// can do.
func (r *run) clarify() string {
	var can []string
	for _, t := range r.tools {
		if a, ok := toolAbilities[t.name]; ok {
			can = append(can, a.in(r.lang))
		}
	}
	line := phCanAnswer.in(r.lang)
	if len(can) > 0 {
		line += fmt.Sprintf(phCanAlso.in(r.lang), joinOr(can, r.lang))
	}
	return phClarify.in(r.lang) + " " + line + "."
}

// offer is what the engine proposes when it cannot help: a ticket, a
// person, both, or the team's contact channels.
func (r *run) offer() string {
	ticket, human := r.tool(toolOpenTicket) != nil, r.tool(toolRequestHuman) != nil
	switch {
	case ticket && human:
		return phOfferBoth.in(r.lang)
	case ticket:
		return phOfferTicket.in(r.lang)
	case human:
		return phOfferHuman.in(r.lang)
	}
	return phContactTeam.in(r.lang)
}

// knowledgeReply answers a question from the turn's passages; without
// passages it searches (search_knowledge) if it may; with passages that do
// not answer, it says so and offers help.
func (r *run) knowledgeReply(a action) reply {
	prefix := ""
	if a.greet {
		prefix = phHello.in(r.lang) + " "
	}
	q := r.contextualQuery(a.query)
	if personalStatus(q) {
		// Someone's own grade, order or request is not in the knowledge
		// base: say so and offer a person, rather than quote a policy.
		return reply{text: prefix + phNoAnswer.in(r.lang) + " " + r.offer()}
	}
	// "tell me about the prompt engineering course", "¿de qué trata el de
	// datos?": what the course is, as its own page opens by saying.
	if slug := r.askedAbout(a.query); slug != "" {
		if intro, ok := r.courseIntro(r.turnPassages(), slug); ok {
			return reply{text: prefix + intro}
		}
		if t := r.tool(toolSearchKnowledge); t != nil && !r.searchedThisTurn() {
			st := r.startTask(t, []taskMsg{{text: r.titlesOf(slug)}})
			return r.callReply(t.name, st.args)
		}
	}
	if a.then != nil {
		// A question in the middle of a task: answer it if the passages
		// can, then ask what the task still needs.
		ans, ok := r.answer(r.conv.tc.Passages, q)
		switch {
		case !ok && a.offered:
			// The task was only offered: answering comes first, with the
			// search the plain answer would make.
			plain := a
			plain.then, plain.offered = nil, false
			return r.knowledgeReply(plain)
		case !ok:
			ans = phNoAnswer.in(r.lang)
		}
		return reply{text: prefix + ans + "\n\n" + r.question(*a.then)}
	}
	res := r.answerFull(r.conv.tc.Passages, q)
	// "y la de bachata cuánto sale?" after the list that showed it: the
	// list's line says the price and the date, whatever the documents say
	// of other courses' prices.
	// The documents' answer follows it, with its sources. When the line
	// leaves part of the question unanswered ("how long does it run?")
	// and the documents' answer misses part too, the question is
	// searched for as it would be without the line.
	line := r.shownFacts(a.query)
	if line != "" {
		all := leftUnanswered(r.m.an, a.query, line, nil) == ""
		switch {
		case res.ok && (all || res.followUp == ""):
			return reply{text: prefix + line + "\n\n" + res.text}
		case all:
			return reply{text: prefix + line}
		}
	}
	// "how much is the beginners salsa course?" when no passage prices
	// it: the catalogue's listing does (see afterTool).
	if line == "" && len(r.conv.tc.Passages) > 0 {
		if slug, _ := r.unstatedFact(q, r.conv.tc.Passages); slug != "" {
			return r.callReply(r.browseTool().name, map[string]any{})
		}
	}
	// The passages retrieved for the message miss the answer, or part of
	// it: search again, for what is missing.
	if t := r.tool(toolSearchKnowledge); t != nil && (!res.ok || res.followUp != "") {
		query := res.followUp
		if len(r.conv.tc.Passages) == 0 || query == "" {
			query = q
		}
		st := r.startTask(t, []taskMsg{{text: query}})
		return r.callReply(t.name, st.args)
	}
	if res.ok {
		return reply{text: prefix + res.text}
	}
	if a.fallback != nil {
		return r.perform(*a.fallback)
	}
	return reply{text: prefix + phNoAnswer.in(r.lang) + " " + r.offer()}
}

// shownFacts is the line of an earlier reply (a listing's) about the one
// course the question names or points back at ("that one", with the
// course the conversation is about) that holds what the question asks by
// its kind, a price or a date; "" when there is none.
func (r *run) shownFacts(question string) string {
	asked := r.askedFacts(question)
	if asked == 0 {
		return ""
	}
	slug, named := r.matchCourse(question, false)
	if !named {
		if r.known.course == "" || !slices.ContainsFunc(tokenize(question), func(t token) bool { return demonstratives[t.fold] }) {
			return ""
		}
		slug = r.known.course
	}
	for i := len(r.conv.turns) - 2; i >= 0; i-- {
		if line := r.lineAbout(r.conv.turns[i].reply, slug, asked); line != "" {
			return line
		}
	}
	return ""
}

// askedFacts are the kinds of a course's fact a listing shows that the
// question asks for: a price, a date.
func (r *run) askedFacts(question string) answerKinds {
	var asked answerKinds
	for _, w := range r.m.an.analyze(question) {
		asked |= askedKind(w) & (hasPrice | hasDate)
	}
	return asked
}

// lineAbout is the line of a listing (a reply, a tool's result) that
// starts with one of the course's titles and holds a fact of the kinds
// asked, in the reply's language; "" when there is none.
func (r *run) lineAbout(listing, slug string, asked answerKinds) string {
	var titles []string
	for _, c := range r.courses() {
		if c.Slug == slug {
			for _, t := range c.Titles {
				titles = append(titles, fold(t))
			}
		}
	}
	if len(titles) == 0 {
		return ""
	}
	for _, line := range strings.Split(listing, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		f := fold(line)
		if kindsOf(line)&asked != 0 && slices.ContainsFunc(titles, func(t string) bool { return strings.HasPrefix(f, t) }) &&
			r.saysInLang(line) {
			return line
		}
	}
	return ""
}

// unstatedFact is, for a question asking a price or a date of one course
// the catalogue names ("how much is the beginners salsa course?"), that
// course's slug and the kinds asked, when no passage states a fact of
// those kinds of that course: the documents of a dance school need not
// price its classes, the catalogue does, and a price the passages give
// is another course's. "" when the passages state it, or nothing lists
// the catalogue.
func (r *run) unstatedFact(question string, ps []passage) (string, answerKinds) {
	asked := r.askedFacts(question)
	if asked == 0 || r.browseTool() == nil {
		return "", 0
	}
	slug, named := r.matchCourse(question, false)
	if !named {
		return "", 0
	}
	ci := slices.IndexFunc(r.courseIx.courses, func(c Named) bool { return c.Slug == slug })
	// Named by a word of its own, as written: "si bajo de plan cuándo se
	// aplica?" matches "Aplicaciones con LLM" by its stem, and asks nothing
	// of that course.
	if ci < 0 || !r.courseIx.namedAsWritten(question, ci) {
		return "", 0
	}
	names := func(text string) bool { return r.courseIx.scores(text, nil)[ci] >= 0.6 }
	for _, p := range ps {
		// A course's own page names it in its title, not in each line.
		about := names(p.Title) || names(sourceTitle(p))
		for _, line := range strings.Split(p.Text, "\n") {
			for _, s := range splitSentences(line) {
				if kindsOf(s)&asked != 0 && (about || names(s)) {
					return "", 0
				}
			}
		}
	}
	return slug, asked
}

// browseTool is the tool that lists the catalogue (list_courses): one that
// changes nothing, filters by topic and needs no argument.
func (r *run) browseTool() *toolDef {
	for _, t := range r.tools {
		if browses(t) {
			return t
		}
	}
	return nil
}

// saysInLang reports a text in the reply's language, or in none clearly
// (a line of names and numbers).
func (r *run) saysInLang(text string) bool {
	g := detectLang(text)
	return g.lang == r.lang || g.confidence < confidentLang
}

// demonstratives point back at what was said before.
var demonstratives = lexWords("demonstratives")

// contextualQuery adds the previous question to a short follow-up ("¿y
// cuánto cuesta?"), so the answer is about the same thing.
func (r *run) contextualQuery(q string) string {
	turns := r.conv.turns
	if len(turns) < 2 {
		return q
	}
	// Opening with "and"/"y"/"e", or a word or two with nothing of its
	// own ("¿y cuándo?", "¿el precio?"): it leans on the question before.
	// "¿Cómo restablezco mi contraseña?" says what it is about, and the
	// previous question's words would only mislead its search.
	// "how long is it and how much?" asks two things and names none: it
	// leans on the question before as much. "can I split that into
	// payments?" points back at what was asked or read before; after a
	// change made ("¿y cómo va eso?" once a ticket is open), at the change.
	// "legal, e quando começa?": an acknowledgement before it says
	// nothing of its own, and what follows it opens the question.
	toks := tokenize(q)
	for len(toks) > 0 && ackSet[toks[0].fold] {
		toks = toks[1:]
	}
	rws := slices.DeleteFunc(routeWords(r.m.an.analyze(q)), func(w word) bool { return ackSet[w.fold] })
	own := slices.ContainsFunc(rws, func(w word) bool { return !asksFact(w) && askedKind(w) == 0 })
	points := slices.ContainsFunc(toks, func(t token) bool { return demonstratives[t.fold] }) && !r.changedLastTurn()
	if len(rws) > 1 && own && !points && (len(toks) == 0 || !conjunctions[toks[0].fold]) {
		return q
	}
	prev := turns[len(turns)-2].human
	if classifySmallTalk(tokenize(prev)) != talkNone {
		return q
	}
	// "¿y el de prompts cuándo empieza?" names what it is about: it leans
	// on the question before for its "y" only, and that question's words
	// ("algo nuevo para principiantes") would find another course.
	if _, named := r.matchCourse(q, false); named {
		return q
	}
	// The previous question lends what it was about ("el curso de IA para
	// marketing"), not what it asked ("cuánto cuesta"): "¿y cuándo
	// empieza?" wants a date, and the price asked before would outscore it.
	// A question before that named nothing either ("how long is it and
	// how much?") leant on the one before it: so does this one.
	var topic []string
	for back := 2; back <= 4 && back <= len(turns) && len(topic) == 0; back++ {
		for _, w := range r.m.an.analyze(turns[len(turns)-back].human) {
			if w.stop || asksFact(w) || askedKind(w) != 0 || questionWords[w.fold] || isDigits(w.fold) {
				continue
			}
			topic = append(topic, w.fold)
		}
	}
	// The course the conversation is about, when the question before
	// did not name it ("¿qué cursos tengo?", answered with one).
	if r.known.course != "" {
		if _, named := r.matchCourse(prev, false); !named {
			for _, c := range r.courses() {
				if c.Slug == r.known.course {
					topic = append(topic, fold(c.Title(r.lang)))
				}
			}
		}
	}
	if len(topic) == 0 {
		return q
	}
	return strings.Join(topic, " ") + " " + q
}

// callReply is a tool call with deterministic ID: call_N for the N-th call
// of the conversation.
func (r *run) callReply(name string, args map[string]any) reply {
	if args == nil {
		args = map[string]any{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// Maps encode with sorted keys: the same arguments, the same bytes.
	_ = enc.Encode(args) // strings, numbers, slices and maps of them always encode
	return reply{call: &llms.ToolCall{
		ID:           "call_" + strconv.Itoa(r.conv.callCount()+1),
		Type:         "function",
		FunctionCall: &llms.FunctionCall{Name: name, Arguments: strings.TrimSpace(b.String())},
	}}
}

// question asks for one argument, in the user's language.
func (r *run) question(a action) string {
	f, ok := a.tool.schema.field(a.field)
	if !ok {
		f = field{name: a.field, kind: kindOther}
	}
	q := r.askFor(a.tool, f)
	if f.kind == kindObject && len(a.wants) > 0 {
		if d := r.detailsQuestion(f, a.wants); d != "" {
			q = d
		}
	}
	if a.notCaught {
		if f.kind == kindEmail && a.badAnswer {
			return phInvalidEmail.in(r.lang) + " " + q
		}
		if f.kind == kindCourse && len(r.courses()) > 0 {
			return phCourseUnknown.in(r.lang) + " " + q
		}
		return fmt.Sprintf(phNotCaught.in(r.lang), fieldLabel(f, r.lang)) + " " + q
	}
	if a.greet {
		return phHello.in(r.lang) + " " + q
	}
	return q
}

// askFor is the question for a field: a phrase of the phrasebook for the
// fields most tools have, else one made from the field's label.
func (r *run) askFor(t *toolDef, f field) string {
	lang := r.lang
	switch f.kind {
	case kindEmail:
		return phAskEmail.in(lang)
	case kindPersonName:
		return phAskName.in(lang)
	case kindPhone:
		return phAskPhone.in(lang)
	case kindCourse:
		q := phAskCourse.in(lang)
		if titles := r.courseTitles(); len(titles) > 0 && len(titles) <= 12 {
			q += fmt.Sprintf(phWeHave.in(lang), joinAnd(titles, lang))
		}
		return q
	case kindCompany:
		return phAskCompany.in(lang)
	case kindCountry:
		return phAskCountry.in(lang)
	case kindIndustry:
		return phAskIndustry.in(lang)
	case kindTimeline:
		return phAskTimeline.in(lang)
	case kindDate:
		switch {
		case nameHas(f.name, "from", "since", "start", "desde", "inicio"):
			return phAskFrom.in(lang)
		case nameHas(f.name, "to", "until", "end", "hasta", "fin"):
			return phAskTo.in(lang)
		}
		return phAskDate.in(lang)
	case kindEnum, kindEnumList:
		vals := f.enum
		if f.kind == kindEnumList {
			vals = f.itemEnum
		}
		opts := make([]string, len(vals))
		for i, v := range vals {
			opts[i] = label(v, lang)
		}
		if nameHas(f.name, "interest", "interes") {
			return fmt.Sprintf(phAskInterest.in(lang), joinOr(opts, lang))
		}
		return fmt.Sprintf(phAskChoose.in(lang), fieldLabel(f, lang), joinOr(opts, lang))
	case kindText:
		switch {
		case nameHas(f.name, "reason", "motivo"):
			return phAskReason.in(lang)
		case nameHas(f.name, "query", "question"):
			return phAskQuery.in(lang)
		}
		return phAskProblem.in(lang)
	case kindInteger:
		if nameHas(f.name, "size", "employees", "headcount", "empleados") {
			return phAskSize.in(lang)
		}
	case kindNumber:
		if moneyField(f) {
			return phAskBudget.in(lang)
		}
	}
	if (f.kind == kindRef || f.kind == kindInteger) && strings.Contains(t.name, "ticket") {
		return phAskTicket.in(lang)
	}
	return fmt.Sprintf(phAskGeneric.in(lang), fieldLabel(f, lang))
}

// fieldLabel names a field for a question: the phrasebook's label, else its
// description when written in the user's language, else its name.
func fieldLabel(f field, lang string) string {
	if _, ok := labels[f.name]; ok {
		return label(f.name, lang)
	}
	if d := strings.TrimRight(firstSentence(f.description), ".:"); d != "" && len(d) <= 60 {
		if g := detectLang(d); g.lang == lang {
			return strings.ToLower(d[:1]) + d[1:]
		}
	}
	return strings.ReplaceAll(f.name, "_", " ")
}

// afterTool answers once a tool has run: from the result, or — when the
// tool refused the arguments — with a question for the first bad one.
func (r *run) afterTool(act action, call llms.ToolCall, resp llms.ToolCallResponse) reply {
	name := resp.Name
	if call.FunctionCall != nil && call.FunctionCall.Name != "" {
		name = call.FunctionCall.Name
	}
	if act.fallback != nil && name != toolSearchKnowledge {
		// The knowledge base had no answer and the task was done instead:
		// its result is read as the task's.
		act = *act.fallback
	}
	if er, isErr := readError(resp.Content); isErr {
		return reply{text: r.toolErrorText(name, er)}
	}
	if name == toolMyEnrollments && r.certificateCheck(act) {
		return r.certificateAfterCheck(act, resp.Content)
	}
	if name == toolSearchKnowledge {
		var res struct {
			Query    string    `json:"query"`
			Passages []passage `json:"passages"`
		}
		if json.Unmarshal([]byte(resp.Content), &res) == nil {
			q := act.query
			if q == "" {
				q = res.Query
			}
			// The turn's passages and the search's together: the search
			// was for what the first ones missed.
			ps := mergePassages(r.conv.tc.Passages, res.Passages)
			prefix := ""
			if act.greet {
				prefix = phHello.in(r.lang) + " "
			}
			// The listing's line, when the search was for what it left
			// unanswered (see knowledgeReply).
			line := r.shownFacts(q)
			if line == "" {
				// The search was for what the catalogue's line left
				// (see catalogueAnswer).
				line = r.listedThisTurn(q)
			}
			if line != "" {
				prefix += line + "\n\n"
			} else if slug, _ := r.unstatedFact(r.contextualQuery(q), ps); slug != "" {
				return r.callReply(r.browseTool().name, map[string]any{})
			}
			if slug := r.askedAbout(q); slug != "" {
				if intro, ok := r.courseIntro(ps, slug); ok {
					return reply{text: prefix + intro}
				}
			}
			if ans, ok := r.answer(ps, r.contextualQuery(q)); ok {
				return reply{text: prefix + ans}
			}
			if act.fallback != nil {
				return r.perform(*act.fallback)
			}
			return reply{text: prefix + phNoAnswer.in(r.lang) + " " + r.offer()}
		}
	}
	if t := r.tool(name); act.kind == actKnowledge && t != nil && browses(t) {
		text, ok, search := r.catalogueAnswer(act, resp.Content)
		if search.call != nil {
			return search
		}
		if ok {
			return reply{text: text}
		}
	}
	if t := r.tool(name); t != nil && call.FunctionCall != nil && filteredToNothing(t, call.FunctionCall.Arguments, resp.Content) {
		// "cursos para alguien que recién empieza" filtered the catalogue
		// to nothing: the person asked what there is, so show all of it
		// rather than "no course matches".
		return r.callReply(name, map[string]any{})
	}
	text := renderResult(resp.Content, r.lang)
	if name == toolRequestHuman && !hasMessage(resp.Content) {
		text = phHandoffDone.in(r.lang)
	}
	if t := r.tool(name); t != nil && call.FunctionCall != nil {
		if f, ok := r.askedAfter(t, call.FunctionCall.Arguments); ok {
			text += "\n\n" + r.askFor(t, f)
		}
	}
	if notDone(resp.Content) {
		text += r.whatItTakes()
	}
	// "enroll me in the RAG one … also can i split the payment?": the
	// question asked along with the task is answered after its result,
	// when the knowledge base answers it.
	if act.kind == actCall && len(r.conv.turns) > 0 && name != toolRequestHuman {
		human := r.conv.turns[len(r.conv.turns)-1].human
		q := infoQuestion(r.m.an, human)
		t := r.tool(name)
		asked := askingClauses(human)
		if t != nil && !t.mutating && len(asked) == 1 {
			// "which course am i registered in? got a receipt but lost
			// it": the one question is the one the tool was called for
			// and its result answers; only what it leaves unanswered is
			// for the knowledge base.
			q, human = "", asked[0]+"?"
		}
		// A tool that measures (a list of metrics) answers with the
		// business's numbers, of which the documents know nothing: what
		// its result leaves ("so far?", "taxa de conversão") is no
		// question for them.
		measures := t != nil && slices.ContainsFunc(t.schema.fields, func(f field) bool { return f.kind == kindEnumList })
		if q == "" && t != nil && !t.mutating && !measures && asksForInformation(r.m.an, human) {
			// "how much is the rag course and do i need python?": the
			// listing gives the price; the rest of the question is
			// answered from the knowledge base, when it answers it.
			// What the call was made with ("for beginners" as its level,
			// "this week" as its period) is answered by its result too.
			q = leftUnanswered(r.m.an, human, text+"\n"+argumentWords(&call), nameConcepts(r.m.an, name))
		}
		if q != "" {
			// "… a small online store, newsletter and abandoned carts …
			// Which plan makes sense for us?": what the message told
			// along with its question is the story that picks among the
			// plans.
			story := ""
			if t != nil && t.mutating {
				story = strings.Replace(human, strings.TrimSuffix(q, "?"), " ", 1)
			}
			if ans, ok := r.answerStory(r.conv.tc.Passages, q, story); ok {
				text += "\n\n" + ans
			}
		} else if name == toolOpenTicket {
			// "el enlace para recuperar la clave me dice que expiró": the
			// team has the ticket, and what the knowledge base says about
			// the problem may solve it sooner.
			if ans, ok := r.answer(r.conv.tc.Passages, human); ok {
				text += "\n\n" + phMeanwhile.in(r.lang) + " " + ans
			}
		}
	}
	return reply{text: text}
}

// aboutWords ask what something is like ("de qué trata", "know more
// about").
var aboutWords = lexWords("about_words")

// askedAbout is the course a message asks to be told about and nothing
// else ("tell me about the prompt engineering course", "¿de qué trata el
// curso de datos?"), or "".
func (r *run) askedAbout(text string) string {
	slug, named := r.matchCourse(text, false)
	if !named {
		return ""
	}
	toks := tokenize(text)
	if !slices.ContainsFunc(toks, func(t token) bool { return infoRequests[t.fold] || aboutWords[t.fold] }) {
		return ""
	}
	ci := slices.IndexFunc(r.courseIx.courses, func(c Named) bool { return c.Slug == slug })
	if ci < 0 {
		return ""
	}
	for _, w := range r.m.an.analyze(text) {
		if w.stop || w.concept == "course" || infoRequests[w.fold] || aboutWords[w.fold] || questionWords[w.fold] ||
			chatter[w.fold] || greetMarkers[w.fold] || switchPolite[w.fold] || knowVerbs[w.fold] || wantsOrNeeds(w) {
			continue
		}
		if slices.ContainsFunc(r.courseIx.names[ci], func(name []word) bool { return strictMatch(w, name) }) ||
			slices.ContainsFunc(r.courseIx.keywords[ci], func(kw []word) bool { return strictMatch(w, kw) }) {
			continue
		}
		// "is the RAG course hard?" asks something of it.
		return ""
	}
	return slug
}

// courseIntro is what a course's own page says first, under its title:
// what the course is. ok is false when no passage is that part of its
// page.
func (r *run) courseIntro(ps []passage, slug string) (string, bool) {
	for i, p := range ps {
		if p.Heading != "" && p.Heading != p.Title {
			continue
		}
		if c, named := r.matchCourse(p.Title, false); !named || c != slug {
			continue
		}
		sents := r.m.sentencesOf(p, i)
		var picked []int
		for k := range sents {
			if len(picked) < 2 && !sents[k].pointer {
				picked = append(picked, k)
			}
		}
		if len(picked) == 0 {
			continue
		}
		return r.render(ps, sents, picked, "").text, true
	}
	return "", false
}

// catalogueAnswer answers a question of a course's price or date that the
// passages did not state (see unstatedFact) with the listing's line of
// that course, and what else the question asks from the turn's passages
// ("and do i need to bring a partner?"). False when the listing has no
// such line.
//
// When the turn's passages do not answer the rest, the reply is a search
// for it instead (call).
func (r *run) catalogueAnswer(act action, listing string) (text string, ok bool, call reply) {
	ps := r.turnPassages()
	q := r.contextualQuery(act.query)
	slug, asked := r.unstatedFact(q, ps)
	if slug == "" {
		return "", false, reply{}
	}
	line := r.lineAbout(renderResult(listing, r.lang), slug, asked)
	if line == "" {
		return "", false, reply{}
	}
	text = line
	if act.greet {
		text = phHello.in(r.lang) + " " + text
	}
	// The question with what it leans on ("e quanto custa? em que dias?"
	// after a list of tango classes): the days searched for are the
	// tango classes'.
	if left := leftUnanswered(r.m.an, q, line, nil); left != "" {
		// What is left is asked of the course: its days, not any days.
		left = r.courseTitle(slug) + " " + left
		ans, ok := r.answer(ps, left)
		t := r.tool(toolSearchKnowledge)
		switch {
		case ok:
			text += "\n\n" + ans
		case t != nil && !r.searchedThisTurn():
			// The turn's passages were found for the words of the
			// message alone ("é em que dias da semana?"): search for
			// what is left, with what the question leans on.
			st := r.startTask(t, []taskMsg{{text: left}})
			return "", false, r.callReply(t.name, st.args)
		}
	}
	return text, true, reply{}
}

// titlesOf is the course's titles in every language, for a search
// that must find its page in whichever language it is written.
func (r *run) titlesOf(slug string) string {
	for _, c := range r.courses() {
		if c.Slug == slug {
			var ts []string
			for _, l := range slices.Sorted(maps.Keys(c.Titles)) {
				if t := c.Titles[l]; !slices.Contains(ts, t) {
					ts = append(ts, t)
				}
			}
			return strings.Join(ts, " ")
		}
	}
	return ""
}

// courseTitle is the course's title in the reply's language.
func (r *run) courseTitle(slug string) string {
	for _, c := range r.courses() {
		if c.Slug == slug {
			return c.Title(r.lang)
		}
	}
	return ""
}

// listedThisTurn is the catalogue's line for the course a question asks a
// price or date of that the documents do not state, when this turn listed
// the catalogue for it; "" otherwise.
func (r *run) listedThisTurn(question string) string {
	if len(r.conv.turns) == 0 {
		return ""
	}
	for _, resp := range r.conv.turns[len(r.conv.turns)-1].resps {
		if t := r.tool(resp.Name); t == nil || !browses(t) {
			continue
		}
		if slug, asked := r.unstatedFact(r.contextualQuery(question), r.conv.tc.Passages); slug != "" {
			return r.lineAbout(renderResult(resp.Content, r.lang), slug, asked)
		}
	}
	return ""
}

// searchedThisTurn reports a search of the knowledge base in this turn.
func (r *run) searchedThisTurn() bool {
	return len(r.conv.turns) > 0 && slices.ContainsFunc(r.conv.turns[len(r.conv.turns)-1].resps,
		func(resp llms.ToolCallResponse) bool { return resp.Name == toolSearchKnowledge })
}

// turnPassages are the turn's passages and those its searches found.
func (r *run) turnPassages() []passage {
	ps := r.conv.tc.Passages
	if len(r.conv.turns) == 0 {
		return ps
	}
	for _, resp := range r.conv.turns[len(r.conv.turns)-1].resps {
		if resp.Name != toolSearchKnowledge {
			continue
		}
		var res struct {
			Passages []passage `json:"passages"`
		}
		if json.Unmarshal([]byte(resp.Content), &res) == nil {
			ps = mergePassages(ps, res.Passages)
		}
	}
	return ps
}

// leftUnanswered is what of a question a read-only tool's reply does not
// answer, as a question of its own: the words the reply neither says nor
// answers by their kind (a price for "how much"). "" when what is left
// names nothing of its own.
func leftUnanswered(an *analyzer, question, reply string, done map[string]bool) string {
	said, kinds := an.analyze(reply), kindsOf(reply)
	var left []string
	named := false
	for _, w := range answerWords(an.analyze(question)) {
		k := askedKind(w)
		// "the same period" points back at what the call was given.
		if (k != 0 && kinds&k != 0) || strictMatch(w, said) || sameWords[w.fold] || done[w.concept] {
			continue
		}
		if k == 0 && !genericAnswerConcepts[w.concept] {
			named = true
		}
		left = append(left, w.fold)
	}
	if !named {
		return ""
	}
	return strings.Join(left, " ") + "?"
}

// argumentWords are the string values of a call's arguments, as words
// ("this_week" as "this week").
func argumentWords(call *llms.ToolCall) string {
	var args map[string]any
	if call == nil || call.FunctionCall == nil || unmarshalArgs(call.FunctionCall.Arguments, &args) != nil {
		return ""
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(args)) {
		switch v := args[k].(type) {
		case string:
			out = append(out, strings.ReplaceAll(v, "_", " "))
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, strings.ReplaceAll(s, "_", " "))
				}
			}
		}
	}
	return strings.Join(out, " ")
}

// nameConcepts are the concepts of a tool's name: what its result is
// about ("my_enrollments" answers "which course am I registered on?").
func nameConcepts(an *analyzer, name string) map[string]bool {
	out := map[string]bool{}
	for _, w := range an.analyze(strings.ReplaceAll(name, "_", " ")) {
		if w.concept != "" {
			out[w.concept] = true
		}
	}
	return out
}

// whatItTakes is, after "you haven't completed the course yet", what the
// knowledge base says it takes to get the certificate, as a paragraph to
// add; "" when the passages do not say.
func (r *run) whatItTakes() string {
	if len(r.conv.turns) == 0 {
		return ""
	}
	if ans, ok := r.answer(r.conv.tc.Passages, phRequirements.in(r.lang)); ok {
		return "\n\n" + ans
	}
	return ""
}

// notDone reports a tool result whose status says the thing asked for
// was not done for a reason of the person's ("not_completed",
// "not_enrolled"), which the knowledge base may explain.
func notDone(content string) bool {
	var res struct {
		Status string `json:"status"`
	}
	return json.Unmarshal([]byte(content), &res) == nil && strings.HasPrefix(res.Status, "not_")
}

// askedAfter is the caller's name a call went ahead without: what
// identifies the person (an email) was enough to act, and what describes
// them is asked once it is done, for the same call to be made again with
// it ("Thanks! … What's your name?").
func (r *run) askedAfter(t *toolDef, rawArgs string) (field, bool) {
	if r.conv.tc.Role == roleStaff || r.known.name != "" || r.conv.tc.Name != "" {
		return field{}, false
	}
	var args map[string]any
	if unmarshalArgs(rawArgs, &args) != nil {
		return field{}, false
	}
	// Calling again must be harmless: the tool changes nothing, or its
	// email argument says it keys what it keeps ("one lead per email"),
	// so a second call updates rather than repeats.
	hasID, keyed := false, !t.mutating
	for _, f := range t.schema.fields {
		if _, set := args[f.name]; set && (f.kind == kindEmail || f.kind == kindPhone) && callerField(f) {
			hasID = true
			d := fold(f.description)
			keyed = keyed || strings.Contains(d, " per email") || strings.Contains(d, " por correo")
		}
	}
	if !hasID || !keyed {
		return field{}, false
	}
	for _, f := range t.schema.fields {
		if _, set := args[f.name]; !set && f.kind == kindPersonName && !f.required && callerField(f) {
			return f, true
		}
	}
	return field{}, false
}

// toolErrorText says what went wrong in the user's language, never with
// the tool's own text (written for models, in English, maybe internal).
func (r *run) toolErrorText(name string, er errorResult) string {
	switch er.Error {
	case codeInvalidArguments:
		t := r.tool(name)
		if t == nil {
			return phInvalidGeneric.in(r.lang)
		}
		field, missing := firstProblem(er, t)
		if field == "" {
			return phInvalidGeneric.in(r.lang)
		}
		f, ok := t.schema.field(field)
		if !ok {
			f = field2(field)
		}
		q := r.askFor(t, f)
		if missing {
			return q
		}
		if f.kind == kindEmail {
			return phInvalidEmail.in(r.lang) + " " + q
		}
		return fmt.Sprintf(phInvalidField.in(r.lang), fieldLabel(f, r.lang)) + " " + q
	case "not_allowed", "unknown_tool":
		return phNotAllowed.in(r.lang)
	case "timeout", "canceled":
		return phTimeout.in(r.lang)
	case "not_found":
		return phNotFound.in(r.lang)
	case "conflict", "already_enrolled", "duplicate":
		return phConflict.in(r.lang)
	}
	if strings.Contains(er.Error, "full") || strings.Contains(er.Error, "no_seats") || strings.Contains(er.Error, "sold_out") {
		return phFull.in(r.lang) + " " + r.offer()
	}
	return phToolError.in(r.lang)
}

func field2(name string) field { return field{name: name, kind: kindOther} }

// unmarshalArgs reads a tool call's arguments.
func unmarshalArgs(args string, v *map[string]any) error {
	if err := json.Unmarshal([]byte(args), v); err != nil {
		return fmt.Errorf("tool call arguments: %w", err)
	}
	return nil
}

// filteredToNothing reports a call of a tool that takes only optional
// arguments (filters), made with some, whose result lists nothing: its
// lists are empty (or null, as Go writes an empty slice).
func filteredToNothing(t *toolDef, args, result string) bool {
	if slices.ContainsFunc(t.schema.fields, func(f field) bool { return f.required }) {
		return false
	}
	var in map[string]any
	if json.Unmarshal([]byte(args), &in) != nil || len(in) == 0 {
		return false
	}
	var out map[string]any
	if json.Unmarshal([]byte(result), &out) != nil {
		return false
	}
	empty := 0
	for _, v := range out {
		switch l := v.(type) {
		case []any:
			if len(l) > 0 {
				return false
			}
			empty++
		case nil:
			empty++
		}
	}
	return empty > 0
}

// certificateCheck reports a student's request for a course certificate
// that their enrolments should settle first: one for a course they have
// not completed is explained, not attempted.
func (r *run) certificateCheck(a action) bool {
	if a.kind != actCall || a.tool == nil || a.tool.name != toolGenerateDocument || r.conv.tc.Role != roleStudent || r.tool(toolMyEnrollments) == nil {
		return false
	}
	tmpl, _ := a.args["template"].(string)
	return tmpl == "certificate"
}

// certificateAfterCheck goes on from the student's enrolments: the
// certificate of a completed course is made; one for a course still in
// progress is explained, with what the knowledge base says it takes.
func (r *run) certificateAfterCheck(a action, content string) reply {
	var res struct {
		Enrollments []struct {
			Course   string `json:"course"`
			Title    string `json:"title"`
			Status   string `json:"status"`
			Progress int    `json:"progress"`
		} `json:"enrollments"`
	}
	if json.Unmarshal([]byte(content), &res) != nil {
		return r.callReply(a.tool.name, a.args)
	}
	course, _ := a.args["course"].(string)
	args := maps.Clone(a.args)
	var done []string
	for _, e := range res.Enrollments {
		completed := e.Progress >= 100 || e.Status == "completed"
		if completed {
			done = append(done, e.Course)
		}
		if course != "" && e.Course == course && !completed {
			return reply{text: fmt.Sprintf(phNotFinished.in(r.lang), e.Title, e.Progress) + r.whatItTakes()}
		}
	}
	// "my certificate", with one course completed: that one.
	if course == "" && len(done) == 1 {
		args["course"] = done[0]
	}
	return r.callReply(a.tool.name, args)
}
