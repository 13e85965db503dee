package docgen_test

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/docgen"
)

var update = flag.Bool("update", false, "rewrite docs/reference from the library")

// reference is the checked-in reference, relative to this package.
const reference = "../docs/reference"

func builtinCatalog(t *testing.T) *compile.Catalog {
	t.Helper()
	cat, err := compile.NewCatalog(nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func generate(t *testing.T, cat *compile.Catalog) map[string][]byte {
	t.Helper()
	files, err := docgen.Generate(cat)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestReferenceIsCurrent fails when docs/reference differs from what the
// library generates: a policy or initiative changed without the reference.
func TestReferenceIsCurrent(t *testing.T) {
	files := generate(t, builtinCatalog(t))
	if *update {
		if err := docgen.WriteDir(reference, files); err != nil {
			t.Fatal(err)
		}
	}
	onDisk := map[string][]byte{}
	err := filepath.WalkDir(reference, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(reference, p)
		onDisk[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var stale []string
	for name, want := range files {
		got, ok := onDisk[name]
		switch {
		case !ok:
			stale = append(stale, name+" is missing")
		case !bytes.Equal(got, want):
			stale = append(stale, name+" differs")
		}
	}
	for name := range onDisk {
		if _, ok := files[name]; !ok {
			stale = append(stale, name+" is no longer generated")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Fatalf("docs/reference is stale: run `go run ./cmd/edict docs` or `make docs` (or `go test ./docgen -update`):\n  %s", strings.Join(stale, "\n  "))
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	first := generate(t, builtinCatalog(t))
	for i := 0; i < 3; i++ {
		again := generate(t, builtinCatalog(t))
		if len(again) != len(first) {
			t.Fatalf("run %d: %d pages, first run %d", i, len(again), len(first))
		}
		for name, data := range first {
			if !bytes.Equal(again[name], data) {
				t.Fatalf("run %d: %s differs from the first run", i, name)
			}
		}
	}
}

// TestPages checks the set of pages and what each must say.
func TestPages(t *testing.T) {
	cat := builtinCatalog(t)
	files := generate(t, cat)
	want := []string{docgen.Index}
	for _, n := range cat.Names() {
		want = append(want, "policies/"+n+".md")
	}
	for _, n := range compile.BuiltinInitiatives() {
		want = append(want, "initiatives/"+n+".md")
	}
	sort.Strings(want)
	var got []string
	for n := range files {
		got = append(got, n)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("pages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range []struct {
		page string
		want []string
	}{
		{docgen.Index, []string{
			"[pod-security-restricted](initiatives/pod-security-restricted.md)",
			"[allowed-capabilities](policies/allowed-capabilities.md)",
			"| baseline | [Host Probes / Lifecycle Hooks](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline) | [host-probes](policies/host-probes.md) |",
			"### Pod Security Standards",
		}},
		{"policies/allowed-capabilities.md", []string{
			"# allowed-capabilities\n",
			"| constraint kind | `K8sEdictAllowedCapabilities` (template `k8sedictallowedcapabilities`) |",
			"| source | `library/pod-security/allowed-capabilities` |",
			"- Pod Security Standards, baseline: [Capabilities](",
			"- Azure Policy: Kubernetes cluster containers should only use allowed capabilities (`c26596ff-4d70-4e6a-9a30-c2506bd2f80c`)",
			"| `requiredDropCapabilities` | array of string (capability) | `[]` |",
			"| [pod-security-restricted](../initiatives/pod-security-restricted.md) | `restricted-capabilities` | audit | `allowedCapabilities`: `[\"NET_BIND_SERVICE\"]`<br>`requiredDropCapabilities`: `[\"ALL\"]`<br>`skipWindows`: `true` |",
			"```yaml\nspec:\n  policies:\n    allowed-capabilities:\n",
		}},
		{"policies/host-namespaces.md", []string{
			"| honours exclusions | none |",
			"| `allowHostNetwork` | boolean | `false` | Whether pods may set spec.hostNetwork=true.",
			"| [azure-pod-security-baseline](../initiatives/azure-pod-security-baseline.md) | `host-namespaces` | audit | `allowHostNetwork`: `true` |",
		}},
		{"initiatives/pod-security-restricted.md", []string{
			"| extends | [pod-security-baseline](pod-security-baseline.md) 1.0.0 |",
			"| references | 17 enabled of 17 |",
			"`excludedNamespaces`: `[\"kube-system\",\"gatekeeper-system\"]`<br><sub>defaults of pod-security-restricted (builtin:initiatives/pod-security-restricted.yaml:21:7)</sub>",
			"| `seccomp` | [seccomp](../policies/seccomp.md) 1.0.0 | **audit**",
			"`requireProfile`: `true`<br><sub>reference in pod-security-restricted (builtin:initiatives/pod-security-restricted.yaml:",
			"  extends: pod-security-restricted\n",
		}},
		{"initiatives/azure-pod-security-baseline.md", []string{
			"`excludedNamespaces`: `[\"kube-system\",\"gatekeeper-system\",\"azure-arc\",\"azure-extensions-usage-system\"]`",
			"\"NET_RAW\"",
		}},
	} {
		page := string(files[c.page])
		if !strings.HasPrefix(page, "<!-- Generated by `edict docs`; do not edit. -->\n") {
			t.Errorf("%s does not start with the generated marker", c.page)
		}
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %q", c.page, w)
			}
		}
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`)

// TestLinksResolve follows every relative link between generated pages; a
// link may also leave the reference for a file checked in beside it.
func TestLinksResolve(t *testing.T) {
	files := generate(t, builtinCatalog(t))
	for name, data := range files {
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			p := path.Join(path.Dir(name), target)
			if _, ok := files[p]; ok {
				continue
			}
			if strings.HasPrefix(p, "../") {
				if _, err := os.Stat(filepath.FromSlash(path.Join("../docs", strings.TrimPrefix(p, "../")))); err == nil {
					continue
				}
			}
			t.Errorf("%s links to %s, which does not exist", name, target)
		}
	}
}

// TestRepositoryPolicies documents a catalog with a user's policy too.
func TestRepositoryPolicies(t *testing.T) {
	repo := fstest.MapFS{
		"policies/team-label/policy.yaml": {Data: []byte(`apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: team-label
spec:
  version: 0.2.0
  title: Namespaces must name | their team
  constraintKind: ContosoTeamLabel
  match:
    kinds: [{apiGroups: [""], kinds: [Namespace]}]
  parameters:
    type: object
    properties:
      label: {type: string, default: team, description: "The label key."}
`)},
		"policies/team-label/policy.rego": {Data: []byte("package team\n\nviolation contains {\"msg\": \"no team\"} if {\n\tnot input.review.object.metadata.labels[input.parameters.label]\n}\n")},
		// A repository policy without parameters gets a page saying so.
		"policies/pods-outside-default/policy.yaml": {Data: []byte(`apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: pods-outside-default
spec:
  version: 1.0.0
  title: Pods should not run in the default namespace
  constraintKind: ContosoNoDefaultNamespace
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
`)},
		"policies/pods-outside-default/policy.rego": {Data: []byte("package nodefault\n\nviolation contains {\"msg\": \"default namespace\"} if {\n\tinput.review.object.metadata.namespace == \"default\"\n}\n")},
	}
	cat, err := compile.NewCatalog(repo, ".")
	if err != nil {
		t.Fatal(err)
	}
	files := generate(t, cat)
	page := string(files["policies/team-label.md"])
	for _, w := range []string{
		"**Namespaces must name | their team**",
		"| matches | Namespace (core) |",
		"| `label` | string | `\"team\"` | The label key. |",
		"No built-in initiative uses this policy.",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("team-label page lacks %q:\n%s", w, page)
		}
	}
	if strings.Contains(page, "| source |") {
		t.Error("a repository policy page claims a library source folder")
	}
	if page := string(files["policies/pods-outside-default.md"]); !strings.Contains(page, "## Parameters\n\nNone.\n") {
		t.Errorf("the page of a policy without parameters does not say so:\n%s", page)
	}
	index := string(files[docgen.Index])
	if !strings.Contains(index, "### Repository policies\n") || !strings.Contains(index, `| Namespaces must name \| their team |`) {
		t.Errorf("index does not list the repository policy with its title escaped:\n%s", index)
	}
}

// TestAzureMapping keeps the hand-written mapping honest: its links resolve,
// and every policy that declares an Azure or PSS control is mapped there with
// that control.
func TestAzureMapping(t *testing.T) {
	data, err := os.ReadFile("../docs/azure-mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, m := range mdLink.FindAllStringSubmatch(doc, -1) {
		if strings.Contains(m[1], "://") {
			continue
		}
		if _, err := os.Stat(filepath.FromSlash(path.Join("../docs", m[1]))); err != nil {
			t.Errorf("azure-mapping.md links to %s: %v", m[1], err)
		}
	}
	for _, p := range builtinCatalog(t).Policies() {
		link := "(reference/policies/" + p.Metadata.Name + ".md)"
		for _, c := range p.Spec.Controls {
			id, isAzure := strings.CutPrefix(c, "azure:")
			switch {
			case isAzure && strings.Contains(id, "/"):
				// Not an Azure Policy definition (e.g. AKS Deployment Safeguards).
				if !strings.Contains(doc, link) {
					t.Errorf("azure-mapping.md does not mention policy %s", p.Metadata.Name)
				}
			case isAzure:
				if !strings.Contains(doc, "`"+id+"`") {
					t.Errorf("azure-mapping.md does not name Azure definition %s (policy %s)", id, p.Metadata.Name)
				}
				if !lineHasBoth(doc, id, link) {
					t.Errorf("azure-mapping.md has no row mapping Azure definition %s to policy %s", id, p.Metadata.Name)
				}
			case strings.HasPrefix(c, "pss:"):
				profile, _, _ := strings.Cut(strings.TrimPrefix(c, "pss:"), "/")
				if !lineHasBoth(doc, "| "+profile+" |", link) {
					t.Errorf("azure-mapping.md does not map control %s to policy %s", c, p.Metadata.Name)
				}
			}
		}
	}
}

func lineHasBoth(doc, a, b string) bool {
	for _, line := range strings.Split(doc, "\n") {
		if strings.Contains(line, a) && strings.Contains(line, b) {
			return true
		}
	}
	return false
}
