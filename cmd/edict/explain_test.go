package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
)

// explainRepo is a three-level extends chain over built-in policies: root
// disables host-namespaces and adds a second use of allowed-images, mid's
// defaults turn every reference to audit (re-enabling host-namespaces) and
// add exclusions, leaf overrides the second use and exempts a namespace.
var explainRepo = map[string]string{
	"root.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: root
spec:
  version: 1.0.0
  policies:
    host-namespaces:
      effect: disabled
    registries-prod:
      policy: allowed-images
      parameters:
        repositories: [registry.example/]
`,
	"mid.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: mid
spec:
  version: 1.1.0
  extends: ./root.yaml
  defaults:
    effect: audit
    match:
      excludedNamespaces: [kube-system]
    exclusions:
      images: ["mcr.microsoft.com/*"]
`,
	"leaf.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: leaf
spec:
  version: 2.0.0
  extends: ./mid.yaml
  policies:
    registries-prod:
      effect: deny
      match: {namespaces: [prod-*]}
      parameters:
        repositories: [contoso.azurecr.io/]
    privileged-containers:
      effect: disabled
  exemptions:
    - policies: [registries-prod]
      namespaces: [legacy]
      reason: vendor agent
      owner: team-a
      expires: "2099-01-01"
`,
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExplainProvenance(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, explainRepo)
	leaf := filepath.Join(dir, "leaf.yaml")
	for _, format := range []string{"text", "json", "markdown"} {
		out, stderr, code := runEdict(t, "", "explain", leaf, "--root", dir, "--output", format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		golden.Check(t, filepath.Join("testdata", "golden", "explain", "leaf."+format), []byte(out))
	}

	out, _, _ := runEdict(t, "", "explain", leaf, "--root", dir, "--output", "json")
	var doc struct {
		Chain      []struct{ Name string }
		References []struct {
			Ref, Policy       string
			EnforcementAction string
			Declared          struct{ Initiative, File string }
			Effect            struct {
				Value  any
				Origin struct {
					Kind, Initiative, File string
					Line                   int
				}
				Overridden []struct {
					Value  any
					Origin struct {
						Kind, Initiative string
						Line             int
					}
				}
			}
			Parameters []struct {
				Name   string
				Value  any
				Origin struct {
					Kind, Initiative, File, Policy string
					Line                           int
				}
			}
			Exemptions []struct {
				Owner, Expires string
				Origin         struct {
					File string
					Line int
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Chain) != 3 || doc.Chain[0].Name != "root" || doc.Chain[2].Name != "leaf" {
		t.Fatalf("chain %+v, want root, mid, leaf", doc.Chain)
	}
	refs := map[string]int{}
	for i, r := range doc.References {
		refs[r.Ref] = i
	}
	// The parent's disabled reference is re-enabled by mid's defaults.effect:
	// explain names both places.
	hn := doc.References[refs["host-namespaces"]]
	if hn.Effect.Value != "audit" || hn.Effect.Origin.Kind != "defaults" || hn.Effect.Origin.Initiative != "mid" || hn.Effect.Origin.Line != 9 {
		t.Errorf("host-namespaces effect %+v, want audit from mid's defaults at line 9", hn.Effect)
	}
	if len(hn.Effect.Overridden) == 0 || hn.Effect.Overridden[0].Value != "disabled" || hn.Effect.Overridden[0].Origin.Initiative != "root" || hn.Effect.Overridden[0].Origin.Line != 9 {
		t.Errorf("host-namespaces overridden %+v, want disabled in root at line 9 first", hn.Effect.Overridden)
	}
	// A disabled reference is listed, with the place that disabled it.
	pc := doc.References[refs["privileged-containers"]]
	if pc.EnforcementAction != "" || pc.Effect.Value != "disabled" || pc.Effect.Origin.Kind != "reference" || pc.Effect.Origin.Initiative != "leaf" || pc.Effect.Origin.Line != 15 {
		t.Errorf("privileged-containers %+v, want disabled by leaf.yaml:15", pc)
	}
	// The second use of allowed-images: declared in root, parameters from
	// leaf, exclusions from mid's defaults, and an exemption from leaf.
	rp := doc.References[refs["registries-prod"]]
	if rp.Policy != "allowed-images" || rp.Declared.Initiative != "root" || rp.EnforcementAction != "deny" {
		t.Errorf("registries-prod %+v", rp)
	}
	params := map[string]int{}
	for i, p := range rp.Parameters {
		params[p.Name] = i
	}
	if p := rp.Parameters[params["repositories"]]; p.Origin.Initiative != "leaf" || p.Origin.Line != 13 {
		t.Errorf("repositories from %+v, want leaf.yaml:13", p.Origin)
	}
	if p := rp.Parameters[params["excludedImages"]]; p.Origin.Kind != "defaults" || p.Origin.Initiative != "mid" || p.Origin.Line != 13 {
		t.Errorf("excludedImages from %+v, want mid's defaults at line 13", p.Origin)
	}
	if len(rp.Exemptions) != 1 || rp.Exemptions[0].Owner != "team-a" || rp.Exemptions[0].Expires != "2099-01-01" || rp.Exemptions[0].Origin.Line != 17 {
		t.Errorf("exemptions %+v, want team-a's at leaf.yaml:17", rp.Exemptions)
	}
	// Policy defaults name the policy file.
	ap := doc.References[refs["host-namespaces"]]
	if len(ap.Parameters) == 0 || ap.Parameters[0].Origin.Kind != "policy" || !strings.HasPrefix(ap.Parameters[0].Origin.File, "builtin:library/") || ap.Parameters[0].Origin.Line == 0 {
		t.Errorf("host-namespaces parameters %+v, want the policy default with its line", ap.Parameters)
	}
}

func TestExplainArguments(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, explainRepo)
	leaf := filepath.Join(dir, "leaf.yaml")
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or stderr when the exit code is not 0
	}{
		{"one reference", []string{leaf, "--root", dir, "registries-prod"}, 0, "registries-prod: policy allowed-images"},
		{"unknown reference", []string{leaf, "--root", dir, "registries-prd"}, ExitUsage, `did you mean "registries-prod"?`},
		{"built-in", []string{"pod-security-restricted", "seccomp"}, 0, "reference in pod-security-restricted (builtin:initiatives/pod-security-restricted.yaml:"},
		{"unknown initiative", []string{"pod-security-restrictd"}, ExitUsage, `did you mean "pod-security-restricted"?`},
		{"bad format", []string{leaf, "--output", "yaml"}, ExitUsage, "expected text, json or markdown"},
		{"repository folder", []string{dir, "--output", "json"}, 0, `"name": "root"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, "", append([]string{"explain"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, stderr)
			}
			got := out
			if code != 0 {
				got = stderr
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
		})
	}
}

// library show of a built-in initiative is explain's rendering of it.
func TestLibraryShowIsExplain(t *testing.T) {
	for _, format := range []string{"markdown", "json"} {
		args := []string{"library", "show", "pod-security-restricted"}
		if format == "json" {
			args = append(args, "--output", "json")
		}
		shown, _, code := runEdict(t, "", args...)
		if code != 0 {
			t.Fatalf("library show: exit %d", code)
		}
		explained, _, code := runEdict(t, "", "explain", "pod-security-restricted", "--output", format)
		if code != 0 {
			t.Fatalf("explain: exit %d", code)
		}
		if shown != explained {
			t.Errorf("%s: library show and explain differ:\n%s\n---\n%s", format, shown, explained)
		}
		if !strings.Contains(shown, "restricted-capabilities") {
			t.Errorf("%s: no restricted-capabilities reference:\n%s", format, shown)
		}
	}
}
