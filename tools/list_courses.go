package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
)

// ListCoursesArgs are the arguments of list_courses.
type ListCoursesArgs struct {
	Language string `json:"language,omitempty" jsonschema:"enum=es,enum=en" jsonschema_description:"Only courses taught in this language (es or en). Omit for all."`
	Topic    string `json:"topic,omitempty" jsonschema:"maxLength=100" jsonschema_description:"A topic or word to filter by (marketing, python, prompts). Omit for all."`
	Level    string `json:"level,omitempty" jsonschema:"enum=beginner,enum=intermediate,enum=advanced" jsonschema_description:"Only courses of this level: beginner (no experience needed), intermediate or advanced. Omit for all."`
}

// ListCoursesResult is what list_courses returns.
type ListCoursesResult struct {
	Courses []CourseSummary `json:"courses"`
	// Message lists them for the user, in their language.
	Message string `json:"message"`
}

// CourseSummary is one course as a user sees it in a list.
type CourseSummary struct {
	Slug      string             `json:"slug"`
	Title     string             `json:"title"` // in the caller's language
	Language  string             `json:"language"`
	Price     float64            `json:"price"`
	Currency  string             `json:"currency,omitempty"`
	Start     string             `json:"start,omitempty"`
	SeatsLeft int                `json:"seats_left"`
	Status    store.CourseStatus `json:"status"`
}

// AddListCourses registers list_courses, the catalogue with prices, start
// dates and seats left, filtered by language of instruction, topic and
// level.
// Everyone may call it. It panics when cat is nil.
func AddListCourses(r *Registry, cat CourseCatalog) {
	if cat == nil {
		panic("tools: AddListCourses: nil CourseCatalog")
	}
	Add(r, Spec{
		Name: "list_courses",
		Description: "List the courses of the catalogue with price, start date, seats left and status, optionally only those taught " +
			"in a language, about a topic or of a level. Use it when the user asks which courses there are or what is available.",
		Roles: []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "que cursos tienen disponibles?"},
			{Lang: "es", Text: "muestrame la lista de cursos"},
			{Lang: "es", Text: "que cursos hay en ingles"},
			{Lang: "es", Text: "tienen cursos de marketing? cuando empiezan"},
			{Lang: "es", Text: "tienen algo sobre python o datos?"},
			{Lang: "es", Text: "cuales cursos quedan con plazas libres"},
			{Lang: "es", Text: "hay algun curso para principiantes?"},
			{Lang: "en", Text: "which courses do you offer"},
			{Lang: "en", Text: "show me the course catalog"},
			{Lang: "en", Text: "any courses about python starting soon?"},
			{Lang: "en", Text: "got anything on data analysis?"},
			{Lang: "en", Text: "which courses still have seats"},
			{Lang: "en", Text: "anything for beginners?"},
			{Lang: "pt", Text: "quais cursos voces tem?"},
			{Lang: "es", Text: "que cursos me recomiendan para empezar desde cero"},
			{Lang: "es", Text: "cursos para principiantes?"},
			{Lang: "en", Text: "what courses do you have for beginners"},
			{Lang: "en", Text: "list the courses you teach"},
			{Lang: "pt", Text: "quais cursos voces oferecem para iniciantes"},
			{Lang: "pt", Text: "tem algum curso de marketing?"},
			{Lang: "pt", Text: "mostra a lista de cursos"},
			{Lang: "pt", Text: "tem curso para iniciantes?"},
		},
	}, func(ctx context.Context, c Caller, in ListCoursesArgs) (ListCoursesResult, error) {
		return listCourses(ctx, cat, c, in)
	})
}

func listCourses(ctx context.Context, cat CourseCatalog, c Caller, in ListCoursesArgs) (ListCoursesResult, error) {
	all, err := cat.ListCourses(ctx, store.CourseFilter{Language: in.Language})
	if err != nil {
		return ListCoursesResult{}, fmt.Errorf("list_courses: %w", err)
	}
	out := ListCoursesResult{Courses: []CourseSummary{}}
	for _, co := range all {
		if in.Topic != "" && !courseAbout(co, in.Topic) {
			continue
		}
		if in.Level != "" && !strings.EqualFold(co.Level, in.Level) {
			continue
		}
		s := CourseSummary{
			Slug: co.Slug, Title: co.Title.In(c.Language), Language: co.Language, Price: co.Price.Amount,
			Currency: co.Price.Currency, SeatsLeft: max(co.Seats-co.SeatsTaken, 0), Status: co.Status,
		}
		if !co.Start.IsZero() {
			s.Start = co.Start.Format("2006-01-02")
		}
		if s.Status == store.CourseOpen && s.SeatsLeft == 0 {
			s.Status = store.CourseFull
		}
		out.Courses = append(out.Courses, s)
	}
	out.Message = coursesMessage(c.Language, out.Courses)
	return out, nil
}

// courseAbout reports whether the course is about topic: one of its
// topics, or a word of its titles, folded and typo-tolerant.
func courseAbout(c store.Course, topic string) bool {
	q := contentTokens(topic)
	if len(q) == 0 {
		return true
	}
	words := contentTokens(strings.Join(c.Topics, " ") + " " + c.Title.ES + " " + c.Title.EN)
	for _, t := range c.Topics {
		words = append(words, contentTokens(strings.ReplaceAll(t, "-", " "))...)
	}
	for _, qw := range q {
		for _, w := range words {
			if wordsMatch(qw, w) {
				return true
			}
		}
	}
	return false
}

// coursesTexts are list_courses' messages in one language; each course is
// a line of its title, price (or free), start (a date) and seats.
type coursesTexts struct {
	none, header, free, start, seats, full, closed string
}

var coursesMessages = map[string]coursesTexts{
	"es": {
		none:   "Ahora mismo no hay ningún curso que coincida. Si quieres, te muestro el catálogo completo.",
		header: "Estos son nuestros cursos:", free: "gratis", start: ", empieza el %s",
		seats: ", %d plazas libres", full: ", completo (lista de espera)", closed: ", inscripciones cerradas",
	},
	"en": {
		none:   "No course matches that right now. I can show you the whole catalogue if you like.",
		header: "These are our courses:", free: "free", start: ", starts %s",
		seats: ", %d seats left", full: ", full (waiting list)", closed: ", not enrolling",
	},
	"pt": {
		none:   "No momento nenhum curso corresponde a isso. Se quiser, mostro o catálogo completo.",
		header: "Estes são os nossos cursos:", free: "gratuito", start: ", começa em %s",
		seats: ", %d vagas disponíveis", full: ", lotado (lista de espera)", closed: ", inscrições encerradas",
	},
}

func coursesMessage(lang string, cs []CourseSummary) string {
	tx := inLang(coursesMessages, lang)
	if len(cs) == 0 {
		return tx.none
	}
	var b strings.Builder
	b.WriteString(tx.header)
	for _, c := range cs {
		price := tx.free
		if c.Price > 0 {
			price = fmtAmount(c.Price) + " " + c.Currency
		}
		fmt.Fprintf(&b, "\n- %s — %s", c.Title, price)
		if c.Start != "" {
			fmt.Fprintf(&b, tx.start, longDate(c.Start, lang))
		}
		switch c.Status {
		case store.CourseOpen:
			fmt.Fprintf(&b, tx.seats, c.SeatsLeft)
		case store.CourseFull:
			b.WriteString(tx.full)
		default:
			b.WriteString(tx.closed)
		}
	}
	return b.String()
}
