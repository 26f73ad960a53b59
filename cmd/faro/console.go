package main

import (
	"strings"

	"github.com/faroai/faro/console"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// newConsole builds the staff console over what the API serves, so the
// console's figures and rules are the API's. Its cookies are Secure when
// the public URL is https (TLS ended by a proxy in front) and whenever a
// request arrives over TLS.
func newConsole(m *Main, st store.Store, opts server.Options, docs tools.DocumentConfig) (*console.Console, error) {
	co := console.Options{
		Store: st, Knowledge: m.Knowledge, Agent: m.Agent, Desk: m.Handoff, Logger: m.Log,
		SecureCookies: strings.HasPrefix(strings.ToLower(m.Config.PublicURL), "https://"),
	}
	if opts.KPIs != nil {
		co.KPIs = opts.KPIs
	}
	if docs.Catalog != nil {
		co.Templates = docs.Catalog.Templates()
	}
	return console.New(co)
}
