package main

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

const testdata = "../../policytest/testdata/"

func TestTestCommandExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		lastOut string // the closing line of text output
		stderr  string // the whole of stderr
	}{
		{"passing suites", []string{"test", testdata + "gator"}, ExitOK, "34 passed, 0 failed", ""},
		{"failing suites", []string{"test", "--root", testdata, testdata + "failing"}, ExitFailure, "1 passed, 6 failed", "edict: 6 of 7 test(s) failed\n"},
		{"bad input is not a failure", []string{"test", "--root", testdata, testdata + "bad"}, ExitUsage, "2 passed, 0 failed, 11 errors", "edict: 11 test(s) could not run because of bad input\n"},
		{"folder is a root with its lib", []string{"test", testdata + "repo", "--run", "repo/(lib|policies)/"}, ExitOK, "8 passed, 0 failed", ""},
		{"initiative tests", []string{"test", testdata + "repo/tests/prod_test.yaml", "--root", testdata + "repo"}, ExitOK, "6 passed, 0 failed", ""},
		{"coverage gate", []string{"test", testdata + "repo/policies", "--root", testdata + "repo", "--coverage-min", "90"}, ExitFailure, "5 passed, 1 failed", "edict: 1 of 6 test(s) failed\n"},
		{"missing path", []string{"test", "testdata/nope"}, ExitUsage, "0 passed, 0 failed, 1 errors", "edict: 1 test(s) could not run because of bad input\n"},
		{"no tests", []string{"test", "testdata/notests"}, ExitFailure, "0 passed, 0 failed", "edict: no tests found (pass --allow-empty if that is expected)\n"},
		{"no tests allowed", []string{"test", "--allow-empty", "testdata/notests"}, ExitOK, "0 passed, 0 failed", "edict: no tests found\n"},
		{"run matches nothing", []string{"test", "--run", "no-such-case", testdata + "gator"}, ExitFailure, "0 passed, 0 failed", "edict: no tests found (pass --allow-empty if that is expected)\n"},
		{"misspelt suite kind", []string{"test", "testdata/misspelt"}, ExitUsage, "0 passed, 0 failed, 1 errors", "edict: 1 test(s) could not run because of bad input\n"},
		{"gator's recursive path form", []string{"test", "./" + testdata + "gator/..."}, ExitOK, "34 passed, 0 failed", ""},
		{"gator's test//case filter", []string{"test", "--run", "two-labels//team", testdata + "gator"}, ExitOK, "1 passed, 0 failed", ""},
		{"bad format", []string{"test", "--format", "xml", testdata + "gator"}, ExitUsage, "", "edict: --format \"xml\": expected text, json or junit\n"},
		{"bad run expression", []string{"test", "--run", "(", testdata + "gator"}, ExitUsage, "", "edict: --run: error parsing regexp: missing closing ): `(`\n"},
		{"bad coverage minimum", []string{"test", "--coverage-min", "101", testdata + "gator"}, ExitUsage, "", "edict: --coverage-min 101: expected a percentage between 0 and 100\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runEdict(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if tt.lastOut == "" {
				if out != "" {
					t.Errorf("stdout %q, want nothing", out)
				}
			} else {
				if !strings.HasSuffix(out, "\n") {
					t.Errorf("stdout does not end with a newline: %q", out)
				}
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				if lines[len(lines)-1] != tt.lastOut {
					t.Errorf("closing line %q, want %q\n%s", lines[len(lines)-1], tt.lastOut, out)
				}
			}
			if errOut != tt.stderr {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
		})
	}
}

func TestTestCommandFormats(t *testing.T) {
	out, _, code := runEdict(t, "", "test", "--format", "json", "--root", testdata, testdata+"failing")
	var rep struct {
		Passed, Failed int
		Results        []struct{ Status, Group, Name string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitFailure || rep.Passed != 1 || rep.Failed != 6 || len(rep.Results) != 7 {
		t.Errorf("json: exit %d, %+v, %v\n%s", code, rep, err, out)
	}
	out, _, code = runEdict(t, "", "test", "--format", "junit", "--root", testdata, testdata+"failing")
	var suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil || code != ExitFailure || suites.Tests != 7 || suites.Failures != 6 {
		t.Errorf("junit: exit %d, %+v, %v\n%s", code, suites, err, out)
	}
	out, _, _ = runEdict(t, "", "test", "-v", "--coverage-report", "--root", testdata+"repo", testdata+"repo/policies")
	for _, want := range []string{"ok    ", "uncovered lines 13-15", "62.5% (5/8 lines)"} {
		if !strings.Contains(out, want) {
			t.Errorf("verbose text lacks %q:\n%s", want, out)
		}
	}
}
