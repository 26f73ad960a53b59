package offline

import (
	"fmt"
	"strings"
)

// phrase is one phrase of the phrasebook in every language of the
// lexicon. Read-only once built.
type phrase struct {
	by map[string]string // language code → text
	// all are the texts of every language, the default language's first
	// and then in the lexicon's order, for reading a reply of any
	// language.
	all []string
}

// in returns the phrase in lang, or in the default language when the
// lexicon has no such language (English already stands in for a phrase a
// language's file lacks).
func (p phrase) in(lang string) string {
	if s, ok := p.by[lang]; ok {
		return s
	}
	return p.by[defaultLang]
}

// lexPhrase is a phrase of the lexicon ("phrases:" in lexicon/*.yaml). A
// name English lacks is a bug of this package, which any test finds.
func lexPhrase(name string) phrase {
	by, err := shipped.Phrases(name)
	if err != nil {
		panic(fmt.Sprintf("offline: %v", err))
	}
	return newPhrase(by)
}

func newPhrase(by map[string]string) phrase {
	p := phrase{by: by, all: []string{by[defaultLang]}}
	for _, code := range shipped.Codes() {
		if code != defaultLang {
			p.all = append(p.all, by[code])
		}
	}
	return p
}

// lexTable makes phrases of a lexicon table (labels, abilities).
func lexTable(t map[string]map[string]string) map[string]phrase {
	out := make(map[string]phrase, len(t))
	for k, by := range t {
		out[k] = newPhrase(by)
	}
	return out
}

// The phrasebook, from the lexicon. Knowledge is quoted as written
// (Spanish or English); what the engine itself says comes from here, so a
// Portuguese speaker is answered in Portuguese.
var (
	phGreeting = lexPhrase("greeting")
	phHello    = lexPhrase("hello")
	// phRequirements asks, for a certificate refused, what it takes.
	phRequirements = lexPhrase("requirements")
	phThanks       = lexPhrase("thanks")
	phBye          = lexPhrase("bye")
	phAck          = lexPhrase("ack")
	phClarify      = lexPhrase("clarify")
	phCanAnswer    = lexPhrase("can_answer")
	phCanAlso      = lexPhrase("can_also")
	phSwitched     = lexPhrase("switched")
	phCancel       = lexPhrase("cancel")

	phNoAnswer    = lexPhrase("no_answer")
	phOfferTicket = lexPhrase("offer_ticket")
	phOfferHuman  = lexPhrase("offer_human")
	phOfferBoth   = lexPhrase("offer_both")
	phContactTeam = lexPhrase("contact_team")
	phHandoffInfo = lexPhrase("handoff_info")
	phHandoffDone = lexPhrase("handoff_done")
	// phNotFinished: a student asked for the certificate of a course
	// they have not completed (title, progress).
	phNotFinished = lexPhrase("not_finished")
	// phAdaptedFrom opens an answer carried from another language by
	// the transfer table (word by word, so it says so).
	phAdaptedFrom = lexPhrase("adapted_from")
	phFoundIn     = lexPhrase("found_in")
	phAskPerson   = lexPhrase("ask_person")
	phMeanwhile   = lexPhrase("meanwhile")
	phSources     = lexPhrase("sources")

	phDone           = lexPhrase("done")
	phNothing        = lexPhrase("nothing")
	phToolError      = lexPhrase("tool_error")
	phNotAllowed     = lexPhrase("not_allowed")
	phTimeout        = lexPhrase("timeout")
	phNotFound       = lexPhrase("not_found")
	phConflict       = lexPhrase("conflict")
	phFull           = lexPhrase("full")
	phInvalidGeneric = lexPhrase("invalid_generic")
	phInvalidField   = lexPhrase("invalid_field")
	phInvalidEmail   = lexPhrase("invalid_email")
	phNotCaught      = lexPhrase("not_caught")
	phCourseUnknown  = lexPhrase("course_unknown")
	phOr             = lexPhrase("or")
	phAnd            = lexPhrase("and")
	// phTrue and phFalse render a boolean of a tool's result.
	phTrue  = lexPhrase("value_true")
	phFalse = lexPhrase("value_false")
)

// Questions for the fields most tools have. Others are asked with
// phAskGeneric and the field's label.
var (
	phAskEmail    = lexPhrase("ask_email")
	phAskName     = lexPhrase("ask_name")
	phAskPhone    = lexPhrase("ask_phone")
	phAskCourse   = lexPhrase("ask_course")
	phWeHave      = lexPhrase("we_have")
	phAskCompany  = lexPhrase("ask_company")
	phAskSize     = lexPhrase("ask_size")
	phAskBudget   = lexPhrase("ask_budget")
	phAskIndustry = lexPhrase("ask_industry")
	phAskCountry  = lexPhrase("ask_country")
	phAskTimeline = lexPhrase("ask_timeline")
	phAskProblem  = lexPhrase("ask_problem")
	phAskReason   = lexPhrase("ask_reason")
	phAskQuery    = lexPhrase("ask_query")
	phAskTicket   = lexPhrase("ask_ticket")
	phAskDate     = lexPhrase("ask_date")
	phAskFrom     = lexPhrase("ask_from")
	phAskTo       = lexPhrase("ask_to")
	phAskChoose   = lexPhrase("ask_choose")
	phAskInterest = lexPhrase("ask_interest")
	phAskGeneric  = lexPhrase("ask_generic")
	// phAskDetails asks for what a document needs (the parts below).
	phAskDetails = lexPhrase("ask_details")
	phNeedWhom   = lexPhrase("need_whom")
	phNeedItems  = lexPhrase("need_items")
	phNeedCourse = lexPhrase("need_course")
)

// labels name fields and enum values in each language, for questions and
// for rendering tool results. Keys are field names or enum values as tools
// write them (the tool contract of DESIGN.md); unknown ones are shown with
// underscores as spaces.
var labels = lexTable(shipped.Labels())

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
var toolAbilities = lexTable(shipped.Abilities())

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
	and := phAnd.in(lang)
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
	phIntro          = lexPhrase("intro")
	phIntroBusiness  = lexPhrase("intro_business")
	phIntroAssistant = lexPhrase("intro_assistant")
)
