package whatsapp

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/knowledge"
)

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"bold", "El curso **IA 101** empieza", "El curso *IA 101* empieza"},
		{"bold underscores", "__IA 101__", "*IA 101*"},
		{"italic star", "es *muy* bueno", "es _muy_ bueno"},
		{"italic underscore stays", "es _muy_ bueno", "es _muy_ bueno"},
		{"bold and italic", "**uno** y *dos*", "*uno* y _dos_"},
		{"strike", "~~99 USD~~ 79 USD", "~99 USD~ 79 USD"},
		{"inline code", "run `faro serve` now", "run ```faro serve``` now"},
		{"code keeps markup", "`a**b**c`", "```a**b**c```"},
		{"fence", "```\nx := *p\n```", "```\nx := *p\n```"},
		{"link", "see [the price list](https://x.example/precios_2024)", "see the price list (https://x.example/precios_2024)"},
		{"link same text", "[https://x.example](https://x.example)", "https://x.example"},
		{"bare url keeps underscores", "go to https://x.example/a_b_c/ now", "go to https://x.example/a_b_c/ now"},
		{"heading", "## Precios **2025**", "*Precios 2025*"},
		{"bullets", "* uno\n+ dos\n- tres", "- uno\n- dos\n- tres"},
		{"escaped markers", `\*no bold\* and \_x\_`, "∗no bold∗ and ˍxˍ"},
		{"arithmetic", "2 * 3 * 4 = 24", "2 * 3 * 4 = 24"},
		{"snake case", "file_name_v2", "file_name_v2"},
		{"private use removed", "a\uE000b", "ab"},
		{"unclosed fence closed", "```\ncode", "```\ncode\n```"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Render(agent.Reply{Text: tc.in, Language: "es"}))
		})
	}
}

func TestRenderCitations(t *testing.T) {
	t.Parallel()
	r := agent.Reply{
		Text:     "Cuesta 99 USD [k3f9a2c] y dura 6 semanas [1, k3f9a2c]. Ver [nota](https://x.example).",
		Language: "es",
		Citations: []agent.Citation{
			{Ref: "k3f9a2c", Citation: knowledge.Citation{Title: "Precios", Heading: "IA 101", Link: "https://x.example/precios#ia"}},
			{Ref: "1", Citation: knowledge.Citation{Source: "docs/cursos.md", Title: "Cursos *nuevos*", Link: "docs/cursos.md#ia"}},
		},
	}
	require.Equal(t, "Cuesta 99 USD [1] y dura 6 semanas [2, 1]. Ver nota (https://x.example).\n\n"+
		"Fuentes:\n[1] Precios › IA 101 https://x.example/precios#ia\n[2] Cursos ∗nuevos∗", Render(r))
}

func TestRenderDocuments(t *testing.T) {
	t.Parallel()
	r := agent.Reply{
		Text:     "Here is your certificate.",
		Language: "en",
		Documents: []agent.Document{
			{Name: "certificate_ia-101.pdf", URL: "https://faro.example/documents/abc?sig=x_y", Format: "pdf"},
			{Name: "local.pdf", URL: "file:///etc/passwd"},
		},
	}
	require.Equal(t, "Here is your certificate.\n\nDocuments:\n- certificate_ia-101.pdf: https://faro.example/documents/abc?sig=x_y", Render(r))
}
