package toolcatalog_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
)

type args struct {
	Email string `json:"email" jsonschema:"required,format=email"`
	Name  string `json:"name,omitempty"`
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{
		Name: "subscribe", Description: "Subscribe to the newsletter.", Roles: []store.Role{store.RoleProspect}, Mutating: true,
		Examples: []tools.Example{{Lang: "es", Text: "suscribime al boletín"}, {Lang: "en", Text: "sign me up for the newsletter"}},
	}, func(context.Context, tools.Caller, args) (map[string]string, error) { return nil, nil })

	info, ok := toolcatalog.New(reg).Tool("subscribe")
	require.True(t, ok)
	require.Equal(t, "Subscribe to the newsletter.", info.Description)
	require.True(t, info.Mutating)
	require.Len(t, info.Examples, 2)
	require.Equal(t, "es", info.Examples[0].Lang)
	require.Equal(t, "suscribime al boletín", info.Examples[0].Text)
	var schema struct {
		Required []string `json:"required"`
	}
	require.NoError(t, json.Unmarshal(info.Schema, &schema))
	require.Equal(t, []string{"email"}, schema.Required)

	_, ok = toolcatalog.New(reg).Tool("nope")
	require.False(t, ok)
	_, ok = toolcatalog.New(nil).Tool("subscribe")
	require.False(t, ok)
}
