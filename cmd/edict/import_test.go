package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edict-policy/edict/azureimport"
)

const azureFixtures = "../../azureimport/testdata/azure/"

func azureFiles(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = azureFixtures + n
	}
	return out
}

// TestImportAzureCommand runs `edict import azure` and then `edict build
// --test` on what it wrote, as a user would, and checks the exit codes.
func TestImportAzureCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "imported")

	// Sets and assignments that all map: exit 0, and the output builds and
	// passes its generated tests.
	args := append([]string{"import", "azure"}, azureFiles("baseline-set.json", "restricted-set.json")...)
	args = append(args, "-o", out)
	stdout, stderr, code := runEdict(t, "", args...)
	if code != ExitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "0 not mapped") {
		t.Errorf("summary missing:\n%s", stdout)
	}
	// One initiative and one test per set, and the report.
	for pattern, want := range map[string]int{"IMPORT.md": 1, "initiatives/*.yaml": 2, "tests/*_test.yaml": 2} {
		if m, _ := filepath.Glob(filepath.Join(out, pattern)); len(m) != want {
			t.Errorf("%s: %d files, want %d: %v", pattern, len(m), want, m)
		}
	}
	stdout, stderr, code = runEdict(t, "", "build", out, "--test", "-o", filepath.Join(dir, "dist"))
	if code != ExitOK {
		t.Fatalf("build --test of the import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "passed, 0 failed") {
		t.Errorf("build --test ran no tests:\n%s", stderr)
	}

	// Everything, with items that cannot be mapped: exit 1, output written,
	// JSON report on stdout.
	args = append([]string{"import", "azure"}, azureFiles("baseline-set.json", "restricted-set.json", "safeguards-set.json", "definitions.json", "assignments.json", "exemptions.json")...)
	args = append(args, "-o", out, "--owner", "team-platform", "--output", "json")
	stdout, stderr, code = runEdict(t, "", args...)
	if code != ExitFailure {
		t.Fatalf("import with unmapped items: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	var rep struct {
		NotMapped int `json:"notMapped"`
		Items     []struct {
			Status string `json:"status"`
			Note   string `json:"note"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	if rep.NotMapped == 0 || !strings.Contains(stderr, "were not mapped") {
		t.Errorf("notMapped %d, stderr %q", rep.NotMapped, stderr)
	}
	stdout, stderr, code = runEdict(t, "", "build", out, "--test", "-o", filepath.Join(dir, "dist"))
	if code != ExitOK {
		t.Fatalf("build --test of the full import: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestImportAzureBadInput(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "set.json")
	if err := os.WriteFile(notJSON, []byte("displayName: not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "mine")
	if err := os.MkdirAll(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A FIFO would block a reader that opens it before looking at it, and
	// an oversized file must be refused before it is read whole.
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, make([]byte, azureimport.MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"output cannot be written", append(append([]string{"import", "azure"}, azureFiles("baseline-set.json")...), "-o", filepath.Join(blocker, "out")), ExitIO, "not a directory"},
		{"not JSON", []string{"import", "azure", notJSON, "-o", filepath.Join(dir, "a")}, ExitUsage, notJSON + ":1:1: not valid JSON"},
		{"missing file", []string{"import", "azure", filepath.Join(dir, "nope.json"), "-o", filepath.Join(dir, "b")}, ExitUsage, "nope.json"},
		{"FIFO", []string{"import", "azure", fifo, "-o", filepath.Join(dir, "e")}, ExitUsage, fifo + ": is not a regular file"},
		{"oversized file", []string{"import", "azure", huge, "-o", filepath.Join(dir, "f")}, ExitUsage, huge + ": file is 8388609 bytes or more"},
		{"no -o", []string{"import", "azure", notJSON}, ExitUsage, `required flag(s) "out-dir" not set`},
		{"foreign folder", append(append([]string{"import", "azure"}, azureFiles("baseline-set.json")...), "-o", mine), ExitUsage, "was not written by edict import"},
		{"bad expiry", append(append([]string{"import", "azure"}, azureFiles("baseline-set.json")...), "-o", filepath.Join(dir, "c"), "--default-expiry", "-1h"), ExitUsage, "must be between one day and five years"},
		{"expiry not a number", append(append([]string{"import", "azure"}, azureFiles("baseline-set.json")...), "-o", filepath.Join(dir, "d"), "--default-expiry", "ninety"), ExitUsage, "expected days such as 90d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runEdict(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
	if data, err := os.ReadFile(filepath.Join(mine, "notes.txt")); err != nil || string(data) != "mine" {
		t.Errorf("the foreign folder was touched: %q %v", data, err)
	}
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"2160h", 90 * 24 * time.Hour, true},
		{"0d", 0, false},
		{"12h", 0, false},
		{"3650d", 0, false},
		{"d", 0, false},
		{"-5d", 0, false},
	}
	for _, tt := range tests {
		got, err := parseExpiry(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
