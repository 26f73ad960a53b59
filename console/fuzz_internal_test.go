package console

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzNext: whatever the sign-in form's next says, the browser is sent
// to a console page of this server, never elsewhere.
func FuzzNext(f *testing.F) {
	for _, s := range []string{"/console/inbox", "//evil.example/", "/console/../x", "https://evil.example", "/console/\\evil", "/console//evil.example", "/\t/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		r := httptest.NewRequest("POST", "/console/signin", strings.NewReader(url.Values{"next": {n}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got := next(r)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, "/console/") || strings.HasPrefix(got, "//") {
			t.Fatalf("next %q gave %q", n, got)
		}
		// What a browser does with it: resolved against this server.
		base, _ := url.Parse("http://faro.example/console/signin")
		if res := base.ResolveReference(u); res.Host != "faro.example" {
			t.Fatalf("next %q leaves the server: %s", n, res)
		}
	})
}
