package library_test

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/library"
)

// policyDirs lists every <category>/<policy> folder of the library.
func policyDirs(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	var dirs []string
	for _, category := range []string{"pod-security", "general"} {
		entries, err := fs.ReadDir(fsys, category)
		if err != nil {
			t.Fatalf("read %s: %v", category, err)
		}
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, path.Join(category, e.Name()))
			}
		}
	}
	sort.Strings(dirs)
	return dirs
}

// parseDir parses the .rego files directly in dir; tests selects *_test.rego
// files, non-tests the others.
func parseDir(t *testing.T, fsys fs.FS, dir string, tests bool) map[string]*ast.Module {
	t.Helper()
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	modules := map[string]*ast.Module{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego") != tests {
			continue
		}
		p := path.Join(dir, name)
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		modules[p] = m
	}
	return modules
}

// runRegoTests runs the OPA unit tests among modules and reports every
// failure; it returns the number of tests that ran.
func runRegoTests(t *testing.T, modules map[string]*ast.Module) int {
	t.Helper()
	ch, err := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).Run(context.Background(), modules)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	n := 0
	for r := range ch {
		n++
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
		case r.Fail:
			t.Errorf("%s.%s: FAIL at %v", r.Package, r.Name, r.FailedAt)
		case r.Skip:
			t.Errorf("%s.%s: skipped; library tests must not be skipped", r.Package, r.Name)
		}
	}
	return n
}

func merge(ms ...map[string]*ast.Module) map[string]*ast.Module {
	out := map[string]*ast.Module{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestLibRego(t *testing.T) {
	fsys := library.FS()
	modules := merge(parseDir(t, fsys, "lib", false), parseDir(t, fsys, "lib", true))
	if n := runRegoTests(t, modules); n == 0 {
		t.Fatal("lib: no Rego tests ran")
	}
}

func TestPolicyRego(t *testing.T) {
	fsys := library.FS()
	libs := parseDir(t, fsys, "lib", false)
	dirs := policyDirs(t, fsys)
	if len(dirs) == 0 {
		t.Fatal("the library has no policies")
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			modules := merge(libs, parseDir(t, fsys, dir, false), parseDir(t, fsys, dir, true))
			if n := runRegoTests(t, modules); n == 0 {
				t.Fatalf("%s: no Rego tests ran", dir)
			}
		})
	}
}

// TestRegoFormatted keeps every Rego file as `opa fmt` writes it, so diffs
// of the library show changes of meaning only.
func TestRegoFormatted(t *testing.T) {
	fsys := library.FS()
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		n++
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		formatted, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if !bytes.Equal(formatted, src) {
			t.Errorf("%s is not formatted; run opa fmt -w on it", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no Rego files in the library")
	}
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	semver   = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
)

type policyFile struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version        string         `json:"version"`
		Title          string         `json:"title"`
		Controls       []string       `json:"controls"`
		ConstraintKind string         `json:"constraintKind"`
		Effect         string         `json:"effect"`
		Exclusions     []string       `json:"exclusions"`
		Parameters     map[string]any `json:"parameters"`
	} `json:"spec"`
}

type suiteFile struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Tests      []struct {
		Name       string `json:"name"`
		Template   string `json:"template"`
		Constraint string `json:"constraint"`
		Cases      []struct {
			Name      string   `json:"name"`
			Object    string   `json:"object"`
			Inventory []string `json:"inventory"`
		} `json:"cases"`
	} `json:"tests"`
}

// TestPolicyLayout checks the folder contract other packages rely on.
func TestPolicyLayout(t *testing.T) {
	fsys := library.FS()
	kinds := map[string]string{}
	for _, dir := range policyDirs(t, fsys) {
		t.Run(dir, func(t *testing.T) {
			for _, f := range []string{"policy.yaml", "policy.rego", "policy_test.rego", "suite.yaml"} {
				if _, err := fs.Stat(fsys, path.Join(dir, f)); err != nil {
					t.Errorf("missing %s", f)
				}
			}
			var allowed, disallowed int
			err := fs.WalkDir(fsys, path.Join(dir, "samples"), func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				switch base := path.Base(p); {
				case strings.HasPrefix(base, "example_allowed"):
					allowed++
				case strings.HasPrefix(base, "example_disallowed"):
					disallowed++
				}
				return nil
			})
			if err != nil {
				t.Fatalf("samples: %v", err)
			}
			if allowed == 0 || disallowed == 0 {
				t.Errorf("samples: %d allowed and %d disallowed examples; want at least one of each", allowed, disallowed)
			}

			p := readPolicy(t, fsys, dir)
			if p.APIVersion != "edict.dev/v1alpha1" || p.Kind != "Policy" {
				t.Errorf("policy.yaml: apiVersion/kind %s/%s", p.APIVersion, p.Kind)
			}
			if p.Metadata.Name != path.Base(dir) || !dnsLabel.MatchString(p.Metadata.Name) {
				t.Errorf("policy.yaml: metadata.name %q must equal the folder name %q", p.Metadata.Name, path.Base(dir))
			}
			if !semver.MatchString(p.Spec.Version) {
				t.Errorf("policy.yaml: spec.version %q is not semver", p.Spec.Version)
			}
			if p.Spec.Title == "" || len(p.Spec.Controls) == 0 || p.Spec.Effect == "" {
				t.Errorf("policy.yaml: title, controls and effect are required")
			}
			if !strings.HasPrefix(p.Spec.ConstraintKind, "K8sEdict") {
				t.Errorf("policy.yaml: constraintKind %q must start with K8sEdict", p.Spec.ConstraintKind)
			}
			if other, dup := kinds[p.Spec.ConstraintKind]; dup {
				t.Errorf("constraintKind %s also used by %s", p.Spec.ConstraintKind, other)
			}
			kinds[p.Spec.ConstraintKind] = dir
			checkSchema(t, "spec.parameters", p.Spec.Parameters)
			if props, ok := p.Spec.Parameters["properties"].(map[string]any); ok {
				for _, reserved := range []string{"excludedImages", "excludedContainers"} {
					if _, ok := props[reserved]; ok {
						t.Errorf("policy.yaml declares %s; the compiler adds it from exclusions", reserved)
					}
				}
			}

			checkSuite(t, fsys, dir, p.Spec.ConstraintKind)
		})
	}
}

func readPolicy(t *testing.T, fsys fs.FS, dir string) policyFile {
	t.Helper()
	var p policyFile
	b, err := fs.ReadFile(fsys, path.Join(dir, "policy.yaml"))
	if err != nil {
		t.Fatalf("read policy.yaml: %v", err)
	}
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatalf("policy.yaml: %v", err)
	}
	return p
}

// checkSchema asserts the parameters schema is structural: every property is
// typed and arrays say what they hold, and top-level properties have defaults.
func checkSchema(t *testing.T, at string, schema map[string]any) {
	t.Helper()
	if schema == nil {
		return
	}
	if schema["type"] != "object" {
		t.Errorf("%s: type must be object", at)
	}
	props, _ := schema["properties"].(map[string]any)
	for name, v := range props {
		prop, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s.%s: not a schema", at, name)
			continue
		}
		if _, ok := prop["default"]; !ok {
			t.Errorf("%s.%s: no default", at, name)
		}
		checkTyped(t, at+"."+name, prop)
	}
}

func checkTyped(t *testing.T, at string, s map[string]any) {
	t.Helper()
	typ, _ := s["type"].(string)
	switch typ {
	case "":
		t.Errorf("%s: no type", at)
	case "array":
		items, ok := s["items"].(map[string]any)
		if !ok {
			t.Errorf("%s: array without items", at)
			return
		}
		checkTyped(t, at+"[]", items)
	case "object":
		props, _ := s["properties"].(map[string]any)
		for name, v := range props {
			if prop, ok := v.(map[string]any); ok {
				checkTyped(t, at+"."+name, prop)
			}
		}
	}
}

// checkSuite asserts the gator suite points at the policy, at constraints of
// its kind and at example files that exist.
func checkSuite(t *testing.T, fsys fs.FS, dir, kind string) {
	t.Helper()
	b, err := fs.ReadFile(fsys, path.Join(dir, "suite.yaml"))
	if err != nil {
		return
	}
	var s suiteFile
	if err := yaml.Unmarshal(b, &s); err != nil {
		t.Fatalf("suite.yaml: %v", err)
	}
	if s.Kind != "Suite" || s.APIVersion != "test.gatekeeper.sh/v1alpha1" {
		t.Errorf("suite.yaml: kind/apiVersion %s/%s", s.Kind, s.APIVersion)
	}
	if len(s.Tests) == 0 {
		t.Errorf("suite.yaml: no tests")
	}
	referenced := map[string]bool{}
	for _, test := range s.Tests {
		if test.Template != "policy.yaml" {
			t.Errorf("suite test %s: template %q, want policy.yaml", test.Name, test.Template)
		}
		c, err := fs.ReadFile(fsys, path.Join(dir, test.Constraint))
		if err != nil {
			t.Errorf("suite test %s: constraint: %v", test.Name, err)
		} else {
			var obj struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(c, &obj); err != nil || obj.Kind != kind || obj.APIVersion != "constraints.gatekeeper.sh/v1beta1" {
				t.Errorf("suite test %s: constraint %s is %s %s, want constraints.gatekeeper.sh/v1beta1 %s (err %v)", test.Name, test.Constraint, obj.APIVersion, obj.Kind, kind, err)
			}
		}
		if len(test.Cases) == 0 {
			t.Errorf("suite test %s: no cases", test.Name)
		}
		for _, c := range test.Cases {
			if _, err := fs.Stat(fsys, path.Join(dir, c.Object)); err != nil {
				t.Errorf("suite case %s/%s: object: %v", test.Name, c.Name, err)
			}
			referenced[c.Object] = true
			for _, inv := range c.Inventory {
				if _, err := fs.Stat(fsys, path.Join(dir, inv)); err != nil {
					t.Errorf("suite case %s/%s: inventory: %v", test.Name, c.Name, err)
				}
				referenced[inv] = true
			}
		}
	}
	// Every example must be exercised by the suite, or it documents nothing.
	_ = fs.WalkDir(fsys, path.Join(dir, "samples"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) == "constraint.yaml" || strings.HasPrefix(path.Base(p), "constraint") {
			return nil
		}
		rel := strings.TrimPrefix(p, dir+"/")
		if !referenced[rel] {
			t.Errorf("sample %s is not used by suite.yaml", rel)
		}
		return nil
	})
}
