package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/faroai/faro/store"
)

// decodeJSON reads the body into v: one JSON value of at most max bytes
// and nothing after it, refusing unknown fields so a misspelt field is an
// error rather than ignored, and control characters as [checkText] does.
// It is the one decoder of every JSON body of the APIs.
//
// The body is read as JSON whatever its Content-Type says, the same on
// every route: clients send application/json, nothing, or curl's default
// application/x-www-form-urlencoded for the same JSON, and a body that is
// not JSON gets a 400 that says why.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	return decodeBody(w, r, v, max, false)
}

// decodeBody is decodeJSON, also accepting unknown fields when lenient:
// the OpenAI-compatible API ignores the fields Faro does not use.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, max int64, lenient bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	if !lenient {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		// One value only: trailing data (a second object, garbage) means
		// the client sent something other than what it thinks.
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errTrailing
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				err = terr
			}
		}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Errorf(CodeTooLarge, "the body is larger than %d bytes", max)
		}
		return Errorf(CodeInvalid, "the body is not the JSON expected: %s", jsonProblem(err))
	}
	return checkText(reflect.ValueOf(v), "")
}

var errTrailing = errors.New("data after the JSON value")

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q should be %s", te.Field, te.Type)
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.Is(err, errTrailing):
		return "more than one JSON value, or data after it; send exactly one object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "cannot decode"
}

// checkText walks a decoded body: text a person wrote (string fields
// tagged `text:"free"`) loses its control characters, and any other string
// holding one is refused naming its field. Such characters are never part
// of a name, id, email or title, and NUL cannot be stored at all.
func checkText(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkText(v.Elem(), path)
	case reflect.String:
		if store.HasControl(v.String()) {
			return controlError(path)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" && !f.Anonymous {
				name = f.Name
			}
			fv := v.Field(i)
			if f.Tag.Get("text") == "free" && fv.Kind() == reflect.String && fv.CanSet() {
				fv.SetString(store.CleanText(fv.String()))
				continue
			}
			if err := checkText(fv, join(path, name)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // raw bytes: JSON the store checks itself
		}
		for i := range v.Len() {
			if err := checkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := fmt.Sprint(it.Key().Interface())
			if store.HasControl(k) {
				return controlError(join(path, "(a key)"))
			}
			if err := checkText(it.Value(), join(path, k)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return name
	}
	return path + "." + name
}

func controlError(path string) error {
	if path == "" {
		return Errorf(CodeInvalid, "the body holds a control character (such as NUL); remove it")
	}
	return Errorf(CodeInvalid, "%s holds a control character (such as NUL); remove it", path)
}

// checkURL refuses a path or query holding a control character: no id,
// email or filter holds one, and NUL cannot even be looked up.
func checkURL(u *url.URL) error {
	if store.HasControl(u.Path) {
		return Errorf(CodeInvalid, "the path holds a control character (such as %%00); remove it")
	}
	// What parses is checked, as r.URL.Query() reads it.
	q, _ := url.ParseQuery(u.RawQuery)
	for k, vs := range q {
		if store.HasControl(k) {
			return Errorf(CodeInvalid, "a query parameter's name holds a control character; remove it")
		}
		for _, v := range vs {
			if store.HasControl(v) {
				return Errorf(CodeInvalid, "the query parameter %q holds a control character (such as %%00); remove it", k)
			}
		}
	}
	return nil
}
