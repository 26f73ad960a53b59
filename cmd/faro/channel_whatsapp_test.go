package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var whatsappEnv = map[string]string{
	"FARO_WHATSAPP_TOKEN":           "EAAG-token",
	"FARO_WHATSAPP_APP_SECRET":      "app-secret",
	"FARO_WHATSAPP_VERIFY_TOKEN":    "verify-me",
	"FARO_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
}

func TestWhatsAppConfig(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.False(t, c.WhatsApp.Enabled(), "off when nothing is set")
	require.NoError(t, c.WhatsApp.validate())

	c, err = LoadConfig("", envOf(whatsappEnv))
	require.NoError(t, err)
	require.True(t, c.WhatsApp.Enabled())
	require.NoError(t, c.WhatsApp.validate())
	require.Equal(t, "https://graph.facebook.com", c.WhatsApp.URL())
	require.Equal(t, "v21.0", c.WhatsApp.Version())

	// The YAML file, under whatsapp:, and the environment over it.
	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`whatsapp:
  token: from-file
  app_secret: s
  verify_token: v
  phone_number_id: "123456789"
  api_url: http://127.0.0.1:9999/
  api_version: v22.0
  template: reply_ready
  template_language: es
`), 0o600))
	c, err = LoadConfig(path, envOf(map[string]string{"FARO_WHATSAPP_TOKEN": "from-env"}))
	require.NoError(t, err)
	require.NoError(t, c.WhatsApp.validate())
	require.Equal(t, WhatsAppConfig{Token: "from-env", AppSecret: "s", VerifyToken: "v", PhoneNumberID: "123456789",
		APIURL: "http://127.0.0.1:9999/", APIVersion: "v22.0", Template: "reply_ready", TemplateLanguage: "es"}, c.WhatsApp)
	require.Equal(t, "http://127.0.0.1:9999", c.WhatsApp.URL())

	for _, tc := range []struct {
		name    string
		change  map[string]string
		setting string
		says    string
	}{
		{"partial", map[string]string{"FARO_WHATSAPP_APP_SECRET": "", "FARO_WHATSAPP_VERIFY_TOKEN": ""},
			"FARO_WHATSAPP_APP_SECRET", "missing: FARO_WHATSAPP_APP_SECRET, FARO_WHATSAPP_VERIFY_TOKEN"},
		{"number instead of its id", map[string]string{"FARO_WHATSAPP_PHONE_NUMBER_ID": "+52 55 1234 5678"}, "FARO_WHATSAPP_PHONE_NUMBER_ID", "digits only"},
		{"api url", map[string]string{"FARO_WHATSAPP_API_URL": "graph.facebook.com"}, "FARO_WHATSAPP_API_URL", "http(s) URL"},
		{"api version", map[string]string{"FARO_WHATSAPP_API_VERSION": "21"}, "FARO_WHATSAPP_API_VERSION", "v21.0"},
		{"template without language", map[string]string{"FARO_WHATSAPP_TEMPLATE": "reply_ready"}, "FARO_WHATSAPP_TEMPLATE_LANGUAGE", "es, en_US"},
		{"language without template", map[string]string{"FARO_WHATSAPP_TEMPLATE_LANGUAGE": "es"}, "FARO_WHATSAPP_TEMPLATE", "is needed"},
	} {
		env := map[string]string{}
		for k, v := range whatsappEnv {
			env[k] = v
		}
		for k, v := range tc.change {
			env[k] = v
		}
		c, err := LoadConfig("", envOf(env))
		if err == nil {
			err = c.WhatsApp.validate()
		}
		var ce *configError
		require.True(t, errors.As(err, &ce), "%s: %v", tc.name, err)
		require.Equal(t, tc.setting, ce.name, tc.name)
		require.Contains(t, err.Error(), tc.says, tc.name)
	}
}
