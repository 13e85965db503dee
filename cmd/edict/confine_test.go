package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCredential stands for a file of the CI runner (~/.docker/config.json)
// that a hostile pull request tries to make edict print.
const fakeCredential = "ZmFrZS11c2VyOmZha2UtcGFzc3dvcmQtZG8tbm90LXByaW50"

// hostileRepo builds, in a temporary folder, a repository whose tests try to
// read a credential file beside it, and the credential file itself. files
// maps repository paths to content; a value starting with "->" makes a
// symlink to that target instead.
func hostileRepo(t *testing.T, files map[string]string) (repo, secret string) {
	t.Helper()
	dir := t.TempDir()
	secret = filepath.Join(dir, "runner", "config.json")
	writeFiles(t, dir, map[string]string{
		"runner/config.json": `{"auths": {"ghcr.io": {"auth": "` + fakeCredential + `"}}}` + "\n",
		"runner/pod.yaml":    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: outside\n  annotations: {token: " + fakeCredential + "}\nspec:\n  containers: [{name: a, image: a}]\n",
	})
	repo = filepath.Join(dir, "repo")
	writeFiles(t, repo, map[string]string{
		"suites/template.yaml":   labelsTemplate,
		"suites/constraint.yaml": "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: TestRequiredLabels\nmetadata:\n  name: need-owner\nspec:\n  parameters: {labels: [owner]}\n",
		"suites/pod.yaml":        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {owner: me}\nspec:\n  containers: [{name: a, image: a}]\n",
	})
	for name, content := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			target = strings.ReplaceAll(target, "$SECRET", secret)
			target = strings.ReplaceAll(target, "$DIR", filepath.Dir(secret))
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return repo, secret
}

const labelsTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: testrequiredlabels
spec:
  crd:
    spec:
      names:
        kind: TestRequiredLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels: {type: array, items: {type: string}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package testrequiredlabels

              violation contains {"msg": msg} if {
                some label in input.parameters.labels
                not input.review.object.metadata.labels[label]
                msg := sprintf("missing label %v", [label])
              }
`

// suiteYAML is a suite with one case reviewing object with template; line 11
// is the case's object field, line 6 the template field.
func suiteYAML(template, object string) string {
	return `apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
metadata:
  name: hostile
tests:
  - template: ` + template + `
    name: labels
    constraint: constraint.yaml
    cases:
      - name: sample
        object: ` + object + `
        assertions:
          - violations: no
`
}

// TestTestConfinedToRepository: nothing a repository's tests name may be
// read from outside the repository, whether by ".." or by a symlink, and the
// content of such a file never reaches the output. Run from the test's own
// folder, the repository is a folder PATH outside it (its own root), and
// with --root.
func TestTestConfinedToRepository(t *testing.T) {
	initiativeTest := func(initiative, object string) string {
		return "apiVersion: edict.dev/v1alpha1\nkind: InitiativeTest\nmetadata:\n  name: hostile\nspec:\n  initiative: " + initiative + "\n  cases:\n    - name: sample\n      object: " + object + "\n      expect: allowed\n"
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []string // in the output: the suite file and line, the field, why
	}{
		{"sample symlinked to a file outside", map[string]string{
			"suites/suite.yaml": suiteYAML("template.yaml", "creds.yaml"),
			"suites/creds.yaml": "->$SECRET",
		}, []string{"suites/suite.yaml:11", "object", "creds.yaml", "resolves outside the repository", "symlink point inside"}},
		{"sample symlinked to a folder outside", map[string]string{
			"suites/suite.yaml": suiteYAML("template.yaml", "linked/config.json"),
			"suites/linked":     "->$DIR",
		}, []string{"suites/suite.yaml:11", "object", "resolves outside the repository"}},
		{"sample path climbing out", map[string]string{
			"suites/suite.yaml": suiteYAML("template.yaml", "../../runner/config.json"),
		}, []string{"suites/suite.yaml:11", `object "../../runner/config.json" leads outside the repository root`, "--root"}},
		{"template path climbing out", map[string]string{
			"suites/suite.yaml": suiteYAML("../../runner/pod.yaml", "pod.yaml"),
		}, []string{"suites/suite.yaml:6", `template "../../runner/pod.yaml" leads outside the repository root`}},
		{"template symlinked outside", map[string]string{
			"suites/suite.yaml": suiteYAML("evil.yaml", "pod.yaml"),
			"suites/evil.yaml":  "->$SECRET",
		}, []string{"suites/suite.yaml:6", "template", "resolves outside the repository"}},
		{"suite symlinked outside", map[string]string{
			"suites/suite.yaml": "->$SECRET",
		}, []string{"suites/suite.yaml", "resolves outside the repository"}},
		{"absolute sample path", map[string]string{
			"suites/suite.yaml": suiteYAML("template.yaml", "$SECRET"),
		}, []string{"suites/suite.yaml:11", "object", "paths are relative to the file"}},
		{"initiative test object climbing out", map[string]string{
			"tests/t.yaml": initiativeTest("pod-security-baseline", "../../runner/config.json"),
		}, []string{"tests/t.yaml:9", "object", "leads outside the repository root"}},
		{"initiative test object symlinked outside", map[string]string{
			"tests/t.yaml":     initiativeTest("pod-security-baseline", "creds.yaml"),
			"tests/creds.yaml": "->$SECRET",
		}, []string{"tests/t.yaml:9", "object", "resolves outside the repository"}},
		{"initiative path climbing out", map[string]string{
			"tests/t.yaml": initiativeTest("../../runner/config.json", "pod.yaml"),
		}, []string{"tests/t.yaml:6", "spec.initiative", "leads outside the repository root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range tt.files {
				files[k] = v
			}
			repo, secret := hostileRepo(t, files)
			// The suite's own text names the secret's path, not its content.
			for _, p := range []string{"suites/suite.yaml", "tests/t.yaml"} {
				fixSecretPath(t, filepath.Join(repo, p), secret)
			}
			for _, args := range [][]string{
				{"test", repo},
				{"test", "--root", repo, filepath.Join(repo, "suites"), filepath.Join(repo, "tests")},
			} {
				args = existing(args)
				out, stderr, code := runEdict(t, "", args...)
				all := out + stderr
				if code != ExitUsage {
					t.Errorf("%v: exit %d, want %d\n%s", args, code, ExitUsage, all)
				}
				if strings.Contains(all, fakeCredential[:20]) {
					t.Errorf("%v: output shows the credential:\n%s", args, all)
				}
				for _, w := range tt.want {
					if !strings.Contains(all, w) {
						t.Errorf("%v: output lacks %q:\n%s", args, w, all)
					}
				}
			}
			// build --test is confined the same way.
			dist := filepath.Join(t.TempDir(), "dist")
			writeFiles(t, repo, map[string]string{"initiatives/team.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team\nspec:\n  version: 1.0.0\n  extends: pod-security-baseline\n"})
			out, stderr, code := runEdict(t, "", "build", repo, "--test", "-o", dist)
			if code != ExitUsage || strings.Contains(out+stderr, fakeCredential[:20]) {
				t.Errorf("build --test: exit %d, want %d without the credential\n%s%s", code, ExitUsage, out, stderr)
			}
			if _, err := os.Stat(dist); err == nil {
				t.Errorf("build --test wrote %s although its tests could not run", dist)
			}
		})
	}
}

// fixSecretPath replaces $SECRET and $DIR in a test file written before the
// temporary folder was known.
func fixSecretPath(t *testing.T, p, secret string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		return
	}
	s := strings.ReplaceAll(string(data), "$SECRET", secret)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// existing drops paths that a case did not create.
func existing(args []string) []string {
	var out []string
	for _, a := range args {
		if filepath.IsAbs(a) {
			if _, err := os.Stat(a); err != nil {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// TestTestClimbsInsideRepository: gator's "../" paths that stay inside the
// repository keep working, with symlinks that stay inside too, both for a
// folder PATH and for the current folder as root.
func TestTestClimbsInsideRepository(t *testing.T) {
	repo, _ := hostileRepo(t, map[string]string{
		"suites/nested/suite.yaml":      suiteYAML("../template.yaml", "../../samples/linked.yaml"),
		"samples/linked.yaml":           "->../suites/pod.yaml",
		"suites/nested/constraint.yaml": "->../constraint.yaml",
	})
	fixSecretPath(t, filepath.Join(repo, "suites/nested/suite.yaml"), "")
	for _, args := range [][]string{
		{"test", repo},
		{"test", "--root", repo, filepath.Join(repo, "suites", "nested")},
	} {
		out, stderr, code := runEdict(t, "", args...)
		if code != ExitOK || !strings.Contains(out, "1 passed, 0 failed") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	t.Chdir(repo)
	if out, stderr, code := runEdict(t, "", "test", "suites/nested"); code != ExitOK || !strings.Contains(out, "1 passed, 0 failed") {
		t.Errorf("from the repository: exit %d\n%s%s", code, out, stderr)
	}
}

// TestTestErrorsQuoteOnlyAnExcerpt: files inside the repository that fail
// to parse (a credential pasted where a sample belongs) are reported by
// file, line and field, quoting at most a 40-character excerpt of them.
func TestTestErrorsQuoteOnlyAnExcerpt(t *testing.T) {
	secret := fakeCredential + fakeCredential
	bad := map[string]string{
		"docker config":      `{"auths": {"ghcr.io": {"auth": "` + secret + `"}}}`,
		"no kind":            "apiVersion: v1\ndata:\n  token: " + secret + "\n",
		"syntax error":       "apiVersion: v1\nkind: Secret\ndata: {token: " + secret + "\n",
		"scalar":             secret + "\n",
		"kind is a mapping":  "apiVersion: v1\nkind: {a: " + secret + "}\n",
		"tab in indentation": "apiVersion: v1\nkind: Secret\ndata:\n\t" + secret + ": x\n",
	}
	for name, content := range bad {
		t.Run(name, func(t *testing.T) {
			for _, field := range []string{"object", "template", "constraint"} {
				files := map[string]string{"suites/pasted.yaml": content}
				switch field {
				case "object":
					files["suites/suite.yaml"] = suiteYAML("template.yaml", "pasted.yaml")
				case "template":
					files["suites/suite.yaml"] = suiteYAML("pasted.yaml", "pod.yaml")
				case "constraint":
					files["suites/suite.yaml"] = strings.Replace(suiteYAML("template.yaml", "pod.yaml"), "constraint.yaml", "pasted.yaml", 1)
				}
				repo, _ := hostileRepo(t, files)
				out, stderr, code := runEdict(t, "", "test", repo)
				if code != ExitUsage || !strings.Contains(out, "suites/suite.yaml:") || !strings.Contains(out, field) {
					t.Errorf("%s: exit %d, want %d naming the suite line and %s\n%s%s", field, code, ExitUsage, field, out, stderr)
				}
				if strings.Contains(out+stderr, secret[:41]) {
					t.Errorf("%s: output quotes the file beyond an excerpt:\n%s%s", field, out, stderr)
				}
			}
		})
	}
}
