package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/lint"
)

const lintHeader = "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team\nspec:\n  version: 1.0.0\n"

// lintRepo writes a repository whose only initiative has the given spec lines.
func lintRepo(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"initiatives/team.yaml": lintHeader + body})
	return dir
}

var (
	lintClean   = "  defaults:\n    effect: deny\n    match: {excludedNamespaces: [kube-system, gatekeeper-system]}\n  policies:\n    host-namespaces: {}\n"
	lintWarning = "  defaults:\n    effect: deny\n  policies:\n    host-namespaces: {}\n"
	lintError   = "  policies:\n    host-network-ports: {parameters: {minPort: 9000, maxPort: 80}}\n"
	lintAcked   = lintWarning + "  acknowledgements:\n    - {rule: system-namespace-enforced, reason: a lab cluster without system workloads}\n"
)

// TestLintCommand: exit codes and outputs of edict lint.
func TestLintCommand(t *testing.T) {
	cases := []struct {
		name     string
		body     string // "" for no repository argument
		args     []string
		code     int
		stdout   []string
		stderr   string
		notInOut string
	}{
		{name: "clean", body: lintClean, code: ExitOK, stdout: []string{"lint: 0 errors, 0 warnings, 0 acknowledged"}},
		{name: "warning", body: lintWarning, code: ExitOK,
			stdout: []string{"initiatives/team.yaml:8:5: warning: system-namespace-enforced: host-namespaces: effect deny reaches kube-system, gatekeeper-system", "1 warning"}},
		{name: "warning with --strict", body: lintWarning, args: []string{"--strict"}, code: ExitUsage,
			stdout: []string{"system-namespace-enforced"}, stderr: "0 errors, 1 warning, 0 acknowledged (--strict)"},
		{name: "error without --strict", body: lintError, code: ExitUsage,
			stdout: []string{"error: range-inverted: host-network-ports: minPort 9000 is above maxPort 80"}, stderr: "1 error"},
		{name: "acknowledged", body: lintAcked, args: []string{"--strict"}, code: ExitOK,
			stdout: []string{"0 warnings, 1 acknowledged"}, notInOut: "system-namespace-enforced"},
		{name: "acknowledged, shown", body: lintAcked, args: []string{"--show-acknowledged"}, code: ExitOK,
			stdout: []string{"[acknowledged at ", "a lab cluster without system workloads]"}},
		{name: "unknown acknowledged rule", body: lintClean + "  acknowledgements:\n    - {rule: control-disable, reason: r}\n", code: ExitUsage,
			stderr: `initiatives/team.yaml:13:14: spec.acknowledgements.0.rule: "control-disable" is not allowed`},
		{name: "bad output", body: lintClean, args: []string{"--output", "xml"}, code: ExitUsage, stderr: `--output "xml"`},
		{name: "list rules", args: []string{"--list-rules"}, code: ExitOK, stdout: []string{"range-inverted", "error", "system-namespace-exclusion-dropped"}},
		{name: "built-in", args: []string{"pod-security-restricted", "--strict"}, code: ExitOK, stdout: []string{"lint: 0 errors"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"lint"}
			if tc.body != "" {
				args = append(args, lintRepo(t, tc.body))
			}
			stdout, stderr, code := runEdict(t, "", append(args, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if tc.notInOut != "" && strings.Contains(stdout, tc.notInOut) {
				t.Errorf("stdout shows %q:\n%s", tc.notInOut, stdout)
			}
		})
	}
}

// TestLintMachineOutput: --output json and sarif carry every finding with
// its rule, position and acknowledgement.
func TestLintMachineOutput(t *testing.T) {
	dir := lintRepo(t, lintAcked+"    - {rule: allowlist-empty, reason: stale}\n")
	stdout, stderr, code := runEdict(t, "", "lint", dir, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var js struct {
		Findings                       []lint.Finding
		Errors, Warnings, Acknowledged int
	}
	if err := json.Unmarshal([]byte(stdout), &js); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if js.Warnings != 1 || js.Acknowledged != 1 || len(js.Findings) != 2 {
		t.Fatalf("json counts: %+v", js)
	}
	acked := js.Findings[0]
	if acked.Rule != "system-namespace-enforced" || acked.File != filepath.Join(dir, "initiatives/team.yaml") || acked.Line != 8 || acked.Acknowledged == nil || acked.Acknowledged.Line != 12 {
		t.Errorf("acknowledged finding: %+v", acked)
	}
	if js.Findings[1].Rule != "acknowledgement-unused" {
		t.Errorf("second finding: %+v", js.Findings[1])
	}

	stdout, _, code = runEdict(t, "", "lint", dir, "--output", "sarif", "--strict")
	if code != ExitUsage {
		t.Fatalf("sarif --strict with an unused acknowledgement: exit %d", code)
	}
	var sarif struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID       string
				Level        string
				Suppressions []struct{ Kind, Justification string }
				Locations    []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &sarif); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Tool.Driver.Rules) != len(lint.Rules()) || len(sarif.Runs[0].Results) != 2 {
		t.Fatalf("sarif shape:\n%s", stdout)
	}
	r := sarif.Runs[0].Results[0]
	loc := r.Locations[0].PhysicalLocation
	if r.RuleID != "system-namespace-enforced" || r.Level != "warning" || len(r.Suppressions) != 1 || r.Suppressions[0].Kind != "inSource" ||
		r.Suppressions[0].Justification != "a lab cluster without system workloads" || loc.Region.StartLine != 8 || loc.Region.StartColumn != 5 {
		t.Errorf("sarif result: %+v", r)
	}
	if len(sarif.Runs[0].Results[1].Suppressions) != 0 {
		t.Errorf("the unused acknowledgement is suppressed: %+v", sarif.Runs[0].Results[1])
	}
}

// TestBuildRunsLint: build prints lint findings as warnings and writes the
// bundle; with --strict, or on an error finding, it exits 2 and writes nothing.
func TestBuildRunsLint(t *testing.T) {
	cases := []struct {
		name, body string
		args       []string
		code       int
		stderr     string
	}{
		{"warning", lintWarning, nil, ExitOK, "initiatives/team.yaml:8:5: warning: system-namespace-enforced"},
		{"warning with --strict", lintWarning, []string{"--strict"}, ExitUsage, "initiatives/team.yaml:8:5: system-namespace-enforced: host-namespaces: effect deny reaches"},
		{"error", lintError, nil, ExitUsage, "initiatives/team.yaml:8:63: range-inverted: host-network-ports: minPort 9000 is above maxPort 80"},
		{"acknowledged with --strict", lintAcked, []string{"--strict"}, ExitOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := lintRepo(t, tc.body)
			out := filepath.Join(t.TempDir(), "dist")
			_, stderr, code := runEdict(t, "", append([]string{"build", repo, "-o", out}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d; stderr lacks %q:\n%s", code, tc.code, tc.stderr, stderr)
			}
			_, err := os.Stat(filepath.Join(out, "team", "bundle.json"))
			if written := err == nil; written != (tc.code == ExitOK) {
				t.Errorf("bundle written = %v with exit %d", written, code)
			}
			if tc.code != ExitOK && !strings.Contains(stderr, "acknowledge intended findings in the initiative's spec.acknowledgements; no bundle was written") {
				t.Errorf("no reason for the refusal:\n%s", stderr)
			}
			if tc.code == ExitOK && tc.stderr == "" && strings.Contains(stderr, "system-namespace-enforced") {
				t.Errorf("an acknowledged finding warned:\n%s", stderr)
			}
		})
	}
	stdout, _, code := runEdict(t, "", "build", lintRepo(t, lintWarning), "-o", filepath.Join(t.TempDir(), "d"), "--output", "json")
	var res []buildResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != ExitOK {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if len(res) != 1 || len(res[0].Lint) != 1 || res[0].Lint[0].Rule != "system-namespace-enforced" {
		t.Errorf("build --output json lint: %+v", res)
	}
}

// TestSchemaPublishesAcknowledgements: editors learn spec.acknowledgements
// and its rule ids from `edict schema initiative`.
func TestSchemaPublishesAcknowledgements(t *testing.T) {
	stdout, stderr, code := runEdict(t, "", "schema", "initiative")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s struct {
		Properties struct {
			Spec struct {
				Properties struct {
					Acknowledgements struct {
						Items struct {
							Required   []string
							Properties struct {
								Rule struct{ Enum []string }
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	items := s.Properties.Spec.Properties.Acknowledgements.Items
	if strings.Join(items.Properties.Rule.Enum, ",") != strings.Join(lint.AcknowledgeableIDs(), ",") || strings.Join(items.Required, ",") != "rule,reason" {
		t.Errorf("published acknowledgements: %+v", items)
	}
}
