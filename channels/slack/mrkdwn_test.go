package slack

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestToMrkdwn(t *testing.T) {
	t.Parallel()
	cites := map[string]string{"1": "https://brujula.example/cursos?a=1&b=2", "k3f9a2c": "https://brujula.example/faq"}
	for _, c := range []struct{ in, want string }{
		{"**MRR**: 48.000 USD", "*MRR*: 48.000 USD"},
		{"__fuerte__ y *cursiva* y _otra_", "*fuerte* y _cursiva_ y _otra_"},
		{"~~tachado~~", "~tachado~"},
		{"ver [la guía](https://example.com/g?x=1&y=2)", "ver <https://example.com/g?x=1&amp;y=2|la guía>"},
		{"[**negrita**](https://example.com)", "<https://example.com|*negrita*>"},
		{"[mal](javascript:alert(1))", "mal (javascript:alert(1))"},
		{"[x](https://a.example/p|q)", "x (https://a.example/p|q)"},
		{"[x](<>)", "[x](&lt;&gt;)"}, // no address: text, as on Discord
		{"<!channel> & <@U123> > 2 < 3", "&lt;!channel&gt; &amp; &lt;@U123&gt; &gt; 2 &lt; 3"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"Precio [1] y política [k3f9a2c], sin fuente [9]", "Precio <https://brujula.example/cursos?a=1&amp;b=2|[1]> y política <https://brujula.example/faq|[k3f9a2c]>, sin fuente [9]"},
		{"# Informe\n- uno\n* dos\n  + tres\n1. cuatro", "*Informe*\n• uno\n• dos\n  • tres\n1. cuatro"},
		{"## **Ya negrita**", "*Ya negrita*"},
		{"`a <b> & c` y ```\ncode <x>\n```", "`a &lt;b&gt; &amp; c` y ```\ncode &lt;x&gt;\n```"},
		{"```go\nif a < b {}\n```", "```\nif a &lt; b {}\n```"},
		{"2 * 3 * 4 = 24, snake_case_name", "2 * 3 * 4 = 24, snake_case_name"},
		{"autolink <https://example.com/a>", "autolink <https://example.com/a>"},
		{"a | b", "a | b"},
		{"[t|x](https://example.com)", "<https://example.com|t∣x>"},
		{"**sin cierre", "**sin cierre"},
		{"", ""},
	} {
		require.Equal(t, c.want, toMrkdwn(c.in, cites), "input %q", c.in)
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"<@UBOT> ¿cuál es el MRR de este mes?", "¿cuál es el MRR de este mes?"},
		{"<@UBOT|faro>   hola  <@UBOT>", "hola"},
		{"hola <@U999> y <@U998|ana> en <#C1|general>", "hola @U999 y @ana en #general"},
		{"mira <https://a.example/x?a=1&amp;b=2|la página> y <https://b.example>", "mira la página (https://a.example/x?a=1&b=2) y https://b.example"},
		{"<!here> 2 &lt; 3 &amp;&amp; 4 &gt; 1", "@here 2 < 3 && 4 > 1"},
		{"<mailto:ana@example.com|ana@example.com>", "ana@example.com"},
		{"sin cierre <@UBOT", "sin cierre <@UBOT"},
	} {
		require.Equal(t, c.want, plainText(c.in, "UBOT"), "input %q", c.in)
	}
}
