package tools_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

func TestRequestHuman(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	contact, err := db.CreateContact(ctx, store.Contact{Name: "Ana", Identities: []store.Identity{{Channel: "web", ExternalID: "v1"}}})
	require.NoError(t, err)
	conv, err := db.CreateConversation(ctx, store.Conversation{ContactID: contact.ID, Channel: "web", ExternalID: "chat-1", Language: "es", Summary: "kept"})
	require.NoError(t, err)

	r := tools.NewRegistry()
	tools.AddRequestHuman(r, db)
	for _, role := range []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff} {
		require.True(t, r.Allowed("request_human", role), "everyone may ask for a person: %s", role)
	}
	c := tools.Caller{ContactID: contact.ID, ConversationID: conv.ID, Channel: "web", Language: "es", Role: store.RoleProspect}

	o := r.Call(ctx, c, call("request_human", `{"reason":"quiere hablar con ventas"}`))
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	res := o.Result.(tools.RequestHumanResult)
	require.Equal(t, tools.StatusHandedOff, res.Status)
	require.False(t, res.AlreadyHandedOff)
	require.Contains(t, res.Message, "una persona del equipo", "the confirmation is in the caller's language")
	got, err := db.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, store.ConversationHandedOff, got.Status)
	require.Equal(t, "es", got.Language, "only the status changes")
	require.Equal(t, "kept", got.Summary, "only the status changes")

	// No reason is fine: a person is never made to explain why.
	o = r.Call(ctx, c, call("request_human", `{}`))
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.True(t, o.Result.(tools.RequestHumanResult).AlreadyHandedOff)
	c.Language = "en"
	o = r.Call(ctx, c, call("request_human", `{}`))
	require.Contains(t, o.Result.(tools.RequestHumanResult).Message, "a person from the team")

	// Without a conversation the model is told, not the raw error.
	o = r.Call(ctx, tools.Caller{Role: store.RoleProspect}, call("request_human", `{}`))
	require.Equal(t, tools.StatusError, o.Status)
	require.Equal(t, "no_conversation", readError(t, o).Error)
	o = r.Call(ctx, tools.Caller{ConversationID: "nope", Role: store.RoleProspect}, call("request_human", `{}`))
	require.Equal(t, "no_conversation", readError(t, o).Error)
}

// failingHandOffer fails every read, as a database that is down would.
type failingHandOffer struct{}

func (failingHandOffer) Conversation(context.Context, string) (store.Conversation, error) {
	return store.Conversation{}, context.DeadlineExceeded
}

func (failingHandOffer) UpdateConversation(context.Context, store.Conversation) (store.Conversation, error) {
	return store.Conversation{}, context.DeadlineExceeded
}

func TestRequestHumanStoreFailureIsInternal(t *testing.T) {
	t.Parallel()
	r := tools.NewRegistry()
	tools.AddRequestHuman(r, failingHandOffer{})
	o := r.Call(t.Context(), tools.Caller{ConversationID: "c", Role: store.RoleStudent}, call("request_human", `{"reason":"x"}`))
	require.Equal(t, tools.StatusError, o.Status)
	require.Equal(t, tools.CodeToolFailed, readError(t, o).Error, "a store failure reaches the model as internal, without its text")
	require.NotContains(t, o.Response.Content, "deadline")
}
