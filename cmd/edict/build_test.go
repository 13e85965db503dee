package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestBuildExampleGolden pins the whole rendered example bundle, bundle.json
// included. Regenerate with `go test ./cmd/edict -update` and review the diff.
func TestBuildExampleGolden(t *testing.T) {
	out := t.TempDir()
	if stdout, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", out); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	got := golden.ReadTree(t, filepath.Join(out, "contoso-prod"))
	golden.CheckTree(t, filepath.Join("testdata", "golden", "contoso-prod"), got)
}

// TestBuildTwiceIsByteIdentical builds the example into two folders and
// compares every byte, and checks kustomize builds the expected resources.
func TestBuildTwiceIsByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", dir); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	ta, tb := golden.ReadTree(t, filepath.Join(a, "contoso-prod")), golden.ReadTree(t, filepath.Join(b, "contoso-prod"))
	if len(ta) == 0 || len(ta) != len(tb) {
		t.Fatalf("trees differ in size: %d vs %d", len(ta), len(tb))
	}
	for name, data := range ta {
		if !bytes.Equal(data, tb[name]) {
			t.Errorf("%s differs between two builds", name)
		}
	}

	// What `kubectl kustomize dist/contoso-prod` lists.
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(a, "contoso-prod"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Resources() {
		got = append(got, r.GetKind()+"/"+r.GetName())
	}
	sort.Strings(got)
	for _, want := range []string{
		"ConstraintTemplate/contosorequiredlabels",
		"ConstraintTemplate/k8sedictallowedimages",
		"ContosoRequiredLabels/contoso-prod-required-labels",
		"K8sEdictAllowedImages/contoso-prod-registries-prod",
		"K8sEdictHostFilesystem/contoso-prod-host-filesystem",
		"K8sEdictPrivilegedContainers/contoso-prod-privileged-containers",
		"ExpansionTemplate/edict-expand-workloads",
	} {
		if !contains(got, want) {
			t.Errorf("kustomize output lacks %s; got %v", want, got)
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// TestBuildBadInputExitCodes: each class of bad input exits 2 with one
// positioned message and leaves an earlier bundle untouched.
func TestBuildBadInputExitCodes(t *testing.T) {
	example, err := os.ReadFile("../../examples/contoso/initiatives/contoso-prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"malformed yaml", "  policies:\n", "  policies: [\n", []string{"i.yaml:", "invalid YAML"}},
		{"unknown field", "  defaults:\n", "  defualts:\n", []string{"i.yaml:12:3", "unknown field", `did you mean "defaults"?`}},
		{"unknown policy", "    container-limits:\n", "    container-limit:\n", []string{"i.yaml:34:5", `unknown policy "container-limit"`, `did you mean "container-limits"?`}},
		{"unknown parameter", "allowedCapabilities:", "allowedCapabilites:", []string{"i.yaml:27:9", `unknown parameter "allowedCapabilites"`, `did you mean "allowedCapabilities"?`}},
		{"wrong type", `cpu: "2"`, "cpu: [2]", []string{"i.yaml:36:14", "parameters.cpu"}},
		{"expired exemption", `expires: "2099-03-31"`, `expires: "2020-03-31"`, []string{"i.yaml:", "expired on 2020-03-31", "owner team-node"}},
		{"cycle", "extends: pod-security-baseline", "extends: i.yaml", []string{"cycle"}},
		{"long name", "name: contoso-prod", "name: " + strings.Repeat("c", 70), []string{"i.yaml:7:9", "metadata.name", "70 characters; Kubernetes names are at most 63"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(example), tc.from) {
				t.Fatalf("example no longer contains %q", tc.from)
			}
			repo := t.TempDir()
			copyTree(t, "../../examples/contoso/policies", filepath.Join(repo, "policies"))
			out := filepath.Join(t.TempDir(), "dist")
			// A good build first, so that the failing one has something to preserve.
			if err := os.WriteFile(filepath.Join(repo, "i.yaml"), example, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, stderr, code := runEdict(t, "", "build", repo, "-o", out); code != 0 {
				t.Fatalf("good build failed: %s", stderr)
			}
			before := golden.ReadTree(t, out)
			bad := strings.Replace(string(example), tc.from, tc.to, 1)
			if err := os.WriteFile(filepath.Join(repo, "i.yaml"), []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := runEdict(t, "", "build", repo, "-o", out)
			if code != ExitUsage {
				t.Fatalf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			after := golden.ReadTree(t, out)
			if len(after) != len(before) {
				t.Fatalf("output changed after a failed build: %d files, was %d", len(after), len(before))
			}
			for name, data := range before {
				if !bytes.Equal(after[name], data) {
					t.Errorf("%s changed after a failed build", name)
				}
			}
		})
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	for name, data := range golden.ReadTree(t, src) {
		p := filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInitStarterBuilds: the starter initiative init writes lists every
// policy and parameter of the built-in, and builds as it is.
func TestInitStarterBuilds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "initiatives", "team.yaml")
	if _, stderr, code := runEdict(t, "", "init", "team", "--from", "pod-security-baseline", "-f", file); code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"extends: pod-security-baseline", "    host-filesystem:", "allowedHostPaths: []", "Items: array of {pathPrefix: string (absolute-path), readOnly?: boolean}", "    allowed-capabilities:", "allowedCapabilities:"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("starter lacks %q:\n%s", want, text)
		}
	}
	if _, stderr, code := runEdict(t, "", "build", dir, "-o", filepath.Join(dir, "dist")); code != 0 {
		t.Fatalf("starter does not build: %s\n%s", stderr, text)
	}
	// Switching the defaults' effect must reach every reference.
	denying := strings.Replace(string(text), "    # effect: deny\n", "    effect: deny\n", 1)
	if denying == string(text) {
		t.Fatalf("starter has no commented defaults effect:\n%s", text)
	}
	if err := os.WriteFile(file, []byte(denying), 0o644); err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(dir, "dist2")
	if _, stderr, code := runEdict(t, "", "build", dir, "-o", dist); code != 0 {
		t.Fatalf("starter with effect deny does not build: %s", stderr)
	}
	for name, data := range golden.ReadTree(t, filepath.Join(dist, "team", "constraints")) {
		if name != "kustomization.yaml" && !strings.Contains(string(data), "enforcementAction: deny") {
			t.Errorf("%s is not deny after setting defaults.effect: deny", name)
		}
	}
	if _, _, code := runEdict(t, "", "init", "team", "--from", "pod-security-baseline", "-f", file, "--force"); code != 0 {
		t.Errorf("init --force: exit %d", code)
	}
	if _, _, code := runEdict(t, "", "init", "team", "--from", "pod-security-baseline", "-f", file); code != ExitUsage {
		t.Errorf("overwriting without --force: exit %d, want 2", code)
	}
	if _, stderr, code := runEdict(t, "", "init", "team", "--from", "pod-security-basline", "-f", filepath.Join(dir, "x.yaml")); code != ExitUsage || !strings.Contains(stderr, "did you mean") {
		t.Errorf("unknown --from: exit %d, stderr %q", code, stderr)
	}
}

func TestSchemaAndLibraryCommands(t *testing.T) {
	out, _, code := runEdict(t, "", "schema", "initiative")
	if code != 0 || !strings.Contains(out, `"$id": "https://edict.dev/schemas/v1alpha1/initiative.schema.json"`) {
		t.Errorf("schema initiative: exit %d\n%s", code, out)
	}
	if _, _, code := runEdict(t, "", "schema", "nope"); code != ExitUsage {
		t.Errorf("unknown schema kind: exit %d, want 2", code)
	}
	out, _, code = runEdict(t, "", "library", "list")
	if code != 0 || !strings.Contains(out, "privileged-containers") || !strings.Contains(out, "pod-security-baseline") {
		t.Errorf("library list: exit %d\n%s", code, out)
	}
	out, _, code = runEdict(t, "", "library", "show", "host-filesystem")
	if code != 0 || !strings.Contains(out, "allowedHostPaths") || !strings.Contains(out, "## Example") {
		t.Errorf("library show: exit %d\n%s", code, out)
	}
	if _, stderr, code := runEdict(t, "", "library", "show", "host-filesytem"); code != ExitUsage || !strings.Contains(stderr, `did you mean "host-filesystem"?`) {
		t.Errorf("library show typo: exit %d, %q", code, stderr)
	}
	if _, _, code := runEdict(t, "", "frobnicate"); code != ExitUsage {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

// TestBuildRefusesToReplaceNonBundleFolders: -o replaces only folders that
// hold an edict bundle; a source folder or unrelated files stay untouched.
func TestBuildRefusesToReplaceNonBundleFolders(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, out string) // prepares out/contoso-prod
		ok    bool
	}{
		{"unrelated files", func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, "contoso-prod", "notes.txt"), "keep me")
		}, false},
		{"a foreign bundle.json", func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, "contoso-prod", "bundle.json"), `{"name": "not edict"}`)
		}, false},
		{"a file in the way", func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, "contoso-prod"), "a file")
		}, false},
		{"an empty folder", func(t *testing.T, out string) {
			if err := os.MkdirAll(filepath.Join(out, "contoso-prod"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"an earlier bundle", func(t *testing.T, out string) {
			// An earlier build that wrote a file this build no longer
			// renders: it is listed in that build's bundle.json.
			if _, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", out); code != 0 {
				t.Fatal(stderr)
			}
			writeFile(t, filepath.Join(out, "contoso-prod", "stale.yaml"), "x: 1")
			listInIndex(t, filepath.Join(out, "contoso-prod"), "stale.yaml")
		}, true},
		{"an earlier bundle with a file added by hand", func(t *testing.T, out string) {
			if _, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", out); code != 0 {
				t.Fatal(stderr)
			}
			writeFile(t, filepath.Join(out, "contoso-prod", "notes.txt"), "keep me")
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			tc.setup(t, out)
			before := readTreeOrFile(t, filepath.Join(out, "contoso-prod"))
			_, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", out)
			after := readTreeOrFile(t, filepath.Join(out, "contoso-prod"))
			if tc.ok {
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if _, stale := after["stale.yaml"]; stale {
					t.Error("the earlier bundle's extra file survived")
				}
				return
			}
			if code != 2 || !strings.Contains(stderr, "refusing to replace it") {
				t.Errorf("exit %d, stderr %q; want exit 2 and a refusal", code, stderr)
			}
			if len(before) != len(after) {
				t.Errorf("the folder changed: %v -> %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
			for k, v := range before {
				if !bytes.Equal(after[k], v) {
					t.Errorf("%s changed", k)
				}
			}
		})
	}
}

// listInIndex adds file to the bundle.json of dir, as if an earlier build
// had written it.
func listInIndex(t *testing.T, dir, file string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx map[string]any
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	files, _ := idx["files"].([]any)
	idx["files"] = append(files, map[string]any{"path": file, "sha256": strings.Repeat("0", 64), "size": 4})
	out, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bundle.json"), string(out))
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTreeOrFile(t *testing.T, p string) map[string][]byte {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if !info.IsDir() {
		b, _ := os.ReadFile(p)
		return map[string][]byte{".": b}
	}
	return golden.ReadTree(t, p)
}

// TestBuildMisspeltKind: an initiative whose kind is misspelt is an error
// naming its line, not a file silently skipped by a green build.
func TestBuildMisspeltKind(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "initiatives", "prod.yaml"), "apiVersion: edict.dev/v1alpha1\nkind: Initative\nmetadata: {name: prod}\nspec: {version: 1.0.0, extends: pod-security-baseline}\n")
	_, stderr, code := runEdict(t, "", "build", dir, "-o", filepath.Join(t.TempDir(), "out"))
	if code != 2 || !strings.Contains(stderr, "prod.yaml:2:7") || !strings.Contains(stderr, `did you mean "Initiative"?`) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming prod.yaml:2:7 with a suggestion", code, stderr)
	}
}

// TestBuildGatekeeperFlag: --gatekeeper picks the release, older ones get
// Rego v0 templates and a bundle.json that says so; a release edict does
// not support is a usage error.
func TestBuildGatekeeperFlag(t *testing.T) {
	out := t.TempDir()
	if _, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", out, "--gatekeeper", "3.18"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tree := golden.ReadTree(t, filepath.Join(out, "contoso-prod"))
	if !strings.Contains(string(tree["bundle.json"]), `"gatekeeper": "3.17"`) {
		t.Errorf("bundle.json does not record Gatekeeper 3.17:\n%s", tree["bundle.json"])
	}
	for name, data := range tree {
		if strings.HasPrefix(name, "templates/k8s") && (strings.Contains(string(data), "version: v1\n") || !strings.Contains(string(data), "    rego: |")) {
			t.Errorf("%s is not a Rego v0 template", name)
		}
	}
	for _, bad := range []string{"3.16", "4.0", "latest"} {
		_, stderr, code := runEdict(t, "", "build", "../../examples/contoso", "-o", t.TempDir(), "--gatekeeper", bad)
		if code != ExitUsage || !strings.Contains(stderr, "--gatekeeper") {
			t.Errorf("--gatekeeper %s: exit %d, %q; want a usage error", bad, code, stderr)
		}
	}
}
