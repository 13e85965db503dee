package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const auditTeam = `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: team
spec:
  version: 1.0.0
  extends: pod-security-baseline
  defaults:
    effect: warn
`

const privilegedPod = `apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: apps}
spec:
  containers: [{name: c, image: x, securityContext: {privileged: true}}]
`

func gitCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestAuditExitCodes(t *testing.T) {
	testdata, err := filepath.Abs("../../audit/testdata")
	if err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(testdata, "workloads", "snapshot.yaml")
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "team.yaml"), []byte(auditTeam), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, repo, "init", "-q", "-b", "main")
	gitCmd(t, repo, "add", ".")
	gitCmd(t, repo, "commit", "-q", "-m", "warn")
	// The working tree now denies what main only warned about.
	if err := os.WriteFile(filepath.Join(repo, "team.yaml"), []byte(strings.Replace(auditTeam, "effect: warn", "effect: deny", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte(privilegedPod+"---\nkind: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		dir    string
		stdin  string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "audit effect passes the default gate", args: []string{"pod-security-restricted", snapshot}, code: 0, stdout: []string{"dryrun", "Pod legacy/old-app"}},
		{name: "--fail-on any trips on dryrun", args: []string{"pod-security-restricted", snapshot, "--fail-on", "any"}, code: 1, stderr: "at --fail-on any"},
		{name: "--fail-on warn trips on warn", dir: repo, stdin: privilegedPod, args: []string{"git:HEAD:team.yaml", "-", "--fail-on", "warn"}, code: 1},
		{name: "--fail-on deny ignores warn", dir: repo, stdin: privilegedPod, args: []string{"git:HEAD:team.yaml", "-"}, code: 0},
		{name: "deny trips the default gate", dir: repo, stdin: privilegedPod, args: []string{"team.yaml", "-"}, code: 1, stdout: []string{"deny   team/privileged-containers"}},
		{name: "--fail-on none", dir: repo, stdin: privilegedPod, args: []string{"team.yaml", "-", "--fail-on", "none"}, code: 0},
		{name: "--fail-on-new trips on what the change newly denies", dir: repo, stdin: privilegedPod, args: []string{"team.yaml", "-", "--baseline", "git:HEAD", "--fail-on-new"}, code: 1, stdout: []string{"[new, was warn]"}},
		{name: "--fail-on-new passes when nothing is new", dir: repo, stdin: privilegedPod, args: []string{"git:HEAD:team.yaml", "-", "--baseline", "git:HEAD", "--fail-on-new", "--fail-on", "any"}, code: 0, stdout: []string{"[unchanged]"}},
		{name: "invalid YAML is exit 2 after the report", args: []string{"pod-security-baseline", broken, "--fail-on", "none"}, code: 2, stdout: []string{"Pod apps/priv", "Input errors", "broken.yaml:7: invalid YAML"}},
		{name: "unknown policy", args: []string{"no-such-initiative", snapshot}, code: 2, stderr: "built-in initiatives"},
		{name: "missing resources", args: []string{"pod-security-baseline", "no-such-file.yaml"}, code: 2, stderr: "no such file"},
		{name: "bad --fail-on", args: []string{"pod-security-baseline", snapshot, "--fail-on", "warning"}, code: 2},
		{name: "--fail-on-new needs --baseline", args: []string{"pod-security-baseline", snapshot, "--fail-on-new"}, code: 2},
		{name: "two formats on stdout", args: []string{"pod-security-baseline", snapshot, "--format", "json", "--format", "text"}, code: 2},
		{name: "unknown format", args: []string{"pod-security-baseline", snapshot, "--format", "html"}, code: 2},
		{name: "unknown baseline revision", dir: repo, args: []string{"team.yaml", "-", "--baseline", "git:nope"}, code: 3, stderr: `git revision "nope"`},
		{name: "kustomize folder", args: []string{"pod-security-baseline", filepath.Join("..", "..", "resources", "testdata", "kustomize", "overlay"), "--root", filepath.Join("..", "..", "resources", "testdata", "kustomize"), "--fail-on", "none"}, code: 0, stdout: []string{"1 object reviewed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dir != "" {
				t.Chdir(tt.dir)
			}
			out, errOut, code := runEdict(t, tt.stdin, append([]string{"audit"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errOut)
			}
		})
	}
}

func TestAuditSeveralReports(t *testing.T) {
	snapshot, _ := filepath.Abs("../../audit/testdata/workloads/snapshot.yaml")
	dir := t.TempDir()
	sarif, md := filepath.Join(dir, "audit.sarif"), filepath.Join(dir, "audit.md")
	out, errOut, code := runEdict(t, "", "audit", "pod-security-restricted", snapshot,
		"--format", "sarif", "--output", sarif, "--format", "markdown", "-o", md, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Kind    string
		Results []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Kind != "AuditReport" || len(rep.Results) == 0 {
		t.Fatalf("stdout is not the JSON report (%v): %.200s", err, out)
	}
	for _, f := range []struct{ path, want string }{{sarif, `"version": "2.1.0"`}, {md, "### edict audit"}} {
		data, err := os.ReadFile(f.path)
		if err != nil || !strings.Contains(string(data), f.want) {
			t.Errorf("%s: %v %.100s", f.path, err, data)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
