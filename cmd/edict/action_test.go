package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type actionFile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Branding    struct {
		Icon  string `json:"icon"`
		Color string `json:"color"`
	} `json:"branding"`
	Inputs map[string]struct {
		Description string `json:"description"`
		Required    bool   `json:"required"`
		Default     string `json:"default"`
	} `json:"inputs"`
	Outputs map[string]struct {
		Description string `json:"description"`
		Value       string `json:"value"`
	} `json:"outputs"`
	Runs struct {
		Using string `json:"using"`
		Steps []struct {
			ID    string            `json:"id"`
			If    string            `json:"if"`
			Uses  string            `json:"uses"`
			Run   string            `json:"run"`
			Shell string            `json:"shell"`
			Env   map[string]string `json:"env"`
			Dir   string            `json:"working-directory"`
			With  map[string]string `json:"with"`
		} `json:"steps"`
	} `json:"runs"`
}

var (
	inputRef  = regexp.MustCompile(`inputs\.([a-z0-9-]+)`)
	edictCall = regexp.MustCompile(`"\$EDICT" ([a-z]+)([^\n]*)`)
	flagToken = regexp.MustCompile(`(?:^|\s)(--?[a-zA-Z][a-zA-Z0-9-]*)`)
)

// TestActionFile checks the composite GitHub Action against the CLI it
// drives: every edict command and flag it runs exists, every input is
// declared, used, described and documented in the README, and no input is
// spliced into a script (only passed through env, against script injection).
func TestActionFile(t *testing.T) {
	raw, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.UnmarshalStrict(raw, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		t.Fatalf("runs.using = %q with %d steps, want a composite action", a.Runs.Using, len(a.Runs.Steps))
	}
	root := newRootCmd()
	used := map[string]bool{}
	commands := map[string]bool{}
	for i, s := range a.Runs.Steps {
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %d: shell %q, composite run steps need an explicit shell (bash)", i, s.Shell)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d: an expression is spliced into the script; pass it through env", i)
		}
		for _, text := range append([]string{s.If, s.Dir}, mapValues(s.Env, s.With)...) {
			for _, m := range inputRef.FindAllStringSubmatch(text, -1) {
				used[m[1]] = true
			}
		}
		for _, m := range edictCall.FindAllStringSubmatch(s.Run, -1) {
			sub, rest := m[1], m[2]
			commands[sub] = true
			c, _, err := root.Find([]string{sub})
			if err != nil || c == root {
				t.Errorf("step %d runs `edict %s`, which is not a command", i, sub)
				continue
			}
			for _, f := range flagToken.FindAllStringSubmatch(rest, -1) {
				name := f[1]
				var ok bool
				if strings.HasPrefix(name, "--") {
					ok = c.Flags().Lookup(name[2:]) != nil || c.InheritedFlags().Lookup(name[2:]) != nil
				} else {
					ok = c.Flags().ShorthandLookup(name[1:]) != nil
				}
				if !ok {
					t.Errorf("step %d: `edict %s` has no flag %s", i, sub, name)
				}
			}
		}
	}
	for _, want := range []string{"build", "test", "version", "diff", "audit"} {
		if !commands[want] {
			t.Errorf("the action never runs `edict %s`", want)
		}
	}
	var names []string
	for name, in := range a.Inputs {
		names = append(names, name)
		if !used[name] {
			t.Errorf("input %s is declared but never used", name)
		}
		if strings.TrimSpace(in.Description) == "" {
			t.Errorf("input %s has no description", name)
		}
	}
	for name := range used {
		if _, ok := a.Inputs[name]; !ok {
			t.Errorf("inputs.%s is used but not declared", name)
		}
	}
	for name := range a.Outputs {
		names = append(names, name)
	}
	sort.Strings(names)
	section := string(readme)
	if i := strings.Index(section, "## GitHub Action"); i >= 0 {
		section = section[i:]
	} else {
		t.Fatal("README has no \"## GitHub Action\" section")
	}
	for _, name := range names {
		if !strings.Contains(section, "| `"+name+"` |") {
			t.Errorf("README's GitHub Action section does not document `%s` in its table", name)
		}
	}
}

func mapValues(ms ...map[string]string) []string {
	var out []string
	for _, m := range ms {
		for _, v := range m {
			out = append(out, v)
		}
	}
	return out
}

// actionExpr is a GitHub expression as the action uses them in env values.
var actionExpr = regexp.MustCompile(`\$\{\{\s*([a-z0-9_.-]+)\s*\}\}`)

// runActionStep runs the script of the action's step whose `if` is cond,
// as the runner would: bash, the step's env with the expressions resolved
// from inputs, in dir. edict is the real edict (this test binary,
// re-executed through a wrapper script).
func runActionStep(t *testing.T, a *actionFile, cond, dir, edict string, inputs map[string]string) (string, int) {
	t.Helper()
	for _, s := range a.Runs.Steps {
		if s.If != cond {
			continue
		}
		env := append(os.Environ(), "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary.md"))
		for k, v := range s.Env {
			v = actionExpr.ReplaceAllStringFunc(v, func(m string) string {
				name := actionExpr.FindStringSubmatch(m)[1]
				if name == "steps.install.outputs.edict" {
					return edict
				}
				in, ok := strings.CutPrefix(name, "inputs.")
				if !ok {
					t.Fatalf("step %q: unexpected expression %s", cond, m)
				}
				if v, ok := inputs[in]; ok {
					return v
				}
				return a.Inputs[in].Default
			})
			env = append(env, k+"="+v)
		}
		cmd := exec.Command("bash", "-c", s.Run)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &exit):
			return string(out), exit.ExitCode()
		}
		t.Fatal(err)
	}
	t.Fatalf("action.yml has no step with if: %s", cond)
	return "", 0
}

// TestActionDiffAndAuditSteps runs the action's diff and audit steps with
// the real edict on a git repository whose working tree tightens an
// initiative: the reports land in the reports folder and the job summary,
// and the fail-on inputs decide the step's exit status.
func TestActionDiffAndAuditSteps(t *testing.T) {
	raw, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.UnmarshalStrict(raw, &a); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	edict := filepath.Join(dir, "edict")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/bash\nIFS=$'\\x1f'\nEDICT_TEST_MAIN_ARGS=\"$*\" exec " + strconv.Quote(self) + "\n"
	if err := os.WriteFile(edict, []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(dir, "repo")
	files := map[string]string{"initiatives/team.yaml": diffOld}
	for _, f := range []string{"namespaces.yaml", "prod.yaml", "legacy.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../diff/testdata/against", f))
		if err != nil {
			t.Fatal(err)
		}
		files["clusters/prod/"+f] = string(data)
	}
	writeFiles(t, repo, files)
	gitIn(t, repo, "init", "-q", "-b", "main")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "old")
	writeFiles(t, repo, map[string]string{"initiatives/team.yaml": diffNew})

	const diffStep, auditStep = "inputs.diff-base != ''", "inputs.against != ''"
	inputs := map[string]string{"paths": "initiatives/team.yaml", "diff-base": "git:main", "against": "clusters/prod", "diff-fail-on": "tightening"}
	out, code := runActionStep(t, &a, diffStep, repo, edict, inputs)
	if code != ExitFailure {
		t.Errorf("diff step with diff-fail-on tightening: exit %d, want %d\n%s", code, ExitFailure, out)
	}
	out, code = runActionStep(t, &a, auditStep, repo, edict, inputs)
	if code != ExitFailure {
		t.Errorf("audit step: exit %d, want %d (new denials)\n%s", code, ExitFailure, out)
	}
	reports := filepath.Join(repo, "edict-reports")
	for file, want := range map[string]string{
		"diff-0.md":     "#### Impact on clusters/prod",
		"audit-0.md":    "new",
		"audit-0.sarif": `"version": "2.1.0"`,
		"../summary.md": "| team | `registries` | 3 |",
	} {
		data, err := os.ReadFile(filepath.Join(reports, file))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q (%v):\n%s", file, want, err, data)
		}
	}

	// The same change passes when the job only reports.
	inputs["diff-fail-on"], inputs["audit-fail-on"] = "none", "none"
	for _, step := range []string{diffStep, auditStep} {
		if out, code := runActionStep(t, &a, step, repo, edict, inputs); code != 0 {
			t.Errorf("%s with fail-on none: exit %d\n%s", step, code, out)
		}
	}
}
