package main

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/faroai/faro/channels/whatsapp"
)

// WhatsAppConfig is the WhatsApp Cloud API channel's settings
// (FARO_WHATSAPP_*, or whatsapp: in the YAML file). The channel is on when
// the four credentials are set, off when none is; some of them only is an
// error at start-up naming the missing ones.
type WhatsAppConfig struct {
	// Token is the access token of a system user with the
	// whatsapp_business_messaging permission (FARO_WHATSAPP_TOKEN).
	Token string `yaml:"token"`
	// AppSecret is the Meta app's secret, which signs every webhook
	// (FARO_WHATSAPP_APP_SECRET).
	AppSecret string `yaml:"app_secret"`
	// VerifyToken is the string registered with the callback URL, which
	// Meta sends back in the verification handshake
	// (FARO_WHATSAPP_VERIFY_TOKEN).
	VerifyToken string `yaml:"verify_token"`
	// PhoneNumberID is the business number's id, not the number itself
	// (FARO_WHATSAPP_PHONE_NUMBER_ID).
	PhoneNumberID string `yaml:"phone_number_id"`
	// APIURL is the Graph API's address, for a local stand-in in tests or
	// staging (FARO_WHATSAPP_API_URL, default https://graph.facebook.com).
	APIURL string `yaml:"api_url"`
	// APIVersion is the Graph API version (FARO_WHATSAPP_API_VERSION,
	// default v21.0).
	APIVersion string `yaml:"api_version"`
	// Template and TemplateLanguage name the approved message template
	// sent instead of a reply when the person last wrote more than 24
	// hours ago; without one such a reply is recorded as not sent
	// (FARO_WHATSAPP_TEMPLATE, FARO_WHATSAPP_TEMPLATE_LANGUAGE, its code
	// as approved: es, en_US, pt_BR…).
	Template         string `yaml:"template"`
	TemplateLanguage string `yaml:"template_language"`
}

// whatsappSettings are the FARO_WHATSAPP_* variables.
func whatsappSettings() []setting {
	str := func(env string, field func(*WhatsAppConfig) *string) setting {
		return setting{env, func(c *Config, v string) error { *field(&c.WhatsApp) = v; return nil }}
	}
	return []setting{
		str("FARO_WHATSAPP_TOKEN", func(w *WhatsAppConfig) *string { return &w.Token }),
		str("FARO_WHATSAPP_APP_SECRET", func(w *WhatsAppConfig) *string { return &w.AppSecret }),
		str("FARO_WHATSAPP_VERIFY_TOKEN", func(w *WhatsAppConfig) *string { return &w.VerifyToken }),
		str("FARO_WHATSAPP_PHONE_NUMBER_ID", func(w *WhatsAppConfig) *string { return &w.PhoneNumberID }),
		str("FARO_WHATSAPP_API_URL", func(w *WhatsAppConfig) *string { return &w.APIURL }),
		str("FARO_WHATSAPP_API_VERSION", func(w *WhatsAppConfig) *string { return &w.APIVersion }),
		str("FARO_WHATSAPP_TEMPLATE", func(w *WhatsAppConfig) *string { return &w.Template }),
		str("FARO_WHATSAPP_TEMPLATE_LANGUAGE", func(w *WhatsAppConfig) *string { return &w.TemplateLanguage }),
	}
}

// Enabled reports whether the channel is configured, fully or in part
// (validate then makes sure all four credentials are).
func (w WhatsAppConfig) Enabled() bool {
	return w.Token != "" || w.AppSecret != "" || w.VerifyToken != "" || w.PhoneNumberID != ""
}

// URL is the Graph API's address, the default when none is set.
func (w WhatsAppConfig) URL() string {
	return strings.TrimRight(cmp.Or(w.APIURL, whatsapp.DefaultAPIURL), "/")
}

// Version is the Graph API version, the default when none is set.
func (w WhatsAppConfig) Version() string { return cmp.Or(w.APIVersion, whatsapp.DefaultAPIVersion) }

var (
	graphVersion  = regexp.MustCompile(`^v\d{1,3}\.\d{1,3}$`)
	phoneNumberID = regexp.MustCompile(`^\d{5,30}$`)
)

// validate checks the WhatsApp settings, naming the variable at fault.
func (w WhatsAppConfig) validate() error {
	if !w.Enabled() {
		return nil
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"FARO_WHATSAPP_TOKEN", w.Token}, {"FARO_WHATSAPP_APP_SECRET", w.AppSecret},
		{"FARO_WHATSAPP_VERIFY_TOKEN", w.VerifyToken}, {"FARO_WHATSAPP_PHONE_NUMBER_ID", w.PhoneNumberID},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return &configError{missing[0], fmt.Errorf("the WhatsApp channel needs its four credentials; missing: %s", strings.Join(missing, ", "))}
	}
	if !phoneNumberID.MatchString(w.PhoneNumberID) {
		return &configError{"FARO_WHATSAPP_PHONE_NUMBER_ID", errors.New("is not the number's id, digits only (Meta's developer console: WhatsApp > API Setup > Phone number ID)")}
	}
	if u, err := url.Parse(w.URL()); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return &configError{"FARO_WHATSAPP_API_URL", fmt.Errorf("%q is not an http(s) URL like https://graph.facebook.com", w.APIURL)}
	}
	if !graphVersion.MatchString(w.Version()) {
		return &configError{"FARO_WHATSAPP_API_VERSION", fmt.Errorf("%q is not a Graph API version like v21.0", w.APIVersion)}
	}
	switch {
	case w.Template != "" && w.TemplateLanguage == "":
		return &configError{"FARO_WHATSAPP_TEMPLATE_LANGUAGE", errors.New("is needed with FARO_WHATSAPP_TEMPLATE: the template's language code as approved (es, en_US, pt_BR…)")}
	case w.Template == "" && w.TemplateLanguage != "":
		return &configError{"FARO_WHATSAPP_TEMPLATE", errors.New("is needed with FARO_WHATSAPP_TEMPLATE_LANGUAGE")}
	}
	return nil
}

// WhatsAppPath is the webhook's path: the callback URL registered in
// Meta's developer console is FARO_PUBLIC_URL followed by it.
const WhatsAppPath = "/webhooks/whatsapp"

func whatsappChannel() messagingChannel {
	return messagingChannel{
		name:     whatsapp.Channel,
		on:       func(c Config) bool { return c.WhatsApp.Enabled() },
		validate: func(c Config) error { return c.WhatsApp.validate() },
		build:    buildWhatsApp,
	}
}

// buildWhatsApp makes the adapter over the Graph API and mounts the
// webhook.
func buildWhatsApp(env channelEnv) (channelRun, error) {
	w := env.Config.WhatsApp
	client := &whatsapp.Client{
		BaseURL: w.URL(), Version: w.Version(), PhoneNumberID: w.PhoneNumberID, Token: w.Token,
		HTTP: &http.Client{Timeout: 15 * time.Second},
	}
	a, err := whatsapp.New(whatsapp.Options{
		Client: client, Template: w.Template, TemplateLanguage: w.TemplateLanguage, Logger: env.Log,
	})
	if err != nil {
		return channelRun{}, &configError{"FARO_WHATSAPP_TEMPLATE", err}
	}
	hook, err := whatsapp.NewWebhook(whatsapp.WebhookOptions{
		AppSecret: w.AppSecret, VerifyToken: w.VerifyToken, PhoneNumberID: w.PhoneNumberID,
		Runtime: env.Runtime, Notes: a, Reengage: a, Linker: whatsapp.NewLinker(env.Store), Languages: env.Store, Messages: env.Store, Logger: env.Log,
	})
	if err != nil {
		return channelRun{}, fmt.Errorf("whatsapp: %w", err)
	}
	env.Handle(WhatsAppPath, hook)
	return channelRun{Adapter: a, Paths: []string{WhatsAppPath}, Mode: "webhook"}, nil
}
