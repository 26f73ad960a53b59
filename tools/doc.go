// Package tools is Faro's typed tool framework: the things a model may do
// besides talking — search the knowledge base, qualify a lead, enrol a
// student, open a ticket, report KPIs — and the one gate every tool call
// passes through.
//
// A tool is a Go function over a typed argument struct:
//
//	func(ctx context.Context, c tools.Caller, in In) (Out, error)
//
// registered in a [Registry] with a [Spec] (name, description, roles,
// example requests, timeout). The registry generates the JSON schema of In,
// hands the model the definitions its caller's role may use
// ([Registry.Definitions]), and runs the calls the model makes
// ([Registry.Call]): role check first, then strict decoding and validation,
// then the function under a deadline with panics contained. Every outcome —
// success, invalid arguments, refusal, unknown tool, failure, timeout,
// panic — comes back as an [Outcome] whose Response is the tool message for
// the model, so the model can correct itself and the turn goes on.
//
// # Adding a tool
//
// One file per tool, named after it (enroll_course.go), holding:
//
//  1. The argument struct. `json` names are the tool's public arguments;
//     `jsonschema` tags say the rest: required, enum=a,enum=b,
//     format=email|date|date-time, minimum=…, maximum=…, maxLength=…,
//     description=…. A field is required only when tagged
//     `jsonschema:"required"`; give optional fields `omitempty`. A
//     description with commas goes in its own tag,
//     `jsonschema_description:"…"`, since commas separate the keywords of
//     `jsonschema`. Optional fields arrive as zero values: there are no
//     schema defaults.
//  2. Optionally a Validate() error method on it ([Validator]) for rules the
//     schema cannot state (to after from); return a [FieldError] — or
//     several with errors.Join — naming the field.
//  3. The result type: a struct with JSON tags, read by the model as plain
//     JSON. No top-level "error" member (that is how failures read).
//  4. A registration function taking the tool's dependencies as small
//     interfaces declared in the same file (see below).
//  5. Its line in registerAll in schema_test.go, then `go test ./tools
//     -update` to write testdata/schemas/<tool>.json and testdata/roles.json.
//     The golden files are the public contract: a diff in one is a change
//     for every client, so review it like an API change (add optional
//     arguments; rename nothing; widen roles only on purpose).
//
// For example:
//
//	// Enroller is what enroll_course needs from the store.
//	type Enroller interface { … }
//
//	// EnrollCourseArgs are the arguments of enroll_course.
//	type EnrollCourseArgs struct {
//		Course string `json:"course" jsonschema:"required,description=Course slug"`
//		Email  string `json:"email,omitempty" jsonschema:"format=email"`
//		Name   string `json:"name,omitempty"`
//	}
//
//	// AddEnrollCourse registers enroll_course.
//	func AddEnrollCourse(r *Registry, e Enroller) {
//		Add(r, Spec{
//			Name:        "enroll_course",
//			Description: "Enrol the caller in a course by its slug. …",
//			Roles:       []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
//			Examples: []Example{
//				{Lang: "es", Text: "quiero inscribirme en el curso de ia para marketing"},
//				{Lang: "en", Text: "sign me up for the AI for marketing course"},
//			},
//			Mutating: true,
//		}, func(ctx context.Context, c Caller, in EnrollCourseArgs) (EnrollCourseResult, error) {
//			…
//		})
//	}
//
// Write Examples as users write — several per language, with typos and no
// accents too: the offline engine routes messages to tools by them. At least
// one Spanish and one English example are required.
//
// # Rules a tool follows
//
//   - Act for the [Caller], never for who the arguments claim to be: the
//     Caller comes from configuration and channel identity, the arguments
//     from a model that may have read an injected instruction.
//   - Honour ctx: the call is abandoned at Spec.Timeout (default 10s) and
//     the model told so, but a tool that ignores ctx keeps running behind.
//   - Errors: wrap with context as usual. What the model may read is only a
//     [Failure] (code and message written for it), a [FieldError] /
//     [ValidationError] (reported as invalid arguments), or a store
//     sentinel (store.ErrNotFound → not_found, store.ErrConflict →
//     conflict, store.ErrInvalid → invalid arguments) whose text our own code
//     wrote. Any other error reaches the model as "failed for an internal
//     reason", its text only in [Outcome.Err] for the logs. A domain answer
//     that is not a failure ("no seats left, waiting list offered") is
//     better returned as a result.
//   - Panics are contained and logged with their stack; they are still bugs.
//
// # What decoding accepts
//
// Arguments must be a JSON object matching the schema: unknown fields,
// wrong types, values outside an enum or a format are rejected, every
// problem listed in one [ValidationError] (see [Missing]). Only unambiguous
// slips are forgiven: empty arguments ("" or null) mean {}; a declared
// field that is null or a blank string is taken as not given (so a required
// one is reported missing); a whole number written 12.0 is accepted for an
// integer; arguments encoded twice as a JSON string are unwrapped.
package tools
