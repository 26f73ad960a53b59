package tools

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/faroai/faro/store"
)

// CourseCatalog is what the course tools read of the catalogue.
// store.Store satisfies it.
type CourseCatalog interface {
	Course(ctx context.Context, slug string) (store.Course, error)
	ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error)
}

// Enroller is what enroll_course needs from the store: the catalogue, to
// find the course the user named, a seat, and the contacts and enrolments
// that say whose an email is. store.Store satisfies it.
type Enroller interface {
	CourseCatalog
	Enroll(ctx context.Context, r store.EnrollRequest) (store.Enrollment, bool, error)
	EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error)
	EnrollmentsByEmail(ctx context.Context, email string) ([]store.Enrollment, error)
	Contact(ctx context.Context, id string) (store.Contact, error)
	ContactByEmail(ctx context.Context, email string) (store.Contact, error)
	UpdateContact(ctx context.Context, c store.Contact) (store.Contact, error)
}

// EnrollConfig configures enroll_course.
type EnrollConfig struct {
	// PaymentLinkTemplate makes the link a paid enrolment is paid at;
	// {slug}, {enrollment}, {email}, {amount} and {currency} are replaced
	// (query-escaped). The payment provider confirms the payment through
	// the API, which activates the enrolment (store ConfirmPayment).
	PaymentLinkTemplate string
}

// DefaultEnrollConfig is the demo's: a checkout page that does not exist.
func DefaultEnrollConfig() EnrollConfig {
	return EnrollConfig{PaymentLinkTemplate: "https://pay.example/checkout?course={slug}&enrollment={enrollment}"}
}

// PaymentLink is the link where enrolment e in course c is paid.
func (cfg EnrollConfig) PaymentLink(c store.Course, e store.Enrollment) string {
	tmpl := cfg.PaymentLinkTemplate
	if tmpl == "" {
		tmpl = DefaultEnrollConfig().PaymentLinkTemplate
	}
	return strings.NewReplacer(
		"{slug}", url.QueryEscape(c.Slug),
		"{enrollment}", url.QueryEscape(e.ID),
		"{email}", url.QueryEscape(e.Email),
		"{amount}", url.QueryEscape(fmtAmount(c.Price.Amount)),
		"{currency}", url.QueryEscape(c.Price.Currency),
	).Replace(tmpl)
}

// EnrollCourseArgs are the arguments of enroll_course.
type EnrollCourseArgs struct {
	Course string `json:"course" jsonschema:"required,maxLength=200" jsonschema_description:"The course slug (ia-marketing), or its title as the user wrote it."`
	Email  string `json:"email,omitempty" jsonschema:"format=email,maxLength=254" jsonschema_description:"Email to enrol with. Leave it out to use the one we know for the user."`
	Name   string `json:"name,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Full name of the person to enrol."`
}

// EnrollCourseResult is what enroll_course returns.
type EnrollCourseResult struct {
	// Status is the enrolment's: active, pending_payment until the
	// payment link is paid, or waitlisted when the course is full.
	Status       store.EnrollmentStatus `json:"status"`
	Course       string                 `json:"course"`
	Title        string                 `json:"title"`
	EnrollmentID string                 `json:"enrollment_id"`
	Email        string                 `json:"email"`
	Start        string                 `json:"start,omitempty"`
	// WaitlistPosition is the place on the course's waiting list (1
	// first) when Status is waitlisted.
	WaitlistPosition int `json:"waitlist_position,omitempty"`
	// AlreadyEnrolled: the person had this seat, or this place on the
	// waiting list, already; nothing changed.
	AlreadyEnrolled bool `json:"already_enrolled"`
	// Refused: the email is not the caller's; nothing was written and
	// nothing about its owner is said (only Course, Title and Message are
	// set).
	Refused     bool   `json:"refused,omitempty"`
	PaymentLink string `json:"payment_link,omitempty"`
	Price       string `json:"price,omitempty"`
	// Message is what to tell the user, in their language.
	Message string `json:"message"`
}

// AddEnrollCourse registers enroll_course: a seat in a course found by
// slug or title, active for a free course, pending payment (with a link)
// for a paid one, or a place on its waiting list when it is full; a second
// request answers "already enrolled". Prospects,
// students and staff may call it; only staff may enrol someone else (see
// [ownEmail]). It panics when e is nil.
func AddEnrollCourse(r *Registry, e Enroller, cfg EnrollConfig) {
	if e == nil {
		panic("tools: AddEnrollCourse: nil Enroller")
	}
	Add(r, Spec{
		Name: "enroll_course",
		Description: "Enrol the user in a course of the catalogue, by its slug or title. A free course is confirmed at once; " +
			"a paid one gets a payment link and the seat is held until it is paid. " +
			"When the course is full, this puts the user on its waiting list instead (this is how they join it): no seat and no payment link; " +
			"if a seat frees up they are emailed, in waiting-list order. " +
			"Use list_courses first when the user does not know which course. " +
			"Users who are not staff can only enrol with their own email.",
		Roles: []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "quiero inscribirme en el curso de ia para marketing"},
			{Lang: "es", Text: "me apuntas al curso de fundamentos de ia generativa?"},
			{Lang: "es", Text: "como me matriculo en analisis de datos con ia"},
			{Lang: "es", Text: "quiero reservar mi plaza en el curso de prompt engineering"},
			{Lang: "es", Text: "inscribeme en el curso de datos por favor"},
			{Lang: "es", Text: "me inscribes en el curso de ia para marketing?"},
			{Lang: "es", Text: "me vuelves a inscribir? creo que no se guardo"},
			{Lang: "es", Text: "apuntame al de analisis de datos"},
			{Lang: "en", Text: "sign me up for the AI for marketing course"},
			{Lang: "en", Text: "I want to enroll in prompt engineering in practice"},
			{Lang: "en", Text: "how do i register for the generative ai foundations course"},
			{Lang: "en", Text: "enrol me again in prompt engineering, not sure it went through"},
			{Lang: "en", Text: "can u sign me up for the data analysis one"},
			{Lang: "pt", Text: "quero me inscrever no curso de IA para marketing"},
			{Lang: "es", Text: "anotame en el curso de datos, mi correo es ana@ejemplo.com"},
			{Lang: "es", Text: "me quiero sumar al curso de ia para marketing que empieza en febrero"},
			{Lang: "es", Text: "como hago para entrar al curso de prompt engineering? ya lo quiero hacer"},
			{Lang: "es", Text: "quiero tomar tambien el de agentes, inscribime"},
			{Lang: "en", Text: "please enrol me in the AI for marketing course, you can use jo@example.com"},
			{Lang: "en", Text: "my team lead asked me to join the data analysis course, how do I get a seat"},
			{Lang: "en", Text: "I'd like to take the managers course too, put me down for it"},
			{Lang: "pt", Text: "me inscreve em prompt engineering, meu email e joao@exemplo.com"},
			{Lang: "pt", Text: "quero entrar no curso de analise de dados, como faco a matricula"},
			{Lang: "pt", Text: "pode me matricular tambem no de marketing?"},
		},
		Mutating: true,
	}, func(ctx context.Context, c Caller, in EnrollCourseArgs) (EnrollCourseResult, error) {
		return enrollCourse(ctx, e, cfg, c, in)
	})
}

func enrollCourse(ctx context.Context, e Enroller, cfg EnrollConfig, c Caller, in EnrollCourseArgs) (EnrollCourseResult, error) {
	course, err := findCourse(ctx, e, in.Course)
	if err != nil {
		return EnrollCourseResult{}, err
	}
	var email string
	if c.Role == store.RoleStaff {
		email = cmp.Or(strings.TrimSpace(in.Email), c.Email)
	} else {
		var refusal string
		email, refusal, err = ownEmail(ctx, e, c, strings.TrimSpace(in.Email))
		if err != nil {
			return EnrollCourseResult{}, err
		}
		if refusal != "" {
			return EnrollCourseResult{Course: course.Slug, Title: course.Title.In(c.Language), Refused: true, Message: refusal}, nil
		}
	}
	if email == "" {
		// Asked for only now: a caller whose email we know is never asked.
		return EnrollCourseResult{}, FieldError{Field: "email", Problem: ProblemMissing}
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = c.Name
	}
	// Asking for a seat in a full course is how one joins its waiting
	// list (the knowledge base tells people so).
	req := store.EnrollRequest{CourseSlug: course.Slug, Email: email, Name: name, Waitlist: true}
	// The seat is the caller's unless staff enrol someone else.
	if c.Role != store.RoleStaff || store.FoldEmail(email) == store.FoldEmail(c.Email) {
		req.ContactID = c.ContactID
	}
	en, created, err := e.Enroll(ctx, req)
	title := course.Title.In(c.Language)
	switch {
	case errors.Is(err, store.ErrClosed):
		return EnrollCourseResult{}, &Failure{Code: "course_closed",
			Message: fmt.Sprintf("course %s (%q) is not taking enrolments; suggest another course from list_courses", course.Slug, title), Err: err}
	case errors.Is(err, store.ErrNotFound):
		return EnrollCourseResult{}, &Failure{Code: "not_found", Message: fmt.Sprintf("course %s does not exist", course.Slug), Err: err}
	case err != nil:
		return EnrollCourseResult{}, fmt.Errorf("enroll_course: enrol %s in %s: %w", email, course.Slug, err)
	}
	res := EnrollCourseResult{
		Status: en.Status, Course: course.Slug, Title: title, EnrollmentID: en.ID, Email: en.Email,
		WaitlistPosition: en.WaitlistPosition, AlreadyEnrolled: !created,
	}
	if !course.Start.IsZero() {
		res.Start = course.Start.Format("2006-01-02")
	}
	if !course.Free() {
		res.Price = fmtAmount(course.Price.Amount) + " " + course.Price.Currency
	}
	if en.Status == store.EnrollmentPendingPayment {
		res.PaymentLink = cfg.PaymentLink(course, en)
	}
	res.Message = enrollMessage(c.Language, res)
	return res, nil
}

// ownEmail decides the email a caller who is not staff enrols with: it
// must be their own. That is the email on their contact; when the contact
// has none yet, the one asked for (or enrolled with before) if no other
// contact holds it and no one else's enrolment uses it, which then becomes
// the contact's email (first claim). Any other email is refused with a
// message in the caller's language that says nothing about its owner, and
// nothing is written. An empty email with no refusal means it must be
// asked for.
func ownEmail(ctx context.Context, e Enroller, c Caller, asked string) (email, refusal string, err error) {
	own := c.Email
	var contact store.Contact
	if own == "" && c.ContactID != "" {
		// The contact may have claimed an email since the turn began.
		contact, err = e.Contact(ctx, c.ContactID)
		if err != nil {
			return "", "", fmt.Errorf("enroll_course: contact %s: %w", c.ContactID, err)
		}
		own = contact.Email
	}
	tx := inLang(enrollMessages, c.Language)
	if own != "" {
		if asked != "" && store.FoldEmail(asked) != store.FoldEmail(own) {
			return "", fmt.Sprintf(tx.onlyOwn, own), nil
		}
		return own, "", nil
	}
	email = asked
	if email == "" && c.ContactID != "" {
		// The email the caller enrolled with before, in this chat or
		// another: someone who gave it once is not asked again.
		ens, err := e.EnrollmentsByContact(ctx, c.ContactID)
		if err != nil {
			return "", "", fmt.Errorf("enroll_course: enrolments of %s: %w", c.ContactID, err)
		}
		for _, en := range ens { // newest first
			if en.Email != "" {
				email = en.Email
				break
			}
		}
	}
	if email == "" {
		return "", "", nil
	}
	holder, err := e.ContactByEmail(ctx, email)
	switch {
	case err == nil && (c.ContactID == "" || holder.ID != c.ContactID):
		return "", tx.otherAccount, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", "", fmt.Errorf("enroll_course: contact of %s: %w", email, err)
	}
	// Enrolments under the email that are not the caller's (made by staff
	// or through the API for someone without a contact) are someone
	// else's too: claiming the email would show them.
	ens, err := e.EnrollmentsByEmail(ctx, email)
	if err != nil {
		return "", "", fmt.Errorf("enroll_course: enrolments of %s: %w", email, err)
	}
	for _, en := range ens {
		if en.ContactID == "" || en.ContactID != c.ContactID {
			return "", tx.otherAccount, nil
		}
	}
	if c.ContactID == "" {
		return email, "", nil
	}
	// First claim: the email is the contact's from now on. The store's
	// unique email decides a race between two contacts claiming it.
	contact.Email = email
	if _, err := e.UpdateContact(ctx, contact); errors.Is(err, store.ErrConflict) {
		return "", tx.otherAccount, nil
	} else if err != nil {
		return "", "", fmt.Errorf("enroll_course: claim %s for contact %s: %w", email, c.ContactID, err)
	}
	return email, "", nil
}

// findCourse finds the course the user named: its slug, else a fuzzy match
// of its title. No match, or several close ones, is an invalid course
// argument naming the candidates, so the model (or the offline engine)
// asks the user which one.
func findCourse(ctx context.Context, cat CourseCatalog, named string) (store.Course, error) {
	slug := strings.ToLower(strings.TrimSpace(named))
	if !strings.ContainsAny(slug, " \t") {
		c, err := cat.Course(ctx, slug)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Course{}, fmt.Errorf("find course %q: %w", slug, err)
		}
	}
	all, err := cat.ListCourses(ctx, store.CourseFilter{})
	if err != nil {
		return store.Course{}, fmt.Errorf("find course %q: list courses: %w", named, err)
	}
	course, cands, ok := pickCourse(matchCourses(named, all))
	if ok {
		return course, nil
	}
	if len(cands) > 0 {
		names := make([]string, len(cands))
		for i, c := range cands {
			names[i] = fmt.Sprintf("%q (%s)", c.Title.EN, c.Slug)
		}
		return store.Course{}, FieldError{Field: "course",
			Problem: "matches several courses: " + strings.Join(names, ", ") + "; ask the user which one"}
	}
	return store.Course{}, FieldError{Field: "course", Problem: "no course of the catalogue has that slug or title; list_courses shows them"}
}

// enrollTexts are enroll_course's messages in one language. The verbs
// take, in order: the title, the email, then the price and the payment
// link, or the status; start is appended (" Empieza el …") when the
// course has a start date.
// waitlisted and alreadyWaitlisted take the title, the place on the
// waiting list and the email: they never say the person is enrolled, nor
// give a payment link.
// onlyOwn (taking the caller's own email) and otherAccount refuse an
// email that is not the caller's.
type enrollTexts struct {
	start                                  string // the start date
	alreadyPending, already, pending, done string
	waitlisted, alreadyWaitlisted          string
	onlyOwn, otherAccount                  string
}

var enrollMessages = map[string]enrollTexts{
	"es": {
		start:          " Empieza el %s.",
		alreadyPending: "Ya estabas inscrito en «%s» con %s; tu plaza está reservada hasta que completes el pago de %s aquí: %s",
		already:        "Ya estabas inscrito en «%s» con %s (estado: %s), así que no hace falta hacer nada más.%s",
		pending:        "Te he inscrito en «%s» con %s. Tu plaza queda reservada hasta que completes el pago de %s aquí: %s%s",
		done:           "Listo: te he inscrito en «%s» con %s.%s",
		onlyOwn:        "Solo puedo inscribirte con tu propio correo, %s. Si quieres usar otro, contacta con soporte.",
		otherAccount:   "Ese correo pertenece a otra cuenta. Usa tu propio correo o contacta con soporte.",
		waitlisted: "El curso «%s» está completo, así que te he apuntado a su lista de espera, en el puesto %d. " +
			"Si se libera una plaza, te escribiremos a %s, por orden de la lista.",
		alreadyWaitlisted: "Ya estabas en la lista de espera de «%s», en el puesto %d; todavía no se ha liberado ninguna plaza. " +
			"Si se libera una, te escribiremos a %s, por orden de la lista.",
	},
	"en": {
		start:          " It starts on %s.",
		alreadyPending: "You're already enrolled in “%s” with %s; your seat is held until you pay %s here: %s",
		already:        "You're already enrolled in “%s” with %s (status: %s), so there's nothing more to do.%s",
		pending:        "I've enrolled you in “%s” with %s. Your seat is held until you pay %s here: %s%s",
		done:           "Done: you're enrolled in “%s” with %s.%s",
		onlyOwn:        "I can only enrol you with your own email, %s. To use another one, please contact support.",
		otherAccount:   "That email belongs to another account. Please use your own email, or contact support.",
		waitlisted: "“%s” is full, so I've put you on its waiting list, in position %d. " +
			"If a seat frees up, we'll write to you at %s, in waiting-list order.",
		alreadyWaitlisted: "You're already on the waiting list for “%s”, in position %d; no seat has freed up yet. " +
			"If one does, we'll write to you at %s, in waiting-list order.",
	},
	"pt": {
		start:          " O curso começa em %s.",
		alreadyPending: "Você já tem uma matrícula em “%s” com %s; sua vaga fica reservada até o pagamento de %s aqui: %s",
		already:        "Você já tem uma matrícula em “%s” com %s (situação: %s), então não é preciso fazer mais nada.%s",
		pending:        "Fiz sua matrícula em “%s” com %s. Sua vaga fica reservada até o pagamento de %s aqui: %s%s",
		done:           "Pronto: fiz sua matrícula em “%s” com %s.%s",
		onlyOwn:        "Só posso fazer sua matrícula com o seu próprio e-mail, %s. Para usar outro, fale com o suporte.",
		otherAccount:   "Esse e-mail pertence a outra conta. Use o seu próprio e-mail ou fale com o suporte.",
		waitlisted: "O curso “%s” está lotado, então coloquei você na lista de espera, na posição %d. " +
			"Se abrir uma vaga, vamos escrever para %s, seguindo a ordem da lista.",
		alreadyWaitlisted: "Você já está na lista de espera de “%s”, na posição %d; ainda não abriu nenhuma vaga. " +
			"Se abrir, vamos escrever para %s, seguindo a ordem da lista.",
	},
}

func enrollMessage(lang string, r EnrollCourseResult) string {
	tx := inLang(enrollMessages, lang)
	start := ""
	if r.Start != "" {
		start = fmt.Sprintf(tx.start, longDate(r.Start, lang))
	}
	switch {
	case r.AlreadyEnrolled && r.Status == store.EnrollmentWaitlisted:
		return fmt.Sprintf(tx.alreadyWaitlisted, r.Title, r.WaitlistPosition, r.Email)
	case r.Status == store.EnrollmentWaitlisted:
		return fmt.Sprintf(tx.waitlisted, r.Title, r.WaitlistPosition, r.Email)
	case r.AlreadyEnrolled && r.Status == store.EnrollmentPendingPayment:
		return fmt.Sprintf(tx.alreadyPending, r.Title, r.Email, r.Price, r.PaymentLink)
	case r.AlreadyEnrolled:
		return fmt.Sprintf(tx.already, r.Title, r.Email, enrollmentStatusName(lang, r.Status), start)
	case r.Status == store.EnrollmentPendingPayment:
		return fmt.Sprintf(tx.pending, r.Title, r.Email, r.Price, r.PaymentLink, start)
	}
	return fmt.Sprintf(tx.done, r.Title, r.Email, start)
}

// enrollmentStatusNames name an enrolment's status for people, by language
// (waitlisted as the lexicon's label of it says).
var enrollmentStatusNames = map[string]map[store.EnrollmentStatus]string{
	"es": {store.EnrollmentActive: "activa", store.EnrollmentPendingPayment: "pendiente de pago",
		store.EnrollmentCompleted: "completada", store.EnrollmentCancelled: "cancelada", store.EnrollmentWaitlisted: "en lista de espera"},
	"en": {store.EnrollmentActive: "active", store.EnrollmentPendingPayment: "pending payment",
		store.EnrollmentCompleted: "completed", store.EnrollmentCancelled: "cancelled", store.EnrollmentWaitlisted: "on the waiting list"},
	"pt": {store.EnrollmentActive: "ativa", store.EnrollmentPendingPayment: "pagamento pendente",
		store.EnrollmentCompleted: "concluída", store.EnrollmentCancelled: "cancelada", store.EnrollmentWaitlisted: "na lista de espera"},
}

// enrollmentStatusName is s in lang; the status itself when it has no name.
func enrollmentStatusName(lang string, s store.EnrollmentStatus) string {
	if n, ok := inLang(enrollmentStatusNames, lang)[s]; ok {
		return n
	}
	return string(s)
}

// fmtAmount writes an amount without decimals when it has none: 249, 19.5.
func fmtAmount(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
