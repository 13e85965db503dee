package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
)

const diffOld = `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: team
spec:
  version: 1.0.0
  defaults:
    effect: deny
    match:
      excludedNamespaces: [kube-system]
  policies:
    registries:
      policy: allowed-images
      parameters: {repositories: ["a.example/", "b.example/"]}
    tags:
      policy: no-latest-tag
      effect: warn
  exemptions:
    - policies: [registries]
      namespaces: [legacy]
      reason: migrating
      owner: team-a
      expires: "2099-01-01"
`

// diffNew tightens (a registry removed, warn → deny, a reference added),
// loosens (an exemption widened) and bumps only the minor version.
var diffNew = strings.NewReplacer(
	"version: 1.0.0", "version: 1.1.0",
	`["a.example/", "b.example/"]`, `["a.example/"]`,
	"effect: warn", "effect: deny",
	"namespaces: [legacy]", "namespaces: [legacy, legacy-batch]",
	"  policies:\n", "  policies:\n    host-ports:\n      effect: audit\n",
).Replace(diffOld)

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// body drops the first line of a text report, which names the arguments.
func body(s string) string {
	_, rest, _ := strings.Cut(s, "\n")
	return rest
}

// TestDiffInputForms diffs the same change read from initiative files, built
// bundle folders, OCI image layouts and a git revision: every form gives the
// same report, pinned by one golden file.
func TestDiffInputForms(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"old/team.yaml": diffOld, "new/team.yaml": diffNew})
	old, new := filepath.Join(dir, "old", "team.yaml"), filepath.Join(dir, "new", "team.yaml")
	for _, side := range []string{"old", "new"} {
		src := filepath.Join(dir, side, "team.yaml")
		if _, stderr, code := runEdict(t, "", "build", src, "--root", filepath.Join(dir, side), "-o", filepath.Join(dir, "dist-"+side)); code != 0 {
			t.Fatalf("build %s: exit %d: %s", side, code, stderr)
		}
		if _, stderr, code := runEdict(t, "", "push", filepath.Join(dir, "dist-"+side, "team"), filepath.Join(dir, side+".oci")+":release"); code != 0 {
			t.Fatalf("push %s: exit %d: %s", side, code, stderr)
		}
	}

	text, stderr, code := runEdict(t, "", "diff", old, new)
	if code != 0 {
		t.Fatalf("initiative files: exit %d: %s", code, stderr)
	}
	golden.Check(t, filepath.Join("testdata", "golden", "diff", "team.txt"), []byte(body(text)))
	for _, format := range []string{"markdown", "json"} {
		out, stderr, code := runEdict(t, "", "diff", old, new, "--output", format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		out = strings.ReplaceAll(out, dir, "DIR")
		golden.Check(t, filepath.Join("testdata", "golden", "diff", "team."+format), []byte(out))
	}
	for _, want := range []string{
		"+ registries: repositories: removed b.example/ (allowlist) [tightening, major]",
		"+ tags: effect warn → deny [tightening, major]",
		"+ host-ports: reference added: policy host-ports 1.0.2, effect audit [tightening, minor]",
		"- registries: exemption widened: added legacy-batch [loosening, patch]",
		"warning: version 1.0.0 → 1.1.0 is a minor bump; these changes need a major bump (2.0.0)",
		"verdict: tightening; suggested version bump: major",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}

	// Git: OLD is the committed file, NEW the working tree.
	repo := filepath.Join(dir, "repo")
	writeFiles(t, repo, map[string]string{"team.yaml": diffOld})
	gitIn(t, repo, "init", "-q", "-b", "main")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "old")
	writeFiles(t, repo, map[string]string{"team.yaml": diffNew})

	forms := []struct {
		name     string
		old, new string
		chdir    string
	}{
		{"bundle folders", filepath.Join(dir, "dist-old", "team"), filepath.Join(dir, "dist-new", "team"), ""},
		{"OCI layouts", filepath.Join(dir, "old.oci") + ":release", filepath.Join(dir, "new.oci") + ":release", ""},
		{"git revision and working tree", "git:HEAD", ".", repo},
		{"git revision and bundle", "git:HEAD:team.yaml", filepath.Join(dir, "dist-new", "team"), repo},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			if f.chdir != "" {
				t.Chdir(f.chdir)
			}
			out, stderr, code := runEdict(t, "", "diff", f.old, f.new)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if body(out) != body(text) {
				t.Errorf("report differs from the one of the initiative files:\n%s\nwant:\n%s", out, text)
			}
		})
	}
}

func TestDiffExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"old/team.yaml": diffOld, "new/team.yaml": diffNew})
	old, new := filepath.Join(dir, "old", "team.yaml"), filepath.Join(dir, "new", "team.yaml")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"tightening passes by default", []string{old, new}, 0, "verdict: tightening"},
		{"fail on tightening", []string{old, new, "--fail-on", "tightening"}, ExitFailure, "the change tightens policy (major bump)"},
		{"the reverse also tightens: the exemption narrows", []string{new, old, "--fail-on", "tightening"}, ExitFailure, "tightens"},
		{"no change", []string{old, old, "--fail-on", "tightening"}, 0, "verdict: no admission changes; suggested version bump: none"},
		{"bad --fail-on", []string{old, new, "--fail-on", "sometimes"}, ExitUsage, "expected tightening or none"},
		{"bad --output", []string{old, new, "--output", "yaml"}, ExitUsage, "expected text, json or markdown"},
		{"unknown side", []string{old, filepath.Join(dir, "nope")}, ExitUsage, "not an initiative file"},
		{"one argument", []string{old}, ExitUsage, "accepts 2 arg(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, "", append([]string{"diff"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, stderr)
			}
			if !strings.Contains(out+stderr, tt.want) {
				t.Errorf("output lacks %q:\n%s%s", tt.want, out, stderr)
			}
		})
	}
}

const labelsPolicy = `apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: owner-label
spec:
  version: 1.0.0
  title: Pods carry an owner label
  constraintKind: OwnerLabel
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
  effect: deny
`

const labelsRego = `package owner.label

violation contains {"msg": "missing label owner"} if {
	not input.review.object.metadata.labels.owner
}
`

// TestDiffAgainst: --against audits both sides over the same manifests. A
// Rego edit has no direction of its own, so only the impact shows that it
// newly denies, and --fail-on tightening fails on it.
func TestDiffAgainst(t *testing.T) {
	dir := t.TempDir()
	owner := "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: owners\nspec:\n  version: 1.0.0\n  policies:\n    owner: {policy: owner-label}\n"
	writeFiles(t, dir, map[string]string{
		"old/team.yaml": diffOld, "new/team.yaml": diffNew,
		"rego-old/initiatives/owners.yaml":          owner,
		"rego-old/policies/owner-label/policy.yaml": labelsPolicy,
		"rego-old/policies/owner-label/policy.rego": labelsRego,
		"rego-new/initiatives/owners.yaml":          owner,
		"rego-new/policies/owner-label/policy.yaml": labelsPolicy,
		"rego-new/policies/owner-label/policy.rego": labelsRego + "\nviolation contains {\"msg\": \"missing label team\"} if {\n\tnot input.review.object.metadata.labels.team\n}\n",
		"bad/pods.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n",
	})
	manifests := "../../diff/testdata/against"
	old, new := filepath.Join(dir, "old", "team.yaml"), filepath.Join(dir, "new", "team.yaml")
	regoOld, regoNew := filepath.Join(dir, "rego-old"), filepath.Join(dir, "rego-new")
	pods, err := os.ReadFile(filepath.Join(manifests, "prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string
	}{
		{"parameter and effect", "", []string{old, new, "--against", manifests}, 0, []string{
			"team/registries:\n    newly denied: 3\n      Pod dev/api (", "Deployment prod/web (", "Pod prod/cache (",
			"team/tags:\n    newly denied: 1\n      Pod prod/tool (", "no longer warned: 1",
		}},
		{"limit", "", []string{old, new, "--against", manifests, "--impact-limit", "1"}, 0, []string{"newly denied: 3\n      Pod dev/api", "… and 2 more"}},
		{"standard input", string(pods), []string{old, new, "--against", "-"}, 0, []string{"impact on -: 3 objects reviewed", "newly denied: 2"}},
		{"json", "", []string{old, new, "--against", manifests, "--output", "json"}, 0, []string{`"newlyDenied": {`, `"count": 3`, `"objects": 10`}},
		{"rego change fails on tightening", "", []string{regoOld, regoNew, "--against", manifests, "--fail-on", "tightening"}, ExitFailure, []string{
			"verdict: changed, direction unknown", "owners/owner:\n    newly denied: 4", "admitted before"}},
		{"rego change without --against passes", "", []string{regoOld, regoNew, "--fail-on", "tightening"}, 0, []string{"changed, direction unknown"}},
		{"unreadable input still reports", "", []string{old, new, "--against", manifests, "--against", filepath.Join(dir, "bad")}, ExitUsage, []string{"newly denied: 3", "1 input could not be read", "pods.yaml:3"}},
		{"missing input", "", []string{old, new, "--against", filepath.Join(dir, "nope")}, ExitUsage, []string{"nope"}},
		{"bad limit", "", []string{old, new, "--against", manifests, "--impact-limit", "0"}, ExitUsage, []string{"--impact-limit 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, tt.stdin, append([]string{"diff"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, stderr)
				}
			}
		})
	}
}
