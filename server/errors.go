package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// Code is one of the closed set of error codes the APIs answer with. Clients
// branch on the code; the message is for people.
type Code string

// The error codes, each with one HTTP status (see [Code.Status]).
const (
	CodeInvalid          Code = "invalid"            // 400: the request cannot be served as sent
	CodeUnauthorized     Code = "unauthorized"       // 401: no API key, or an unknown one
	CodeForbidden        Code = "forbidden"          // 403: the key's role may not do this
	CodeNotFound         Code = "not_found"          // 404
	CodeMethodNotAllowed Code = "method_not_allowed" // 405
	CodeConflict         Code = "conflict"           // 409: the state of the thing does not allow it
	CodeTooLarge         Code = "too_large"          // 413
	CodeUnavailable      Code = "unavailable"        // 503: shutting down, or a dependency is away
	CodeInternal         Code = "internal"           // 500: anything unexpected; details are logged only
)

// Status is the HTTP status of the code.
func (c Code) Status() int {
	switch c {
	case CodeInvalid:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeConflict:
		return http.StatusConflict
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is an error whose message is safe to show to an API client. Any
// other error reaching a response is shown as "internal error" and logged.
type Error struct {
	Code    Code
	Message string
}

// Error implements error: the code and the message.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorBody is the one shape of every error response of the APIs:
// {"error":{"code":"not_found","message":"..."}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the code and message of an [ErrorBody].
type ErrorDetail struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// classify maps err to what the client may see. Store sentinels keep the
// short sentinel text only: the wrapping may name tables or SQL.
func classify(err error) (Code, string) {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code, e.Message
	case errors.Is(err, store.ErrNotFound):
		return CodeNotFound, "not found"
	case errors.Is(err, store.ErrConflict):
		return CodeConflict, "conflict with the stored state"
	case errors.Is(err, store.ErrInvalid):
		return CodeInvalid, "invalid input"
	case errors.Is(err, agent.ErrInvalidMessage):
		return CodeInvalid, "invalid message: it must have text of at most 8000 characters"
	case errors.Is(err, agent.ErrClosed):
		return CodeUnavailable, "the server is shutting down; retry on another"
	}
	return CodeInternal, "internal error"
}

// writeError answers err in the one error shape; unexpected errors are
// logged with the request id and shown as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := classify(err)
	if code == CodeInternal {
		s.log(r.Context()).Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if code != CodeUnauthorized && code != CodeForbidden {
		s.log(r.Context()).Debug("request refused", "code", code, "err", err)
	}
	writeJSON(w, code.Status(), ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// log is the server's logger with the request id of ctx, so every line of
// a request can be found by it.
func (s *Server) log(ctx context.Context) *slog.Logger {
	if id := RequestID(ctx); id != "" {
		return s.opts.Logger.With("request_id", id)
	}
	return s.opts.Logger
}
