package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/edict-policy/edict/version"
)

func TestVersionCommand(t *testing.T) {
	want := version.Get()
	tests := []struct {
		args  []string
		check func(t *testing.T, stdout string)
	}{
		{[]string{"--version"}, func(t *testing.T, stdout string) {
			if stdout != want.String()+"\n" {
				t.Errorf("--version = %q, want %q", stdout, want.String())
			}
		}},
		{[]string{"version"}, func(t *testing.T, stdout string) {
			if stdout != want.String()+"\n" || !strings.HasPrefix(stdout, "edict ") {
				t.Errorf("version = %q, want %q", stdout, want.String())
			}
		}},
		{[]string{"version", "--output", "json"}, func(t *testing.T, stdout string) {
			var got version.Info
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if got != want || got.GoVersion == "" || got.Platform == "" {
				t.Errorf("json = %+v, want %+v", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, code := runEdict(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			tt.check(t, stdout)
		})
	}
	if _, _, code := runEdict(t, "", "version", "--output", "yaml"); code != ExitUsage {
		t.Errorf("--output yaml: exit %d, want %d", code, ExitUsage)
	}
}
