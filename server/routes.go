package server

import (
	"net/http"
	"strings"
)

// route is one API route and its description for the OpenAPI document.
type route struct {
	method, path string
	// roles may call it; nil means no key is needed.
	roles   []Role
	handler http.HandlerFunc
	op      operation
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// operation documents a route.
type operation struct {
	id, summary, tag string
	query            []param
	body             string // schema name of the JSON body, "" for none
	upload           bool   // the body may also be multipart with a file
	status           int    // success status
	resp             string // schema name of the success response, "" for none
	list             bool   // resp is a page of resp items
	stream           bool   // may answer text/event-stream
}

type param struct {
	name, typ, desc string
}

var pageParams = []param{
	{"limit", "integer", "items per page, 1 to 200 (default 50)"},
	{"offset", "integer", "items to skip, 0 to 1000000000 (default 0); the response's next_offset gives the next page"},
}

// Who may call what.
var (
	adminOnly  = []Role{RoleAdmin}
	adminStaff = []Role{RoleAdmin, RoleStaff}
	anyKey     = []Role{RoleAdmin, RoleStaff, RoleStudent, RoleProspect}
)

// apiRoutes is the route table of the APIs: what is mounted, and what the
// OpenAPI document says. Routes whose dependency is not configured are
// left out of both.
func (s *Server) apiRoutes() []route {
	rs := []route{{
		method: "GET", path: "/api/v1/openapi.json", handler: s.openAPI,
		op: operation{id: "getOpenAPI", summary: "This OpenAPI description", tag: "meta", resp: "OpenAPI"},
	}}
	if s.opts.Admin != nil {
		rs = append(rs,
			route{method: "GET", path: "/api/v1/contacts", roles: adminStaff, handler: s.listContacts,
				op: operation{id: "listContacts", summary: "List contacts, newest first", tag: "contacts", query: pageParams, resp: "Contact", list: true}},
			route{method: "GET", path: "/api/v1/contacts/{id}", roles: adminStaff, handler: s.getContact,
				op: operation{id: "getContact", summary: "Get a contact", tag: "contacts", resp: "Contact"}},
			route{method: "GET", path: "/api/v1/conversations", roles: adminStaff, handler: s.listConversations,
				op: operation{id: "listConversations", summary: "List conversations, most recently updated first", tag: "conversations",
					query: append([]param{{"contact_id", "string", "only this contact's"}}, pageParams...), resp: "Conversation", list: true}},
			route{method: "GET", path: "/api/v1/conversations/{id}", roles: adminStaff, handler: s.getConversation,
				op: operation{id: "getConversation", summary: "Get a conversation with its transcript", tag: "conversations",
					query: []param{{"after_seq", "integer", "only messages after this seq (the response's next_after_seq)"}, {"limit", "integer", "messages per page, 1 to 200 (default 200)"}},
					resp:  "Transcript"}},
			route{method: "POST", path: "/api/v1/conversations/{id}/reply", roles: adminStaff, handler: s.replyConversation,
				op: operation{id: "replyConversation", summary: "Reply as staff to a handed-off conversation (stored, then delivered through the channel)", tag: "conversations",
					body: "StaffReplyRequest", status: http.StatusCreated, resp: "StaffReply"}},
			route{method: "POST", path: "/api/v1/conversations/{id}/take", roles: adminStaff, handler: s.takeConversation,
				op: operation{id: "takeConversation", summary: "Take a conversation over from the bot: staff answer it until released", tag: "conversations", resp: "Conversation"}},
			route{method: "POST", path: "/api/v1/conversations/{id}/release", roles: adminStaff, handler: s.releaseConversation,
				op: operation{id: "releaseConversation", summary: "Hand a conversation back to the bot", tag: "conversations", resp: "Conversation"}},
		)
	}
	if s.opts.Admin != nil && s.opts.Knowledge != nil {
		rs = append(rs,
			route{method: "GET", path: "/api/v1/knowledge/documents", roles: adminStaff, handler: s.listDocuments,
				op: operation{id: "listDocuments", summary: "List knowledge documents by source", tag: "knowledge", query: pageParams, resp: "Document", list: true}},
			route{method: "POST", path: "/api/v1/knowledge/documents", roles: adminOnly, handler: s.uploadDocument,
				op: operation{id: "uploadDocument", summary: "Upload a document (replaces the one with the same source)", tag: "knowledge",
					body: "UploadRequest", upload: true, status: http.StatusCreated, resp: "Upload"}},
			route{method: "GET", path: "/api/v1/knowledge/documents/{id}", roles: adminStaff, handler: s.getDocument,
				op: operation{id: "getDocument", summary: "Get a knowledge document", tag: "knowledge", resp: "Document"}},
			route{method: "DELETE", path: "/api/v1/knowledge/documents/{id}", roles: adminOnly, handler: s.deleteDocument,
				op: operation{id: "deleteDocument", summary: "Delete a document and its chunks", tag: "knowledge", status: http.StatusNoContent}},
			route{method: "POST", path: "/api/v1/knowledge/reindex", roles: adminOnly, handler: s.reindex,
				op: operation{id: "reindexKnowledge", summary: "Embed every chunk again with the configured embedder", tag: "knowledge", resp: "Reindex"}},
		)
	}
	rs = append(rs, s.businessRoutes()...)
	rs = append(rs, s.documentRoutes()...)
	rs = append(rs, s.kpiRoutes()...)
	if s.opts.Agent != nil {
		rs = append(rs,
			route{method: "POST", path: "/v1/chat/completions", roles: anyKey, handler: s.chatCompletions,
				op: operation{id: "createChatCompletion", summary: "OpenAI-compatible chat completion; the key's role is the caller's role; only the last user message is a new turn", tag: "openai",
					body: "ChatRequest", resp: "ChatCompletion", stream: true}},
			route{method: "GET", path: "/v1/models", roles: anyKey, handler: s.listModels,
				op: operation{id: "listModels", summary: "OpenAI-compatible model list: faro", tag: "openai", resp: "ModelList"}},
			route{method: "GET", path: "/v1/models/{model}", roles: anyKey, handler: s.getModel,
				op: operation{id: "getModel", summary: "OpenAI-compatible model: faro", tag: "openai", resp: "Model"}},
		)
	}
	return rs
}

// pathParams are the {names} of an OpenAPI path.
func pathParams(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.Trim(seg, "{}"))
		}
	}
	return names
}
