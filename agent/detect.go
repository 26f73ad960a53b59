package agent

// DetectLanguage is the server's one language detector, for channels that
// must speak before any turn runs (a note answering an image, a greeting):
// es, en or pt, or "" when text shows none.
func DetectLanguage(text string) string { return detectLanguage(text).Lang }
