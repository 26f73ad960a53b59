package web

// Error codes of error frames.
const (
	codeBadFrame    = "bad_frame"
	codeTooLong     = "too_long"
	codeRateLimited = "rate_limited"
	codeForbidden   = "forbidden"
	codeBusy        = "busy"
	codeFailed      = "failed"
	codeNoConsent   = "no_consent"
)

// errorText is the short message a visitor reads for an error code, in
// their language (es, en, pt; es by default).
func errorText(lang, code string) string {
	t := map[string][3]string{
		codeBadFrame:    {"No entendí ese mensaje.", "That message could not be read.", "Não entendi essa mensagem."},
		codeTooLong:     {"El mensaje es demasiado largo (máximo 4000 caracteres).", "The message is too long (4000 characters at most).", "A mensagem é longa demais (máximo 4000 caracteres)."},
		codeRateLimited: {"Vas muy rápido; espera un momento.", "You are sending too fast; please wait a moment.", "Você está enviando rápido demais; espere um momento."},
		codeForbidden:   {"Esa conversación no es tuya.", "That conversation is not yours.", "Essa conversa não é sua."},
		codeBusy:        {"Estoy respondiendo tus mensajes anteriores; espera un momento.", "Still answering your previous messages; please wait a moment.", "Ainda estou respondendo suas mensagens anteriores; espere um momento."},
		codeFailed:      {"Algo salió mal; inténtalo de nuevo.", "Something went wrong; please try again.", "Algo deu errado; tente novamente."},
		codeNoConsent:   {"Sin consentimiento no guardamos señales de navegación.", "Without consent, browsing signals are not stored.", "Sem consentimento, não guardamos sinais de navegação."},
	}[code]
	switch lang {
	case "en":
		return t[1]
	case "pt":
		return t[2]
	}
	return t[0]
}
