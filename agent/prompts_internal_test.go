package agent

import (
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// TestTextsInEveryLanguage checks every text the agent writes or sends the
// model exists in every language it speaks, and that the Portuguese ones
// are Portuguese: none of the words only the Spanish ones use.
func TestTextsInEveryLanguage(t *testing.T) {
	t.Parallel()
	spanishOnly := map[string]bool{"eres": true, "hablas": true, "siempre": true, "español": true,
		"herramientas": true, "pasajes": true, "siento": true, "inténtalo": true, "puedes": true, "contármelo": true,
		"dímelo": true, "equipo": true, "ayúdale": true, "estudiante": true, "inscrito": true, "resumen": true, "conversación": true,
		"he": true, "llegado": true, "tardando": true, "perdona": true, "sabido": true, "gusto": true, "ayudo": true}
	requirePT := func(name, text string) {
		t.Helper()
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			require.False(t, spanishOnly[w], "%s: Spanish word %q in the Portuguese text: %s", name, w, text)
		}
	}
	for _, lang := range languages {
		require.NotEmpty(t, basePrompt[lang], "basePrompt %s", lang)
		require.NotEmpty(t, summaryHeader[lang], "summaryHeader %s", lang)
		for _, role := range []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff} {
			require.NotEmpty(t, rolePrompt[role][lang], "rolePrompt %s %s", role, lang)
			require.Contains(t, systemPrompt(lang, role, Persona{}, ""), rolePrompt[role][lang])
		}
		c, ok := cannedText[lang]
		require.True(t, ok, "cannedText %s", lang)
		v := reflect.ValueOf(c)
		for i := range v.NumField() {
			text := v.Field(i).String()
			require.NotEmpty(t, text, "cannedText %s.%s", lang, v.Type().Field(i).Name)
			if lang == "pt" {
				requirePT("cannedText."+v.Type().Field(i).Name, text)
			}
		}
	}
	requirePT("basePrompt", basePrompt["pt"])
	requirePT("summaryHeader", summaryHeader["pt"])
	for role, texts := range rolePrompt {
		requirePT("rolePrompt "+string(role), texts["pt"])
	}
	require.Equal(t, cannedText["pt"], textFor("pt"), "a Portuguese conversation gets the Portuguese replies")
	require.Equal(t, cannedText["es"], textFor("fr"), "an unknown language gets the default, Spanish")
}
