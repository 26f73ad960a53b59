package slack

// phrases are the few words the adapter writes itself, per language.
type phrases struct {
	sources string
}

// words are the phrases of lang (es, en, pt; es when unknown, the demo
// business's language).
func words(lang string) phrases {
	switch lang {
	case "en":
		return phrases{sources: "Sources"}
	case "pt":
		return phrases{sources: "Fontes"}
	}
	return phrases{sources: "Fuentes"}
}
