package fulltext

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLines(t *testing.T) {
	t.Parallel()
	text := "## Materiales\nEl libro está incluido. El cuaderno se compra aparte y\ncuesta 18 USD, en\n2 colores.\n\n- Precio: 90 USD\n- Horario: martes\nPrecio: 90 USD\nInicio: 8 de febrero\n1. Entra en el campus\n2. Pulsa «Olvidé mi contraseña»\n| a | b |\n| c | d |\nla tabla sigue"
	require.Equal(t, []string{
		"## Materiales",
		"El libro está incluido. El cuaderno se compra aparte y cuesta 18 USD, en 2 colores.",
		"",
		"- Precio: 90 USD",
		"- Horario: martes",
		"Precio: 90 USD",
		"Inicio: 8 de febrero",
		"1. Entra en el campus",
		"2. Pulsa «Olvidé mi contraseña»",
		"| a | b |",
		"| c | d |",
		"la tabla sigue",
	}, Lines(text))
}
