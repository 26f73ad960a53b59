package lexicon_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/lexicon"
	"github.com/faroai/faro/scenario"
)

func esPT(t *testing.T) *lexicon.Transfer {
	t.Helper()
	tr, err := lexicon.NewTransfer("es", "pt")
	require.NoError(t, err)
	return tr
}

func TestTransferTable(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	require.Equal(t, "es", tr.From)
	require.Equal(t, "pt", tr.To)
	require.Greater(t, tr.Entries(), 3000)

	// The parser refuses a Spanish side listed twice; check the file too,
	// so that a duplicate is reported with its line.
	data, err := os.ReadFile("es-pt.txt")
	require.NoError(t, err)
	require.Less(t, len(data), 150_000, "keep the embedded table small")
	seen := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			break // the sections of rules after the entries
		}
		src, dst, ok := strings.Cut(line, "=")
		if line == "" {
			continue
		}
		require.True(t, ok, "line %d: %q", i+1, line)
		src, dst = strings.TrimSpace(src), strings.TrimSpace(dst)
		require.NotEmpty(t, dst, "line %d", i+1)
		require.Equal(t, strings.ToLower(src), src, "line %d: Spanish sides are lower case", i+1)
		if prev, dup := seen[src]; dup {
			t.Errorf("line %d: %q is already on line %d", i+1, src, prev)
		}
		seen[src] = i + 1
	}
	for _, want := range []string{"del", "al", "en el", "en la", "de la", "de los", "por el", "con el", "un", "una", "sin embargo", "hay que"} {
		require.Contains(t, seen, want)
	}
}

func TestTransferUnknownPair(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{{"es", "fr"}, {"pt", "es"}, {"es", "es"}, {"", ""}, {"es", ""}} {
		tr, err := lexicon.NewTransfer(pair[0], pair[1])
		require.ErrorIs(t, err, lexicon.ErrNoTable, "%v", pair)
		require.Nil(t, tr)
	}
}

func TestTransferSentences(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	for _, c := range []struct {
		in   string
		want []string // words the Portuguese must have
		not  []string // Spanish words it must have lost
	}{
		{
			in:   "¿Cómo puedo cambiar mi contraseña? Entra a tu perfil, haz clic en Seguridad y escribe la nueva contraseña dos veces.",
			want: []string{"Como posso", "minha senha", "Acesse", "seu perfil", "clique em", "escreva", "a nova senha", "duas vezes"},
			not:  []string{"¿", "contraseña", "haz", "escribe", "mi "},
		},
		{
			in:   "Si necesitas una factura, pídela desde la sección de pagos. La enviamos a tu correo electrónico en un plazo de 48 horas.",
			want: []string{"Se precisa de uma fatura", "peça-a", "seção de pagamentos", "enviamos", "seu e-mail", "em um prazo de 48 horas"},
			not:  []string{"factura", "correo", "pídela"},
		},
		{
			in:   "Puedes solicitar el reembolso dentro de los primeros 14 días después de la compra. Sin embargo, no hay reembolso si ya descargaste el certificado.",
			want: []string{"Pode solicitar o reembolso", "dentro dos primeiros 14 dias", "depois da compra", "No entanto", "não há reembolso", "já baixou"},
			not:  []string{"puedes", "sin embargo", "descargaste"},
		},
		{
			in:   "Nuestro equipo de soporte atiende de lunes a viernes, de 9 a 18 h. Los sábados y domingos no hay atención telefónica.",
			want: []string{"Nossa equipe de suporte", "de segunda a sexta", "Aos sábados e domingos", "não há"},
			not:  []string{"lunes", "viernes", "Nuestro"},
		},
		{
			in:   "Tu suscripción se renueva automáticamente cada mes. Para cancelarla, ve a Configuración y elige el plan gratuito.",
			want: []string{"Sua assinatura", "automaticamente", "cada mês", "cancelá-la", "vá para", "escolha o plano gratuito"},
			not:  []string{"suscripción", "elige"},
		},
		{
			in:   "Al terminar todas las lecciones del curso y aprobar el examen final, recibirás tu certificado por correo.",
			want: []string{"Ao terminar", "todas as lições do curso", "aprovar o exame final", "receberá seu certificado", "por e-mail"},
			not:  []string{"lecciones", "recibirás"},
		},
		{
			in:   "Hay que completar el formulario antes del 15 de enero; a partir del 16 de enero las inscripciones estarán cerradas.",
			want: []string{"É preciso completar o formulário", "antes do 15 de janeiro", "a partir do 16 de janeiro", "as inscrições"},
			not:  []string{"enero", "inscripciones"},
		},
	} {
		got := tr.Apply(c.in)
		for _, w := range c.want {
			require.Contains(t, got, w, "in %q", got)
		}
		for _, w := range c.not {
			require.NotContains(t, got, w, "in %q", got)
		}
	}
}

// What is not a word of the text passes through as it was.
func TestTransferKeeps(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	for _, c := range []struct{ in, want string }{
		{"El plan cuesta USD 249 al año.", "O plano custa USD 249 por ano."},
		{"Escribe a soporte@brujula.example o entra en https://campus.brujula.example/recuperar?paso=2.",
			"Escreva para soporte@brujula.example ou entre em https://campus.brujula.example/recuperar?paso=2."},
		{"Visita campus.brujula.example/recuperar para recuperar tu contraseña.",
			"Visite campus.brujula.example/recuperar para recuperar sua senha."},
		{"Descarga el archivo facturas_2024.csv de la carpeta /datos/pagos.",
			"Baixe o arquivo facturas_2024.csv da pasta /datos/pagos."},
		{"Pulsa el botón \"Olvidé mi contraseña\" y revisa tu correo.",
			"Clique no botão \"Olvidé mi contraseña\" e verifique seu e-mail."},
		{"Ejecuta `faro sincronizar --todo` en la terminal.", "Execute `faro sincronizar --todo` na terminal."},
		{"La variable precio_final y el e-mail de O'Brien.", "A variável precio_final e o e-mail de O'Brien."},
		{"El código <b>BIENVENIDA</b> da un 20 % de descuento hasta el 31/12/2025.",
			"O código <b>BIENVENIDA</b> dá um 20 % de desconto até o 31/12/2025."},
	} {
		require.Equal(t, c.want, tr.Apply(c.in))
	}
}

func TestTransferCase(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	for _, c := range []struct{ in, want string }{
		{"hola a todos", "olá a todos"},
		{"Hola a todos", "Olá a todos"},
		{"HOLA A TODOS", "OLÁ A TODOS"},
		{"en el curso", "no curso"},
		{"En el curso", "No curso"},
		{"EN EL CURSO", "NO CURSO"},
		{"Sin embargo", "No entanto"},
		{"SIN EMBARGO", "NO ENTANTO"},
		{"A la clase", "À aula"},
		// A word in capitals alone is an acronym or a code, unless short.
		{"IMPORTANTE: LA CONTRASEÑA ES PERSONAL.", "IMPORTANTE: A SENHA É PESSOAL."},
		{"Escribe el cupón VERANO antes del viernes.", "Escreva o cupom VERANO antes da sexta-feira."},
		{"Las clases NO se reembolsan.", "As aulas NÃO se reembolsam."},
		// Mixed case is a name; capitalised words the table lacks are
		// names inside a sentence, but not at its start.
		{"Paga con PayPal o MercadoPago", "Pague com PayPal ou MercadoPago"},
		{"La profesora Concepción te ayudará.", "A professora Concepción vai ajudar você."},
		{"El campus y Pulse usan cuentas distintas.", "O campus e Pulse usam contas diferentes."},
		{"Ve a Configuración y elige Mis cursos.", "Vá para Configuración e escolha Mis cursos."},
		{"Preguntas Frecuentes", "Perguntas Frequentes"},
		{"Paga con tarjeta o Mercado Pago.", "Pague com cartão ou Mercado Pago."},
		{"En México y en España", "No México e na Espanha"},
		{"Tenemos oficinas en España y en Brasil.", "Temos escritórios na Espanha e no Brasil."},
		{"Tokenización de textos.", "Tokenização de textos."},
	} {
		require.Equal(t, c.want, tr.Apply(c.in), c.in)
	}
}

func TestTransferPunctuation(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	in := "¡Hola!  ¿Tienes dudas?\n\n- Uno;   dos...\n\t(tres) [cuatro] «cinco, seis y siete: ocho»\r\n"
	want := "Olá!  Tem dúvidas?\n\n- Um;   dois...\n\t(três) [quatro] «cinco, seis y siete: ocho»\r\n"
	require.Equal(t, want, tr.Apply(in))
	require.Empty(t, tr.Apply(""))
	require.Equal(t, " \n ", tr.Apply(" \n "))
}

func TestTransferGrammar(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	for _, c := range []struct{ in, want string }{
		// Spanish possessives have one form; Portuguese agrees with the noun.
		{"tu cuenta", "sua conta"},
		{"tu curso", "seu curso"},
		{"tus clases", "suas aulas"},
		{"su sistema", "seu sistema"},
		{"mi inscripción", "minha inscrição"},
		// Prepositions and articles contract.
		{"dentro de los 30 días", "dentro dos 30 dias"},
		{"antes de la fecha", "antes da data"},
		{"en este módulo", "neste módulo"},
		// Plurals and pronouns attached to verbs the table lists.
		{"datos correctos", "dados corretos"},
		{"descárgalo", "baixe-o"},
		{"para inscribirte", "para se inscrever"},
		// Endings of words the table lacks.
		{"la confiabilidad", "a confiabilidade"},
		{"el kilometraje", "o kilometragem"},
		{"es reutilizable", "é reutilizável"},
	} {
		require.Equal(t, c.want, tr.Apply(c.in), c.in)
	}
}

// A Spanish paragraph, transferred, reads as Portuguese to the detector
// the replies are checked with.
func TestTransferDetectedAsPortuguese(t *testing.T) {
	t.Parallel()
	tr := esPT(t)
	paragraphs := []string{
		"Si no recibiste el correo de confirmación, revisa la carpeta de spam. Si después de una hora sigue sin llegar, " +
			"escríbenos a ayuda@escuela.example con tu nombre completo y el número de pedido, y lo revisaremos el mismo día.",
		"El curso tiene ocho módulos y un proyecto final. Cada semana se publica una lección nueva con ejercicios prácticos, " +
			"y las sesiones en vivo quedan grabadas para que puedas verlas cuando quieras. El acceso dura doce meses.",
		"Aceptamos tarjetas de crédito y débito, transferencia bancaria y pago en efectivo. Los pagos con tarjeta se acreditan " +
			"al instante; las transferencias pueden tardar hasta dos días hábiles. Todos los precios incluyen impuestos.",
	}
	for _, p := range paragraphs {
		require.Equal(t, "es", scenario.DetectLanguage(p), p)
		got := tr.Apply(p)
		require.Equal(t, "pt", scenario.DetectLanguage(got), got)
	}
}

// Back reads a Portuguese word as the Spanish one it translates, and
// leaves out the words both languages share.
func TestTransferBack(t *testing.T) {
	tr, err := lexicon.NewTransfer("es", "pt")
	if err != nil {
		t.Fatal(err)
	}
	back := tr.Back()
	for pt, es := range map[string]string{"aula": "clase", "geram": "generan"} {
		if back[pt] != es {
			t.Errorf("Back()[%q] = %q, want %q", pt, back[pt], es)
		}
	}
	for _, shared := range []string{"grupo", "horario"} {
		if got, ok := back[shared]; ok {
			t.Errorf("Back()[%q] = %q, want no entry: it is a Spanish word too", shared, got)
		}
	}
}
