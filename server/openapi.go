package server

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

// schemaTypes are the Go types of the schemas the routes name; each
// becomes a component schema, built from its JSON encoding's fields.
func schemaTypes() map[string]any {
	return map[string]any{
		"ErrorBody":               ErrorBody{},
		"OpenAPI":                 map[string]any{},
		"Contact":                 store.Contact{},
		"Conversation":            store.Conversation{},
		"Transcript":              Transcript{},
		"StaffReplyRequest":       StaffReplyRequest{},
		"StaffReply":              StaffReply{},
		"Document":                store.Document{},
		"UploadRequest":           UploadRequest{},
		"Upload":                  Upload{},
		"IngestReport":            knowledge.IngestReport{},
		"Reindex":                 Reindex{},
		"ChatRequest":             ChatRequest{},
		"ChatCompletion":          ChatCompletion{},
		"ChatChunk":               ChatChunk{},
		"ModelList":               ModelList{},
		"Model":                   Model{},
		"Lead":                    LeadDetail{},
		"Course":                  store.Course{},
		"Enrollment":              store.Enrollment{},
		"ConfirmPayment":          ConfirmPaymentRequest{},
		"Ticket":                  TicketDetail{},
		"TicketUpdate":            TicketUpdateRequest{},
		"GeneratedDocument":       GeneratedDocumentInfo{},
		"GenerateDocumentRequest": GenerateDocumentRequest{},
		"Subscription":            store.Subscription{},
		"KPIReport":               kpi.Report{},
		"KPISeries":               kpi.Series{},
	}
}

// schemaRules are what the handlers require of a request body beyond its
// fields' types, added to its schema: a body the description accepts is
// one the route does not refuse for a missing field. Response bodies of
// the same schema always carry these fields.
var schemaRules = map[string]map[string]any{
	"ConfirmPayment":          {"required": []string{"payment_ref"}},
	"StaffReplyRequest":       {"required": []string{"text"}},
	"UploadRequest":           {"required": []string{"source", "content"}},
	"ChatRequest":             {"required": []string{"messages"}},
	"GenerateDocumentRequest": {"required": []string{"template"}},
	"TicketUpdate":            {"minProperties": 1},
	"Course":                  {"required": []string{"seats"}},
	"Subscription": {
		"required": []string{"plan", "started_at"},
		"anyOf":    []any{map[string]any{"required": []string{"email"}}, map[string]any{"required": []string{"contact_id"}}},
	},
}

// openAPIDocument builds the OpenAPI 3.1 description from the route table,
// so it cannot list a route that is not mounted; the test checks the
// converse against the mux.
func (s *Server) openAPIDocument() map[string]any {
	paths := map[string]any{}
	used := map[string]bool{"ErrorBody": true}
	for _, rt := range s.routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = s.operationDoc(rt, used)
	}
	types := schemaTypes()
	schemas := map[string]any{}
	for name := range used {
		schema := schemaOf(reflect.TypeOf(types[name]))
		for k, v := range schemaRules[name] {
			schema[k] = v
		}
		schemas[name] = schema
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Faro API",
			"version": "1",
			"description": "Admin REST API (/api/v1, admin and staff keys) and OpenAI-compatible API (/v1, any key). " +
				"Authenticate with Authorization: Bearer <key>. Errors have one shape: {\"error\":{\"code\":\"not_found\",\"message\":\"...\"}}. " +
				"Every response carries X-Request-Id. " +
				"A generated document's url (/d/{id}?exp=…&sig=…) opens it without a key until it expires: 403 when the link was altered, 410 when expired.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": s.securitySchemes(),
		},
	}
}

// securitySchemes are API keys, and the console's sessions when it is on.
func (s *Server) securitySchemes() map[string]any {
	out := map[string]any{
		"apiKey": map[string]any{"type": "http", "scheme": "bearer", "description": "An API key of FARO_API_KEYS; its role decides what it may do."},
	}
	if s.opts.Sessions != nil {
		out["consoleSession"] = map[string]any{"type": "apiKey", "in": "cookie", "name": s.opts.Sessions.CookieName(),
			"description": "A staff console sign-in, with its account's role; a request other than GET or HEAD also needs the session's CSRF token in " + CSRFHeader + "."}
	}
	return out
}

func (s *Server) operationDoc(rt route, used map[string]bool) map[string]any {
	o := rt.op
	op := map[string]any{"operationId": o.id, "summary": o.summary, "tags": []string{o.tag}}
	var params []any
	for _, name := range pathParams(rt.path) {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, p := range o.query {
		params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.desc, "schema": map[string]any{"type": p.typ}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if o.body != "" {
		used[o.body] = true
		content := map[string]any{"application/json": map[string]any{"schema": ref(o.body)}}
		if o.upload {
			content["multipart/form-data"] = map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"file"},
				"properties": map[string]any{
					"file":   map[string]any{"type": "string", "contentMediaType": "application/octet-stream"},
					"source": map[string]any{"type": "string"},
				},
			}}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if o.resp != "" {
		used[o.resp] = true
		schema := ref(o.resp)
		if o.list {
			schema = map[string]any{
				"type": "object", "required": []string{"data"},
				"properties": map[string]any{
					"data":        map[string]any{"type": "array", "items": ref(o.resp)},
					"next_offset": map[string]any{"type": "integer", "description": "absent on the last page"},
					"next":        map[string]any{"type": "string", "description": "path and query of the next page; absent on the last page"},
				},
			}
		}
		content := map[string]any{"application/json": map[string]any{"schema": schema}}
		if o.stream {
			used["ChatChunk"] = true
			// OpenAPI 3.1 has no schema for each event (3.2's itemSchema):
			// the stream is text, and says what its events hold.
			content["text/event-stream"] = map[string]any{"schema": map[string]any{
				"type":        "string",
				"description": "with \"stream\": true: one `data: <ChatChunk>` event per piece (#/components/schemas/ChatChunk), then `data: [DONE]`",
			}}
		}
		ok["content"] = content
	}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("ErrorBody")}}}
	}
	responses := map[string]any{strconv.Itoa(status): ok, "default": errResp("error")}
	if rt.roles != nil {
		op["security"] = []any{map[string]any{"apiKey": []string{}}}
		if s.opts.Sessions != nil {
			op["security"] = append(op["security"].([]any), map[string]any{"consoleSession": []string{}})
		}
		responses["401"] = errResp("no API key, or an unknown one")
		responses["403"] = errResp("the key's role may not do this; allowed: " + rolesText(rt.roles))
	}
	op["responses"] = responses
	return op
}

func rolesText(rs []Role) string {
	var ss []string
	for _, r := range rs {
		ss = append(ss, string(r))
	}
	return strings.Join(ss, ", ")
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	durationType  = reflect.TypeFor[time.Duration]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// schemaOf is the JSON Schema of t's JSON encoding: enough for clients to
// know the fields and their types.
func schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "any JSON"}
	case t == durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case t.Implements(textMarshaler):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		addFields(t, props)
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

// addFields adds t's JSON fields to props, embedded structs flattened as
// encoding/json does.
func addFields(t reflect.Type, props map[string]any) {
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, props)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
	}
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPIDocument())
}
