package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadConfig: any YAML file and any value of any variable load
// without panic, and every refusal is one line naming the variable or
// file at fault, as start-up prints it.
func FuzzLoadConfig(f *testing.F) {
	f.Add("addr: \":9090\"\nllm: offline\n", uint8(0), ":8081")
	f.Add("api_keys:\n  - {name: ops, role: admin, key: 0123456789abcdef0123}\n", uint8(3), "debug")
	f.Add("burst_window: -1s\n", uint8(10), "off")
	f.Add("unknown_key: 1\n", uint8(1), "")
	f.Add("webhook_urls: [\"http://x\"]\n", uint8(20), "9999999999999999999999")
	f.Add("{", uint8(255), "\x00")
	path := filepath.Join(f.TempDir(), "faro.yaml")
	names := settings()
	f.Fuzz(func(t *testing.T, yamlText string, which uint8, value string) {
		if err := os.WriteFile(path, []byte(yamlText), 0o600); err != nil {
			t.Fatal(err)
		}
		name := names[int(which)%len(names)].env
		_, err := LoadConfig(path, envOf(map[string]string{name: value}))
		if err == nil {
			return
		}
		var ce *configError
		if !errors.As(err, &ce) {
			t.Fatalf("a refusal that names nothing: %v", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("a refusal of more than one line: %q", err)
		}
	})
}
