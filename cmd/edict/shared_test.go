package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/internal/golden"
	"github.com/edict-policy/edict/library"
	"github.com/edict-policy/edict/rendered"
)

// writePolicyRepo writes one version of a policy repository: the policy
// team-labels (its version, constraint kind and message given) and
// initiatives, each using team-labels and built-in policies.
func writePolicyRepo(t *testing.T, dir, version, kind, message string, initiatives map[string]string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "policies", "team-labels", "policy.yaml"), fmt.Sprintf(`apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: team-labels
spec:
  version: %s
  title: Workloads carry a team label
  description: Every Pod names the team that owns it.
  constraintKind: %s
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
  effect: audit
  parameters:
    type: object
    properties:
      label:
        type: string
        description: the label key
        default: team
`, version, kind))
	writeFile(t, filepath.Join(dir, "policies", "team-labels", "policy.rego"), fmt.Sprintf(`package repo.team_labels

violation contains {"msg": msg} if {
	key := object.get(input.parameters, "label", "team")
	not input.review.object.metadata.labels[key]
	msg := sprintf(%q, [input.review.object.metadata.name, key])
}
`, message))
	for name, body := range initiatives {
		writeFile(t, filepath.Join(dir, "initiatives", name+".yaml"), fmt.Sprintf(`apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: %s
spec:
  version: 1.0.0
  policies:
%s`, name, body))
	}
}

// owned is what one Flux Kustomization or Argo CD Application applies:
// object identity (apiVersion kind name) to its bytes.
type owned map[string]string

// clusterOwners reads gitops output and, for every Kustomization or
// Application in it, builds its folder of the local bundle that its source
// names (by the repository's last path element) with kustomize, as Flux and
// Argo CD would. It returns each object's owners and their content.
func clusterOwners(t *testing.T, gitops []byte, bundles map[string]string) map[string]map[string]string {
	t.Helper()
	sources := map[string]string{} // OCIRepository name -> url
	type sync struct{ owner, url, path string }
	var syncs []sync
	for _, part := range strings.Split(string(gitops), "\n---\n") {
		var d map[string]any
		if err := yaml.Unmarshal([]byte(part), &d); err != nil {
			t.Fatalf("gitops output: %v", err)
		}
		name, _ := dig(d, "metadata", "name").(string)
		switch d["kind"] {
		case "OCIRepository":
			sources[name], _ = dig(d, "spec", "url").(string)
		case "Kustomization":
			src, _ := dig(d, "spec", "sourceRef", "name").(string)
			p, _ := dig(d, "spec", "path").(string)
			syncs = append(syncs, sync{"Kustomization/" + name, src, p})
		case "Application":
			u, _ := dig(d, "spec", "source", "repoURL").(string)
			p, _ := dig(d, "spec", "source", "path").(string)
			syncs = append(syncs, sync{"Application/" + name, u, p})
		}
	}
	owners := map[string]map[string]string{}
	for _, s := range syncs {
		u := s.url
		if !strings.Contains(u, "://") {
			u = sources[s.url]
		}
		dir, ok := bundles[path.Base(u)]
		if !ok {
			t.Fatalf("%s syncs %s, which is not a bundle of this test", s.owner, u)
		}
		res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, filepath.FromSlash(s.path)))
		if err != nil {
			t.Fatalf("%s: kustomize %s/%s: %v", s.owner, dir, s.path, err)
		}
		for _, r := range res.Resources() {
			data, err := r.AsYAML()
			if err != nil {
				t.Fatal(err)
			}
			id := r.GetApiVersion() + " " + r.GetKind() + " " + r.GetName()
			if owners[id] == nil {
				owners[id] = map[string]string{}
			}
			owners[id][s.owner] = string(data)
		}
	}
	return owners
}

// conflicts lists objects that two owners apply with different content.
func conflicts(owners map[string]map[string]string) []string {
	var out []string
	for id, by := range owners {
		contents := map[string]bool{}
		for _, c := range by {
			contents[c] = true
		}
		if len(contents) > 1 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestSeveralInitiativesInOneCluster builds two versions of a policy
// repository, in which the policy team-labels moves from 1.0.0 to 1.1.0
// (a new message), and syncs three initiatives into one cluster: a and b
// built from the first version, c from the second, with the templates
// bundle of the second. Reading the generated Flux and Argo CD wiring as
// the controllers do (kustomize over each synced folder), no object is
// owned twice, every constraint's kind has its template, and Gatekeeper's
// engine accepts the older initiatives' constraints with the newer
// templates. Synced the naive way (every bundle whole) the same bundles do
// conflict, which shows the check can fail.
func TestSeveralInitiativesInOneCluster(t *testing.T) {
	base := t.TempDir()
	v1, v2 := filepath.Join(base, "repo-v1"), filepath.Join(base, "repo-v2")
	writePolicyRepo(t, v1, "1.0.0", "RepoTeamLabels", "%s has no %s label", map[string]string{
		"a": "    team-labels: {}\n    allowed-images: {parameters: {repositories: [contoso.azurecr.io/]}}\n",
		"b": "    team-labels: {parameters: {label: owner}}\n    host-namespaces: {}\n",
	})
	writePolicyRepo(t, v2, "1.1.0", "RepoTeamLabels", "Pod %s must carry the %s label", map[string]string{
		"c": "    team-labels: {effect: deny}\n    allowed-images: {parameters: {repositories: [mcr.microsoft.com/]}}\n",
	})
	out1, out2 := filepath.Join(base, "out-v1"), filepath.Join(base, "out-v2")
	// The second build proves its templates bundle serves the first
	// version's bundles (--serve).
	for _, b := range []struct {
		repo, out, tpl string
		serve          []string
	}{
		{v1, out1, "policy-templates:1.0.0", nil},
		{v2, out2, "policy-templates:2.0.0", []string{"--serve", filepath.Join(out1, "a"), "--serve", filepath.Join(out1, "b")}},
	} {
		stdout, stderr, code := runEdict(t, "", append([]string{"build", b.repo, "-o", b.out, "--templates-bundle", b.tpl}, b.serve...)...)
		if code != 0 {
			t.Fatalf("build %s: exit %d\n%s%s", b.repo, code, stdout, stderr)
		}
		if !strings.Contains(stdout, "built templates bundle policy-templates") {
			t.Errorf("build %s does not report the templates bundle:\n%s", b.repo, stdout)
		}
		if b.serve != nil && (!strings.Contains(stdout, "  serves a 1.0.0") || !strings.Contains(stdout, "  serves b 1.0.0")) {
			t.Errorf("build %s does not report what it serves:\n%s", b.repo, stdout)
		}
	}
	// The cluster: templates from the newer repository, a and b from the
	// older one, c from the newer one.
	bundles := map[string]string{
		"policy-templates": filepath.Join(out2, "policy-templates"),
		"a":                filepath.Join(out1, "a"),
		"b":                filepath.Join(out1, "b"),
		"c":                filepath.Join(out2, "c"),
	}
	refs := []string{"oci://registry.example/p/a:1.0.0", "oci://registry.example/p/b:1.0.0", "oci://registry.example/p/c:1.0.0"}
	const tplRef = "oci://registry.example/p/policy-templates:2.0.0"

	for _, tool := range []string{"flux", "argo"} {
		t.Run(tool, func(t *testing.T) {
			stdout, stderr, code := runEdict(t, "", append([]string{"gitops", tool, "--templates", tplRef}, refs...)...)
			if code != 0 {
				t.Fatalf("gitops: exit %d: %s", code, stderr)
			}
			owners := clusterOwners(t, []byte(stdout), bundles)
			var kinds, templates []string
			for id, by := range owners {
				if len(by) != 1 {
					t.Errorf("%s is owned by %d syncs: %v", id, len(by), slices.Sorted(maps.Keys(by)))
				}
				f := strings.Fields(id)
				switch {
				case strings.HasPrefix(f[0], rendered.ConstraintGroup+"/"):
					kinds = append(kinds, strings.ToLower(f[1]))
				case f[1] == "ConstraintTemplate":
					templates = append(templates, f[2])
				}
			}
			if len(kinds) != 6 {
				t.Errorf("%d constraints in the cluster, want 6 (two per initiative)", len(kinds))
			}
			for _, k := range kinds {
				if !slices.Contains(templates, k) {
					t.Errorf("constraint kind %s has no template in the cluster (templates %v)", k, templates)
				}
			}
			if _, ok := owners["expansion.gatekeeper.sh/v1alpha1 ExpansionTemplate edict-expand-workloads"]; !ok {
				t.Error("the expansion templates are not synced")
			}
		})
	}

	// Gatekeeper's engine: the newer templates serve the older constraints.
	tpl := parseBundleDir(t, bundles["policy-templates"])
	for _, name := range []string{"a", "b", "c"} {
		if err := compile.CheckServes(t.Context(), tpl, parseBundleDir(t, bundles[name])); err != nil {
			t.Errorf("templates bundle 2.0.0 does not serve %s: %v", name, err)
		}
	}

	// The naive wiring: every bundle synced whole, as one gitops call each.
	var naive []string
	for _, ref := range refs {
		stdout, stderr, code := runEdict(t, "", "gitops", "flux", ref)
		if code != 0 {
			t.Fatalf("gitops: %s", stderr)
		}
		naive = append(naive, stdout)
	}
	got := conflicts(clusterOwners(t, []byte(strings.Join(naive, "\n---\n")), bundles))
	if !slices.Contains(got, "templates.gatekeeper.sh/v1 ConstraintTemplate repoteamlabels") {
		t.Errorf("synced whole, the bundles' conflicts are %v; want the team-labels template (1.0.0 against 1.1.0)", got)
	}

	// One templates bundle from initiatives whose templates differ is
	// refused, naming both versions.
	mixed := t.TempDir()
	copyTree(t, v1, mixed)
	writeFile(t, filepath.Join(mixed, "initiatives", "d.yaml"), "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: d\nspec:\n  version: 1.0.0\n  gatekeeper: \"3.17\"\n  policies:\n    team-labels: {}\n")
	_, stderr, code := runEdict(t, "", "build", mixed, "-o", t.TempDir(), "--templates-bundle", "policy-templates:1.0.1")
	if code != ExitUsage || !strings.Contains(stderr, "repoteamlabels") || !strings.Contains(stderr, "3.17 here") || !strings.Contains(stderr, "--gatekeeper") {
		t.Errorf("templates of two Gatekeeper targets in one templates bundle: exit %d\n%s", code, stderr)
	}
}

// TestMajorVersionNamesTheKind: from 2.0.0 a policy's constraint kind ends
// in V<major>, so a breaking change is a new template next to the old one;
// a templates bundle without the old major then does not serve initiatives
// built against it, and CheckServes says so.
func TestMajorVersionNamesTheKind(t *testing.T) {
	base := t.TempDir()
	bad := filepath.Join(base, "bad")
	writePolicyRepo(t, bad, "2.0.0", "RepoTeamLabels", "%s has no %s label", map[string]string{"a": "    team-labels: {}\n"})
	_, stderr, code := runEdict(t, "", "build", bad, "-o", t.TempDir())
	if code != ExitUsage || !strings.Contains(stderr, "spec.constraintKind") || !strings.Contains(stderr, "RepoTeamLabelsV2") {
		t.Errorf("version 2.0.0 with a plain kind: exit %d\n%s", code, stderr)
	}

	v1, v2 := filepath.Join(base, "v1"), filepath.Join(base, "v2")
	writePolicyRepo(t, v1, "1.3.0", "RepoTeamLabels", "%s has no %s label", map[string]string{"a": "    team-labels: {}\n"})
	writePolicyRepo(t, v2, "2.0.0", "RepoTeamLabelsV2", "%s has no %s label", map[string]string{"c": "    team-labels: {}\n"})
	out1, out2 := filepath.Join(base, "o1"), filepath.Join(base, "o2")
	for _, b := range [][2]string{{v1, out1}, {v2, out2}} {
		if _, stderr, code := runEdict(t, "", "build", b[0], "-o", b[1], "--templates-bundle", "tpl:1.0.0"); code != 0 {
			t.Fatalf("build %s: %s", b[0], stderr)
		}
	}
	tpl2 := parseBundleDir(t, filepath.Join(out2, "tpl"))
	if _, ok := tpl2.Template("team-labels"); !ok || tpl2.Templates[0].ConstraintKind == "" {
		t.Fatalf("templates bundle lacks team-labels: %v", tpl2.Templates)
	}
	err := compile.CheckServes(t.Context(), tpl2, parseBundleDir(t, filepath.Join(out1, "a")))
	if err == nil || !strings.Contains(err.Error(), "no template for kind RepoTeamLabels") {
		t.Errorf("a 2.x templates bundle serving a 1.x constraint: %v", err)
	}
	// The same through the build: nothing is written.
	out3 := filepath.Join(base, "o3")
	_, stderr, code = runEdict(t, "", "build", v2, "-o", out3, "--templates-bundle", "tpl:1.0.1", "--serve", filepath.Join(out1, "a"))
	if code != ExitUsage || !strings.Contains(stderr, "no template for kind RepoTeamLabels") || !strings.Contains(stderr, "previous major") {
		t.Errorf("build --serve of a bundle the templates cannot serve: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out3); !os.IsNotExist(err) {
		t.Errorf("a refused build wrote %s (%v)", out3, err)
	}
	if _, stderr, code := runEdict(t, "", "build", v2, "-o", out3, "--serve", filepath.Join(out1, "a")); code != ExitUsage || !strings.Contains(stderr, "--templates-bundle") {
		t.Errorf("--serve without --templates-bundle: exit %d, %q", code, stderr)
	}
	if err := compile.CheckServes(t.Context(), parseBundleDir(t, filepath.Join(out1, "tpl")), parseBundleDir(t, filepath.Join(out1, "a"))); err != nil {
		t.Errorf("a templates bundle does not serve the initiative it was built with: %v", err)
	}
}

// TestTemplatesBundleFlag covers the flag's refusals and the bundle's shape.
func TestTemplatesBundleFlag(t *testing.T) {
	out := t.TempDir()
	t.Setenv("EDICT_KEY_PASSWORD", "test-password")
	key := filepath.Join(t.TempDir(), "release")
	if _, stderr, code := runEdict(t, "", "keygen", key); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	stdout, stderr, code := runEdict(t, "", "build", "pod-security-baseline", "../../examples/contoso", "-o", out, "--templates-bundle", "policy-templates:1.0.0", "--output", "json", "--sign-key", key+".key")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"contents": "templates"`) {
		t.Errorf("--output json does not mark the templates bundle:\n%s", stdout)
	}
	// Signed like any bundle, and verify says what it is.
	stdout, stderr, code = runEdict(t, "", "verify", filepath.Join(out, "policy-templates"), "--key", key+".pub")
	if code != 0 || !strings.Contains(stdout, "templates  policy-templates 1.0.0") {
		t.Errorf("verify the templates bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	// Commands that judge constraints refuse it rather than pass on nothing.
	for _, args := range [][]string{
		{"audit", filepath.Join(out, "policy-templates"), "../../examples"},
		{"diff", filepath.Join(out, "policy-templates"), filepath.Join(out, "contoso-prod")},
	} {
		_, stderr, code := runEdict(t, "", args...)
		if code != ExitUsage || !strings.Contains(stderr, "is a templates bundle") {
			t.Errorf("edict %s on the templates bundle: exit %d, %q", args[0], code, stderr)
		}
	}
	tree := golden.ReadTree(t, filepath.Join(out, "policy-templates"))
	for name := range tree {
		if strings.HasPrefix(name, "constraints/") {
			t.Errorf("the templates bundle holds %s", name)
		}
	}
	tpl := parseBundleDir(t, filepath.Join(out, "policy-templates"))
	// Every template of both initiatives, and of every other policy the
	// repository and the built-in library hold.
	var want []string
	for _, name := range []string{"pod-security-baseline", "contoso-prod"} {
		for _, tm := range parseBundleDir(t, filepath.Join(out, name)).Templates {
			want = append(want, tm.Policy)
			if got, ok := tpl.Template(tm.Policy); !ok || !bytes.Equal(got.Data, tm.Data) {
				t.Errorf("the templates bundle does not hold %s as %s renders it", tm.Path, name)
			}
		}
	}
	policies := 1 // examples/contoso/policies/required-labels
	fs.WalkDir(library.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && path.Base(p) == "policy.yaml" {
			policies++
		}
		return err
	})
	// A built-in policy that cannot run on the target is left out, with a
	// warning.
	policies -= strings.Count(stderr, "is not in the templates bundle")
	if len(tpl.Templates) != policies || len(tpl.Templates) <= len(slices.Compact(slices.Sorted(slices.Values(want)))) || len(tpl.Expansions) != 2 || tpl.Contents != rendered.ContentsTemplates {
		t.Errorf("templates bundle: %d templates (want %d, one per policy), %d expansions, contents %q", len(tpl.Templates), policies, len(tpl.Expansions), tpl.Contents)
	}

	for _, c := range []struct{ value, want string }{
		{"policy-templates", "expected NAME:VERSION"},
		{"Policy_Templates:1.0.0", "not a lowercase DNS label"},
		{"policy-templates:v1", "not a semantic version"},
		{"contoso-prod:1.0.0", "an initiative has that name"},
	} {
		_, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", t.TempDir(), "--templates-bundle", c.value)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("--templates-bundle %s: exit %d, %q; want %q", c.value, code, stderr, c.want)
		}
	}
	_, stderr, code = runEdict(t, "", "gitops", "flux", "oci://r.example/a:1", "oci://r.example/b:1")
	if code != ExitUsage || !strings.Contains(stderr, "--templates") {
		t.Errorf("two bundles without --templates: exit %d, %q", code, stderr)
	}
}

func parseBundleDir(t *testing.T, dir string) *rendered.Bundle {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := rendered.Parse(files)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return b
}

// dig returns the value at a path of nested maps (nil when absent).
func dig(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}
