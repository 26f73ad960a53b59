package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
)

// RoleResolver decides the role a message runs with. It sees who sent the
// message (the verified channel identity) and the stored contact, never
// the message's text: what a message claims about its author changes
// nothing.
type RoleResolver interface {
	ResolveRole(ctx context.Context, sender store.Identity, contact store.Contact) store.Role
}

// ConfigRoles is the [RoleResolver] of the configuration:
//
//  1. a sender listed in Staff is staff;
//  2. a sender on the "api" channel whose key name (Identity.ExternalID)
//     is in APIKeys has that key's role;
//  3. a contact stored as a student is a student;
//  4. everyone else is a prospect.
//
// A contact stored as staff is not staff unless configured so: staff
// rights come from configuration only, not from a row a tool might write.
// (Trusted code may also set Message.Role, which takes precedence over
// all of this.)
type ConfigRoles struct {
	// Staff are the channel identities of staff members.
	Staff []store.Identity
	// APIKeys maps the name of an API key to the role it carries.
	APIKeys map[string]store.Role
}

// APIChannel is the channel of messages that come through the API.
const APIChannel = "api"

// ResolveRole implements [RoleResolver].
func (r *ConfigRoles) ResolveRole(_ context.Context, sender store.Identity, contact store.Contact) store.Role {
	for _, s := range r.Staff {
		if s == sender {
			return store.RoleStaff
		}
	}
	if sender.Channel == APIChannel {
		if role, ok := r.APIKeys[sender.ExternalID]; ok && role.Valid() {
			return role
		}
	}
	if contact.Role == store.RoleStudent {
		return store.RoleStudent
	}
	return store.RoleProspect
}

// ParseIdentity parses "channel:external_id" ("slack:U123",
// "telegram:98765"), the way identities are written in configuration.
func ParseIdentity(s string) (store.Identity, error) {
	ch, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	ch = strings.ToLower(strings.TrimSpace(ch))
	id = strings.TrimSpace(id)
	if !ok || ch == "" || id == "" {
		return store.Identity{}, fmt.Errorf("identity %q is not channel:id (example: slack:U123)", s)
	}
	return store.Identity{Channel: ch, ExternalID: id}, nil
}
