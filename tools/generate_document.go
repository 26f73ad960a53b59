package tools

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/store"
)

// DocumentStore is what generate_document needs from the store: where
// documents are kept, and the enrolments a certificate is made from.
// store.Store satisfies it.
type DocumentStore interface {
	EnrollmentReader
	SaveGeneratedDocument(ctx context.Context, d store.GeneratedDocument) (store.GeneratedDocument, bool, error)
}

// DocumentConfig configures generate_document.
type DocumentConfig struct {
	// Catalog holds the templates; nil means documents.New().
	Catalog *documents.Catalog
	// Links signs the download links the tool hands out. The server
	// verifies them with the same Links, so `faro serve` builds it from
	// the server's secret and public URL; nil means a link signed with a
	// random key for http://localhost:8080, which no server can verify
	// (good for `faro chat` and evaluations only).
	Links *documents.Links
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (cfg DocumentConfig) now() time.Time {
	if cfg.Now != nil {
		return cfg.Now()
	}
	return time.Now()
}

// DefaultDocumentConfig is the embedded templates with links no server
// verifies (see [DocumentConfig.Links]).
func DefaultDocumentConfig() DocumentConfig { return DocumentConfig{} }

// withDefaults fills Catalog and Links.
func (cfg DocumentConfig) withDefaults() (DocumentConfig, error) {
	if cfg.Catalog == nil {
		c, err := documents.New()
		if err != nil {
			return cfg, err
		}
		cfg.Catalog = c
	}
	if cfg.Links == nil {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return cfg, fmt.Errorf("link secret: %w", err)
		}
		l, err := documents.NewLinks("http://localhost:8080", secret, 0)
		if err != nil {
			return cfg, err
		}
		cfg.Links = l
	}
	return cfg, nil
}

// GenerateDocumentArgs are the arguments of generate_document.
type GenerateDocumentArgs struct {
	Template  string         `json:"template" jsonschema:"required,enum=certificate,enum=proposal,enum=invoice" jsonschema_description:"certificate (a course completion certificate), proposal (a commercial proposal for a client) or invoice (a billing summary)."`
	Variables map[string]any `json:"variables,omitempty" jsonschema_description:"The template's values. certificate: student_name, course_title, completion_date (the course edition's end when left out), certificate_number (assigned when left out). A student's come from their enrolment: leave them out. proposal: client_name, company, items (list of {description, quantity, unit_price}, or text \"AI workshop 1500; 2x Mentoring 300\"), valid_until (a date or \"30 days\"; 30 days when left out), currency, notes. invoice: invoice_number (assigned when left out), client_name, company, tax_id, items, tax_rate (percent), due_date, currency."`
	Format    string         `json:"format,omitempty" jsonschema:"enum=pdf,enum=html,enum=markdown" jsonschema_description:"pdf (default), html or markdown."`
	Course    string         `json:"course,omitempty" jsonschema:"maxLength=200" jsonschema_description:"For a certificate: the course slug or title as the user wrote it."`
	Email     string         `json:"email,omitempty" jsonschema:"format=email,maxLength=254" jsonschema_description:"Staff only, for a certificate: the email of another person, the student it is for. A student always gets their own."`
}

// GenerateDocumentResult is what generate_document returns.
type GenerateDocumentResult struct {
	// Status is generated, or incomplete when variables are missing or
	// wrong (Problems says which; nothing was made), not_completed when a
	// student's course is not finished yet, not_enrolled when the student
	// has no enrolment in it.
	Status     string              `json:"status"`
	Template   string              `json:"template"`
	DocumentID string              `json:"document_id,omitempty"`
	Format     string              `json:"format,omitempty"`
	Filename   string              `json:"filename,omitempty"`
	Size       int64               `json:"size,omitempty"`
	URL        string              `json:"url,omitempty"`        // the download link, no key needed
	ExpiresAt  string              `json:"expires_at,omitempty"` // RFC 3339, when URL stops working
	Missing    []string            `json:"missing,omitempty"`
	Problems   []documents.Problem `json:"problems,omitempty"`
	Templates  []DocumentTemplate  `json:"templates,omitempty"`
	// AlreadyGenerated: the same request was made before in this
	// conversation today; that document is handed out again.
	AlreadyGenerated bool `json:"already_generated,omitempty"`
	// Message is what to tell the user, in their language.
	Message string `json:"message"`
}

// DocumentTemplate names a template and its variables, for a model that
// must ask for them.
type DocumentTemplate struct {
	Name      string   `json:"name"`
	Variables []string `json:"variables"`
}

// The statuses of GenerateDocumentResult.
const (
	DocGenerated    = "generated"
	DocIncomplete   = "incomplete"
	DocNotCompleted = "not_completed"
	DocNotEnrolled  = "not_enrolled"
)

// AddGenerateDocument registers generate_document: a certificate,
// proposal or invoice rendered from an embedded template to PDF, HTML or
// Markdown, stored, and handed out as a signed download link. Staff may
// make any template with any values; a student only their own course
// certificate, whose values come from their enrolment (completed), never
// from the arguments. The same request in the same conversation on the
// same day gives the same document. It panics when st is nil or the
// templates do not load.
func AddGenerateDocument(r *Registry, st DocumentStore, cfg DocumentConfig) {
	if st == nil {
		panic("tools: AddGenerateDocument: nil DocumentStore")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		panic("tools: AddGenerateDocument: " + err.Error())
	}
	Add(r, Spec{
		Name: "generate_document",
		Description: "Generate a document and give the user a download link: a course completion certificate (a student gets only their own, " +
			"for a course they completed), a commercial proposal or an invoice for a client (staff). Pass the template, its variables and the format. " +
			"When variables are missing the result says which: ask the user for them.",
		Roles: []store.Role{store.RoleStudent, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "necesito mi certificado del curso de prompt engineering"},
			{Lang: "es", Text: "me generas el certificado de finalizacion de mi curso?"},
			{Lang: "es", Text: "genera una propuesta para Acme con el taller de ia"},
			{Lang: "es", Text: "hazme una propuesta comercial en pdf para un cliente"},
			{Lang: "es", Text: "genera una factura para el cliente"},
			{Lang: "en", Text: "I need my certificate for the Prompt Engineering course"},
			{Lang: "en", Text: "generate my course completion certificate"},
			{Lang: "en", Text: "create a proposal for Acme as a pdf"},
			{Lang: "en", Text: "draft a commercial proposal for a client"},
			{Lang: "en", Text: "make an invoice for the client"},
			{Lang: "pt", Text: "preciso do meu certificado do curso"},
			{Lang: "es", Text: "ya termine el curso, me mandas mi certificado en pdf?"},
			{Lang: "es", Text: "armame una propuesta para la empresa Lopez SA con dos talleres"},
			{Lang: "es", Text: "necesito una factura para Clinica Norte: 3 licencias a 99 dolares"},
			{Lang: "es", Text: "prepara un presupuesto en pdf para el cliente con validez de 15 dias"},
			{Lang: "en", Text: "I finished the course, can you send me my certificate"},
			{Lang: "en", Text: "prepare a quote document for Globex: 2 workshops at 800 each"},
			{Lang: "en", Text: "put together an invoice for our client with the items and tax"},
			{Lang: "pt", Text: "terminei o curso, pode gerar meu certificado?"},
			{Lang: "es", Text: "acabo de completar el curso de datos, me mandan mi certificado?"},
			{Lang: "es", Text: "complete la formacion, quiero mi constancia en pdf"},
			{Lang: "en", Text: "just completed the course, may I have the certificate now?"},
			{Lang: "pt", Text: "conclui a formacao, consigo baixar meu certificado aqui?"},
			{Lang: "pt", Text: "gera uma proposta comercial para a empresa Alfa com um workshop"},
			{Lang: "pt", Text: "preciso de uma fatura para o cliente em pdf"},
		},
		Mutating: true,
	}, func(ctx context.Context, c Caller, in GenerateDocumentArgs) (GenerateDocumentResult, error) {
		return generateDocument(ctx, st, cfg, c, in)
	})
}

// docLang is the language documents are written in: Spanish or English
// (the templates have no Portuguese; a Portuguese speaker gets English).
func docLang(lang string) string {
	if lang == "es" {
		return "es"
	}
	return "en"
}

// msgLang is the language generate_document talks to the caller in: theirs
// when it has texts for it, else the document's.
func msgLang(lang string) string {
	if _, ok := documentMessages[lang]; ok {
		return lang
	}
	return docLang(lang)
}

// documentTexts are generate_document's messages in one language. The
// generated ones take what the document is about (course, company or
// invoice number), the format, the link and the day it expires;
// notEnrolled and waitlisted the course title; notCompleted the title and
// the progress.
type documentTexts struct {
	certificate, proposal, invoice string
	notEnrolled, notCompleted      string
	waitlisted                     string
}

var documentMessages = map[string]documentTexts{
	"es": {
		certificate:  "Listo: aquí tienes el certificado de «%s» en %s: %s (el enlace vale hasta el %s).",
		proposal:     "Listo: la propuesta comercial para %s en %s está aquí: %s (el enlace vale hasta el %s).",
		invoice:      "Listo: la factura %s en %s está aquí: %s (el enlace vale hasta el %s).",
		notEnrolled:  "No encuentro ninguna inscripción tuya en «%s», así que no puedo emitir ese certificado. Si crees que es un error, dime con qué correo te inscribiste o pide hablar con una persona.",
		notCompleted: "Todavía no has completado «%s» (progreso: %d %%). El certificado se emite al terminar el curso; cuando lo completes, pídemelo de nuevo.",
		waitlisted:   "Estás en la lista de espera de «%s», sin plaza todavía, así que no hay certificado que emitir: se emite al terminar el curso.",
	},
	"en": {
		certificate:  "Done: here is the certificate for “%s” as %s: %s (the link works until %s).",
		proposal:     "Done: the commercial proposal for %s as %s is here: %s (the link works until %s).",
		invoice:      "Done: invoice %s as %s is here: %s (the link works until %s).",
		notEnrolled:  "I can't find an enrolment of yours in “%s”, so I can't issue that certificate. If you think that's wrong, tell me the email you enrolled with or ask to talk to a person.",
		notCompleted: "You haven't completed “%s” yet (progress: %d%%). The certificate is issued once the course is finished; ask me again when you're done.",
		waitlisted:   "You're on the waiting list for “%s”, without a seat yet, so there's no certificate to issue: it's issued once the course is finished.",
	},
	"pt": {
		certificate:  "Pronto: aqui está o certificado de “%s” em %s: %s (o link vale até %s).",
		proposal:     "Pronto: a proposta comercial para %s em %s está aqui: %s (o link vale até %s).",
		invoice:      "Pronto: a fatura %s em %s está aqui: %s (o link vale até %s).",
		notEnrolled:  "Não encontrei nenhuma matrícula sua em “%s”, então não posso emitir esse certificado. Se achar que é um engano, me diga com qual e-mail você fez a matrícula ou peça para falar com uma pessoa.",
		notCompleted: "Você ainda não concluiu “%s” (progresso: %d%%). O certificado é emitido quando o curso termina; quando concluir, é só me pedir de novo.",
		waitlisted:   "Você está na lista de espera de “%s”, ainda sem vaga, então não há certificado para emitir: ele é emitido quando o curso termina.",
	},
}

func generateDocument(ctx context.Context, st DocumentStore, cfg DocumentConfig, c Caller, in GenerateDocumentArgs) (GenerateDocumentResult, error) {
	lang := docLang(c.Language)
	tm, err := cfg.Catalog.Template(in.Template)
	var ute *documents.UnknownTemplateError
	if errors.As(err, &ute) {
		return GenerateDocumentResult{}, FieldError{Field: "template", Problem: "must be one of: " + strings.Join(cfg.Catalog.Names(), ", ")}
	}
	format, ok := documents.ParseFormat(in.Format)
	if !ok {
		return GenerateDocumentResult{}, FieldError{Field: "format", Problem: "must be one of: pdf, html, markdown"}
	}
	now := cfg.now().UTC()
	vars := map[string]any{}
	for k, v := range in.Variables {
		vars[k] = v
	}
	forContact := ""
	switch {
	case c.Role == store.RoleStudent:
		if tm.Name != documents.Certificate {
			return GenerateDocumentResult{}, Fail(CodeNotAllowed, "a student may only generate their own course certificate")
		}
		res, done, err := ownCertificate(ctx, st, tm, c, in, vars)
		if err != nil || done != nil {
			if done != nil {
				done.Template = tm.Name
				return *done, nil
			}
			return GenerateDocumentResult{}, err
		}
		vars, forContact = res, c.ContactID
	case tm.Name == documents.Certificate:
		fc, err := staffCertificate(ctx, st, tm, c, in, vars, now)
		if err != nil {
			return GenerateDocumentResult{}, err
		}
		forContact = fc
	}

	by := c.ContactID
	if by == "" {
		by = "role:" + string(c.Role)
	}
	if tm.Name != documents.Certificate {
		if vars, err = priceCourseItems(ctx, st, vars); err != nil {
			return GenerateDocumentResult{}, err
		}
	}
	// A number left out is assigned: the same for this request asked
	// again (a re-run turn), another for anyone else's.
	values, err := cfg.Catalog.CheckFor(tm, vars, now, by+"\x00"+c.ConversationID)
	var ve *documents.VarsError
	if errors.As(err, &ve) {
		out := GenerateDocumentResult{Status: DocIncomplete, Template: tm.Name, Missing: ve.Missing(), Problems: ve.Problems, Message: ve.Message(msgLang(c.Language))}
		out.Templates = []DocumentTemplate{{Name: tm.Name, Variables: varNames(tm)}}
		return out, nil
	}
	if err != nil {
		return GenerateDocumentResult{}, fmt.Errorf("generate_document: check %s: %w", tm.Name, err)
	}
	rendered, err := cfg.Catalog.Render(tm, lang, format, values, now)
	if err != nil {
		return GenerateDocumentResult{}, fmt.Errorf("generate_document: %w", err)
	}
	vjson, err := json.Marshal(values)
	if err != nil {
		return GenerateDocumentResult{}, fmt.Errorf("generate_document: encode variables: %w", err)
	}
	doc, created, err := st.SaveGeneratedDocument(ctx, store.GeneratedDocument{
		Template: tm.Name, Format: string(format), Language: lang, Variables: vjson,
		Content: rendered.Content, ContentType: rendered.ContentType, Filename: rendered.Filename,
		CreatedBy: by, ForContact: forContact, ConversationID: c.ConversationID,
		DedupeKey: DocumentDedupeKey(tm.Name, string(format), lang, vjson, by, c.ConversationID, now),
	})
	if err != nil {
		return GenerateDocumentResult{}, fmt.Errorf("generate_document: save %s: %w", tm.Name, err)
	}
	url, exp := cfg.Links.URL(doc.ID, now)
	out := GenerateDocumentResult{
		Status: DocGenerated, Template: tm.Name, DocumentID: doc.ID, Format: doc.Format, Filename: doc.Filename, Size: doc.Size,
		URL: url, ExpiresAt: exp.Format(time.RFC3339), AlreadyGenerated: !created,
	}
	out.Message = generatedMessage(msgLang(c.Language), tm, values, format, url, exp)
	return out, nil
}

// DocumentDedupeKey is the key that makes one request one document: the
// same template, values, format and language asked by the same person in
// the same conversation on the same day (UTC). A turn re-run after a
// crash, or a message delivered twice, hands out the first document;
// asking again tomorrow, or elsewhere, makes a new one (dated that day).
func DocumentDedupeKey(template, format, lang string, vars []byte, requester, conversationID string, now time.Time) string {
	if conversationID == "" {
		return "" // outside a conversation every request is a new document
	}
	h := sha256.New()
	for _, part := range []string{template, format, lang, string(vars), requester, conversationID, now.UTC().Format(time.DateOnly)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

var (
	reItemSep   = regexp.MustCompile(`[;+\n]`)
	reItemPrice = regexp.MustCompile(`(?i)\d[\d.,]*\s*(?:usd|eur|mxn|\$|€|dólares|dolares|dollars|euros)?\.?\s*$`)
)

// priceCourseItems gives the catalogue's price to an item line that names
// one of the business's courses and no price ("12x IA para marketing"):
// staff quoting seats of a course do not restate its list price. Lines
// with a price, or naming no course or several alike, are left as
// written, for the template check to report.
func priceCourseItems(ctx context.Context, st DocumentStore, vars map[string]any) (map[string]any, error) {
	items, ok := vars["items"].(string)
	if !ok || strings.TrimSpace(items) == "" {
		return vars, nil
	}
	var courses []store.Course
	lines := reItemSep.Split(items, -1)
	changed := false
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || reItemPrice.MatchString(line) {
			continue
		}
		if courses == nil {
			var err error
			if courses, err = st.ListCourses(ctx, store.CourseFilter{}); err != nil {
				return vars, fmt.Errorf("generate_document: price items: %w", err)
			}
		}
		ms := matchCourses(line, courses)
		if len(ms) == 0 || (len(ms) > 1 && ms[1].score >= ms[0].score-courseMatchMargin) {
			continue
		}
		c := ms[0].course
		lines[i] = line + " " + strconv.FormatFloat(c.Price.Amount, 'f', -1, 64)
		if cur, _ := vars["currency"].(string); cur == "" && c.Price.Currency != "" {
			vars["currency"] = c.Price.Currency
		}
		changed = true
	}
	if changed {
		vars["items"] = strings.Join(lines, "; ")
	}
	return vars, nil
}

func varNames(t documents.Template) []string {
	out := make([]string, len(t.Vars))
	for i, v := range t.Vars {
		out[i] = v.Name
	}
	return out
}

// lookupVar returns the value given for the declared variable name (by
// its name or an alias) and the key it was given under.
func lookupVar(t documents.Template, vars map[string]any, name string) (any, string) {
	d, ok := t.Var(name)
	if !ok {
		return nil, ""
	}
	for k, v := range vars {
		kf := foldText(k)
		if kf == foldText(d.Name) {
			return v, k
		}
		for _, a := range d.Aliases {
			if kf == foldText(a) {
				return v, k
			}
		}
	}
	return nil, ""
}

// courseNamed is the course a certificate is asked for: the argument, or
// a course variable.
func courseNamed(t documents.Template, in GenerateDocumentArgs, vars map[string]any) string {
	if s := strings.TrimSpace(in.Course); s != "" {
		return s
	}
	if v, _ := lookupVar(t, vars, "course_title"); v != nil {
		if s, ok := v.(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// ownCertificate makes a student's certificate values from their own
// completed enrolment. Whatever the arguments say about who it is for is
// checked against the caller, never used: a different email or name is
// a refusal. done is a result to return as it is (not completed).
func ownCertificate(ctx context.Context, st DocumentStore, tm documents.Template, c Caller, in GenerateDocumentArgs, given map[string]any) (map[string]any, *GenerateDocumentResult, error) {
	lang := docLang(c.Language)
	if e := strings.TrimSpace(in.Email); e != "" && store.FoldEmail(e) != store.FoldEmail(c.Email) {
		return nil, nil, Fail(CodeNotAllowed, "a student may only generate their own certificate, not another person's")
	}
	named := courseNamed(tm, in, given)
	if named == "" {
		return nil, nil, FieldError{Field: "course", Problem: ProblemMissing}
	}
	course, err := findCourse(ctx, st, named)
	if err != nil {
		return nil, nil, err
	}
	ens, err := callerEnrollments(ctx, st, c)
	if err != nil {
		return nil, nil, err
	}
	var en *store.Enrollment
	for i := range ens {
		if ens[i].CourseSlug == course.Slug && ens[i].Status != store.EnrollmentCancelled {
			en = &ens[i]
			break
		}
	}
	ml := msgLang(c.Language)
	tx := documentMessages[ml]
	if en == nil {
		msg := fmt.Sprintf(tx.notEnrolled, course.Title.In(ml))
		return nil, &GenerateDocumentResult{Status: DocNotEnrolled, Message: msg}, nil
	}
	if en.Status == store.EnrollmentWaitlisted {
		// A place on the waiting list is no enrolment in the course yet.
		msg := fmt.Sprintf(tx.waitlisted, course.Title.In(ml))
		return nil, &GenerateDocumentResult{Status: DocNotEnrolled, Message: msg}, nil
	}
	name := strings.TrimSpace(en.Name)
	if name == "" {
		name = strings.TrimSpace(c.Name)
	}
	if v, _ := lookupVar(tm, given, "student_name"); v != nil {
		s, _ := v.(string)
		if name == "" {
			name = strings.TrimSpace(s) // the enrolment has no name: theirs as they write it
		} else if foldText(s) != foldText(name) && foldText(s) != foldText(c.Name) {
			return nil, nil, Fail(CodeNotAllowed, "a student may only generate their own certificate, not another person's")
		}
	}
	if en.Status != store.EnrollmentCompleted {
		msg := fmt.Sprintf(tx.notCompleted, course.Title.In(ml), en.Progress)
		return nil, &GenerateDocumentResult{Status: DocNotCompleted, Message: msg}, nil
	}
	vars := map[string]any{
		"course_title":       course.Title.In(lang),
		"completion_date":    en.UpdatedAt.UTC().Format(time.DateOnly),
		"certificate_number": CertificateNumber(*en),
	}
	if name != "" {
		vars["student_name"] = name
	}
	return vars, nil, nil
}

// callerEnrollments are the caller's enrolments, by contact and by their
// known email (as my_enrollments finds them).
func callerEnrollments(ctx context.Context, st EnrollmentReader, c Caller) ([]store.Enrollment, error) {
	var all []store.Enrollment
	if c.ContactID != "" {
		got, err := st.EnrollmentsByContact(ctx, c.ContactID)
		if err != nil {
			return nil, fmt.Errorf("generate_document: enrolments of %s: %w", c.ContactID, err)
		}
		all = append(all, got...)
	}
	if c.Email != "" {
		got, err := st.EnrollmentsByEmail(ctx, c.Email)
		if err != nil {
			return nil, fmt.Errorf("generate_document: enrolments by email: %w", err)
		}
		all = append(all, got...)
	}
	return all, nil
}

// staffCertificate fills, for staff, the values of a student's
// certificate that were not given, from the enrolment of Email in Course
// (when both are named), and the course title from the catalogue. It
// returns the student's contact, when known.
func staffCertificate(ctx context.Context, st DocumentStore, tm documents.Template, c Caller, in GenerateDocumentArgs, vars map[string]any, now time.Time) (string, error) {
	named := courseNamed(tm, in, vars)
	if named == "" {
		return "", nil
	}
	course, err := findCourse(ctx, st, named)
	if err != nil {
		var fe FieldError
		if errors.As(err, &fe) && strings.TrimSpace(in.Course) == "" {
			setDefaultCompletion(tm, vars, time.Time{}, now)
			return "", nil // a title written freely: used as it is
		}
		return "", err
	}
	set := func(name string, v any) {
		if old, key := lookupVar(tm, vars, name); old != nil && key != "" {
			if name == "course_title" && key != "course_title" {
				delete(vars, key) // a slug or a title as typed: the catalogue's title replaces it
			} else {
				return
			}
		}
		vars[name] = v
	}
	set("course_title", course.Title.In(docLang(c.Language)))
	email := strings.TrimSpace(in.Email)
	if email == "" {
		setDefaultCompletion(tm, vars, editionEnd(course), now)
		return "", nil
	}
	ens, err := st.EnrollmentsByEmail(ctx, email)
	if err != nil {
		return "", fmt.Errorf("generate_document: enrolments of %s: %w", email, err)
	}
	waitlisted := false
	for _, en := range ens {
		if en.CourseSlug != course.Slug || en.Status == store.EnrollmentCancelled {
			continue
		}
		if en.Status == store.EnrollmentWaitlisted {
			// No seat, no course taken: nothing to certify.
			waitlisted = true
			continue
		}
		if en.Name != "" {
			set("student_name", en.Name)
		}
		if en.Status == store.EnrollmentCompleted {
			set("completion_date", en.UpdatedAt.UTC().Format(time.DateOnly))
		}
		set("certificate_number", CertificateNumber(en))
		setDefaultCompletion(tm, vars, editionEnd(course), now)
		return en.ContactID, nil
	}
	if waitlisted {
		return "", &Failure{Code: CodeNotFound, Message: fmt.Sprintf("%s is only on the waiting list of course %s, not enrolled in it: no certificate", email, course.Slug)}
	}
	return "", &Failure{Code: CodeNotFound, Message: fmt.Sprintf("%s has no enrolment in course %s", email, course.Slug)}
}

// setDefaultCompletion dates a certificate staff ask for without saying
// when the course was finished ("she finished the data course in
// March"): the end of the course's edition when that has passed, else the
// day of issue.
func setDefaultCompletion(tm documents.Template, vars map[string]any, end, now time.Time) {
	if old, _ := lookupVar(tm, vars, "completion_date"); old != nil {
		return
	}
	day := now
	if !end.IsZero() && !end.After(now) {
		day = end
	}
	vars["completion_date"] = day.UTC().Format(time.DateOnly)
}

// editionEnd is the last day of a course's scheduled edition; zero when it
// has no dates.
func editionEnd(c store.Course) time.Time {
	if c.Start.IsZero() || c.DurationWeeks <= 0 {
		return time.Time{}
	}
	return c.Start.AddDate(0, 0, 7*c.DurationWeeks-1)
}

// CertificateNumber is the number of the certificate of an enrolment:
// stable (the same enrolment, the same number) and not guessable from
// another's. BD-<year completed>-<8 hex of the enrolment id's digest>.
func CertificateNumber(en store.Enrollment) string {
	sum := sha256.Sum256([]byte(en.ID))
	return fmt.Sprintf("BD-%d-%s", en.UpdatedAt.UTC().Year(), strings.ToUpper(hex.EncodeToString(sum[:4])))
}

func generatedMessage(lang string, t documents.Template, v documents.Values, f documents.Format, url string, exp time.Time) string {
	format := strings.ToUpper(string(f))
	if f == documents.FormatMarkdown {
		format = "Markdown"
	}
	about := ""
	switch t.Name {
	case documents.Certificate:
		about, _ = v["course_title"].(string)
	case documents.Proposal:
		about, _ = v["company"].(string)
	case documents.Invoice:
		about, _ = v["invoice_number"].(string)
	}
	tx := documentMessages[lang]
	until := longDateOf(exp, lang)
	switch t.Name {
	case documents.Certificate:
		return fmt.Sprintf(tx.certificate, about, format, url, until)
	case documents.Proposal:
		return fmt.Sprintf(tx.proposal, about, format, url, until)
	}
	return fmt.Sprintf(tx.invoice, about, format, url, until)
}
