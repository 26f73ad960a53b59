package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIIsValid checks the served description against the OpenAPI
// 3.1 schema with a real validator (libopenapi-validator), and that
// libopenapi builds its model without errors.
func TestOpenAPIIsValid(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	r := b.do(t, "GET", "/api/v1/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	doc, err := libopenapi.NewDocument(r.body)
	require.NoError(t, err)
	ok, errs := schema_validation.ValidateOpenAPIDocument(doc)
	for _, e := range errs {
		t.Errorf("%s: %s", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			t.Errorf("  at %s: %s", se.FieldPath, se.Reason)
		}
	}
	require.True(t, ok, "the description is valid OpenAPI 3.1")
	_, err = doc.BuildV3Model()
	require.NoError(t, err)
}

// TestOpenAPIRequiredFields: for every route with a JSON body, an empty
// object is refused by the route and by the description alike (what the
// handlers require is in the schemas), and a body with the required fields
// passes the description: confirm-payment needs payment_ref.
func TestOpenAPIRequiredFields(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	r := b.do(t, "GET", "/api/v1/openapi.json", "", nil)
	doc, err := libopenapi.NewDocument(r.body)
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	model, err := doc.BuildV3Model()
	require.NoError(t, err)

	bodies := 0
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			if op.RequestBody == nil {
				continue
			}
			bodies++
			concrete := strings.NewReplacer("{id}", "x", "{slug}", "ia-101", "{external_id}", "sub-1").Replace(path)
			req := httptest.NewRequest(strings.ToUpper(method), concrete, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+adminKey)
			valid, errs := v.ValidateHttpRequest(req)
			require.False(t, valid, "%s %s: the description accepts {}", method, path)
			for _, e := range errs {
				require.Contains(t, e.Message, "failed to validate", "%s %s: refused for its body: %s", method, path, e.Message)
			}
			got := b.raw(t, strings.ToUpper(method), concrete, adminKey, "application/json", `{}`)
			require.Equal(t, http.StatusBadRequest, got.status, "%s %s refuses {}: %s", method, path, got.body)
		}
	}
	require.GreaterOrEqual(t, bodies, 8)

	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/enrollments/x/confirm-payment", `{"payment_ref":"TRX-1"}`},
		{"PATCH", "/api/v1/tickets/x", `{"priority":"low"}`},
		{"PUT", "/api/v1/subscriptions/sub-1", `{"email":"a@example.com","plan":"pro","started_at":"2026-01-01T00:00:00Z"}`},
		{"POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"hola"}]}`},
	} {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminKey)
		valid, errs := v.ValidateHttpRequest(req)
		require.True(t, valid, "%s %s %s: %v", c.method, c.path, c.body, errs)
	}
	req := httptest.NewRequest("POST", "/api/v1/enrollments/x/confirm-payment", strings.NewReader(`{"payment_reference":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminKey)
	valid, _ := v.ValidateHttpRequest(req)
	require.False(t, valid, "confirm-payment without payment_ref")
}
