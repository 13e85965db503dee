package main

import (
	"os"
	"regexp"
	"sort"
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
	for _, want := range []string{"build", "test", "version"} {
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
