package compile

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/library"
	"github.com/edict-policy/edict/rendered"
)

// A small repository with one policy of its own, so these tests do not
// depend on the contents of the built-in library.
const demoPolicy = `apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: demo-labels
spec:
  version: 1.0.0
  title: Demo labels
  constraintKind: DemoLabels
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
  effect: warn
  exclusions: [images, containers]
  parameters:
    type: object
    properties:
      labels:
        type: array
        default: [owner]
        items: {type: string}
      maxCount:
        type: integer
        default: 3
`

const demoRego = `package demo.labels

import data.lib.demo

violation contains {"msg": msg} if {
	some l in input.parameters.labels
	not input.review.object.metadata.labels[l]
	msg := demo.message(l)
}
`

const demoLib = `package lib.demo

message(l) := sprintf("missing label %s", [l])
`

func repo(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"policies/demo-labels/policy.yaml": {Data: []byte(demoPolicy)},
		"policies/demo-labels/policy.rego": {Data: []byte(demoRego)},
		"lib/demo.rego":                    {Data: []byte(demoLib)},
	}
	for k, v := range files {
		if v == "" {
			delete(fsys, k)
			continue
		}
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func initiative(body string) string {
	return "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team\nspec:\n  version: 1.0.0\n" + body
}

var testNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func build(t *testing.T, fsys fstest.MapFS, file string) (*rendered.Bundle, error) {
	t.Helper()
	b, err := NewBuilder(fsys, ".", Options{Now: testNow})
	if err != nil {
		return nil, err
	}
	return b.Build(context.Background(), file)
}

func TestResolution(t *testing.T) {
	fsys := repo(map[string]string{
		"base.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata: {name: base}
spec:
  version: 1.0.0
  defaults:
    effect: audit
    match: {excludedNamespaces: [kube-system]}
  policies:
    demo-labels:
      parameters: {labels: [team]}
`,
		"team.yaml": initiative(`  extends: base.yaml
  defaults:
    effect: deny
    exclusions: {images: ["mcr.microsoft.com/*"], containers: [istio-proxy]}
  policies:
    demo-labels:
      parameters: {maxCount: 5}
    second-use:
      policy: demo-labels
      effect: warn
      match: {namespaces: ["prod-*"]}
    off:
      policy: demo-labels
      effect: disabled
  exemptions:
    - policies: [demo-labels]
      namespaces: [legacy]
      reason: migrating
      owner: team-a
      expires: "2027-06-01"
`),
	})
	out, err := build(t, fsys, "team.yaml")
	if err != nil {
		t.Fatal(err)
	}
	byRef := map[string]rendered.Reference{}
	for _, p := range out.Policies {
		byRef[p.Ref] = p
	}
	main := byRef["demo-labels"]
	if main.EnforcementAction != "deny" || main.Constraint != "team-demo-labels" {
		t.Errorf("demo-labels: got action %q constraint %q; want deny, team-demo-labels", main.EnforcementAction, main.Constraint)
	}
	// The parent's labels survive; the child's maxCount replaces the default.
	if got := jsonValue(main.Parameters["labels"]); got != `["team"]` {
		t.Errorf("labels = %s, want the parent's [\"team\"]", got)
	}
	if got := jsonValue(main.Parameters["maxCount"]); got != "5" {
		t.Errorf("maxCount = %s, want 5", got)
	}
	if got := jsonValue(main.Parameters["excludedImages"]); got != `["mcr.microsoft.com/*"]` {
		t.Errorf("excludedImages = %s", got)
	}
	if got := jsonValue(main.Match["excludedNamespaces"]); got != `["kube-system","legacy"]` {
		t.Errorf("excludedNamespaces = %s, want kube-system plus the exemption", got)
	}
	second := byRef["second-use"]
	if second.EnforcementAction != "warn" || jsonValue(second.Match["namespaces"]) != `["prod-*"]` {
		t.Errorf("second-use = %+v", second)
	}
	if second.Template != "demolabels" || jsonValue(second.Parameters["maxCount"]) != "3" {
		t.Errorf("second use must get the policy defaults, got %+v", second.Parameters)
	}
	if off := byRef["off"]; off.Constraint != "" || off.EnforcementAction != "" {
		t.Errorf("disabled reference rendered a constraint: %+v", off)
	}
	if _, ok := out.FileMap()["constraints/demolabels.off.yaml"]; ok {
		t.Error("disabled reference has a constraint file")
	}
	for _, f := range []string{"templates/demolabels.yaml", "constraints/demolabels.demo-labels.yaml", "constraints/demolabels.second-use.yaml", "kustomization.yaml", "templates/kustomization.yaml", "constraints/kustomization.yaml"} {
		if _, ok := out.FileMap()[f]; !ok {
			t.Errorf("missing %s; have %v", f, slices.Sorted(maps.Keys(out.FileMap())))
		}
	}
	tmpl := string(out.FileMap()["templates/demolabels.yaml"])
	for _, want := range []string{"version: v1", "package lib.demo", "excludedContainers", "argocd.argoproj.io/sync-wave: \"-1\""} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("template lacks %q:\n%s", want, tmpl)
		}
	}
	if len(out.Warnings) != 0 {
		t.Errorf("unexpected warnings %v", out.Warnings)
	}
}

func TestEffectsMapToEnforcementActions(t *testing.T) {
	for effect, action := range map[string]string{"deny": "deny", "warn": "warn", "audit": "dryrun", "disabled": ""} {
		out, err := build(t, repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {effect: " + effect + "}\n")}), "i.yaml")
		if err != nil {
			t.Fatalf("%s: %v", effect, err)
		}
		if got := out.Policies[0].EnforcementAction; got != action {
			t.Errorf("effect %s: enforcementAction %q, want %q", effect, got, action)
		}
		c := string(out.FileMap()["constraints/demolabels.demo-labels.yaml"])
		if action != "" && !strings.Contains(c, "enforcementAction: "+action) {
			t.Errorf("effect %s: constraint lacks enforcementAction %s:\n%s", effect, action, c)
		}
	}
}

func TestExemptionExpiringSoonWarns(t *testing.T) {
	out, err := build(t, repo(map[string]string{"i.yaml": initiative(`  policies:
    demo-labels: {}
  exemptions:
    - {policies: [demo-labels], namespaces: [x], reason: r, owner: team-x, expires: "2026-12-10"}
`)}), "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "team-x") || !strings.Contains(out.Warnings[0], "in 18 days") {
		t.Errorf("warnings = %v, want one naming team-x and 18 days", out.Warnings)
	}
}

func TestExpiresIn(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		now, expires time.Time
		want         string
	}{
		{day(29, 12), day(30, 0), "tomorrow (today is its last day)"}, // 12 hours: once "in 0 days"
		{day(29, 0), day(30, 0), "tomorrow (today is its last day)"},
		{day(29, 23), day(30, 0), "tomorrow (today is its last day)"},
		{day(28, 23), day(30, 0), "in 2 days"},
		{day(22, 0), time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC), "in 18 days"},
	}
	for _, tt := range tests {
		if got := expiresIn(tt.now, tt.expires); got != tt.want {
			t.Errorf("now %s, expires %s: %q, want %q", tt.now, tt.expires, got, tt.want)
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n    b: {policy: demo-labels}\n    a: {policy: demo-labels}\n")})
	first, err := build(t, fsys, "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	paths := map[string]bool{}
	for _, in := range first.Inputs {
		paths[in.Path] = true
		if in.SHA256 == emptySHA {
			t.Errorf("input %s hashed as empty", in.Path)
		}
	}
	for _, want := range []string{"i.yaml", "policies/demo-labels/policy.yaml", "policies/demo-labels/policy.rego", "lib/demo.rego"} {
		if !paths[want] {
			t.Errorf("inputs lack %s: %v", want, first.Inputs)
		}
	}
	for i := 0; i < 5; i++ {
		again, err := build(t, fsys, "i.yaml")
		if err != nil {
			t.Fatal(err)
		}
		againFiles, firstFiles := again.FileMap(), first.FileMap()
		if len(againFiles) != len(firstFiles) {
			t.Fatalf("file count changed: %d vs %d", len(againFiles), len(firstFiles))
		}
		for name, data := range firstFiles {
			if string(againFiles[name]) != string(data) {
				t.Fatalf("%s differs between builds", name)
			}
		}
		if jsonValue(again.Inputs) != jsonValue(first.Inputs) || jsonValue(again.Policies) != jsonValue(first.Policies) {
			t.Fatal("index data differs between builds")
		}
	}
}

func TestConstraintNameIsShortenedStably(t *testing.T) {
	long := ConstraintName(strings.Repeat("a", 40), strings.Repeat("b", 40))
	if len(long) > 63 || long != ConstraintName(strings.Repeat("a", 40), strings.Repeat("b", 40)) {
		t.Errorf("name %q: length %d or unstable", long, len(long))
	}
	if other := ConstraintName(strings.Repeat("a", 40), strings.Repeat("b", 39)+"c"); other == long {
		t.Error("different references share a shortened name")
	}
	if got := ConstraintName("team", "x"); got != "team-x" {
		t.Errorf("short name changed: %q", got)
	}
}

// TestBadInput covers each class of bad input: each must give one clear,
// positioned message, and be classified as the user's to fix.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		file  string
		want  []string // substrings of the error
	}{
		{"malformed yaml", map[string]string{"i.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nspec: [unclosed\n"}, "i.yaml", []string{"i.yaml:", "invalid YAML"}},
		{"unknown kind", map[string]string{"i.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiatve\nmetadata: {name: x}\nspec: {version: 1.0.0}\n"}, "i.yaml", []string{"i.yaml:2:7", "expected kind Initiative", `did you mean "Initiative"?`}},
		{"unknown field", map[string]string{"i.yaml": initiative("  polices: {}\n")}, "i.yaml", []string{"i.yaml:7:3", "spec.polices", "unknown field", `did you mean "policies"?`}},
		{"unknown policy", map[string]string{"i.yaml": initiative("  policies:\n    demo-label: {}\n")}, "i.yaml", []string{"i.yaml:8:5", `unknown policy "demo-label"`, `did you mean "demo-labels"?`}},
		{"unknown parameter", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels:\n      parameters: {label: [a]}\n")}, "i.yaml", []string{"i.yaml:9:20", "spec.policies.demo-labels.parameters.label", `unknown parameter "label"`, `did you mean "labels"?`}},
		{"wrong type", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels:\n      parameters:\n        labels: owner\n")}, "i.yaml", []string{"i.yaml:10:17", "parameters.labels", "want array"}},
		{"value rejected by schema", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels:\n      parameters:\n        labels: [1]\n")}, "i.yaml", []string{"i.yaml:10:18", "parameters.labels.0", "want string"}},
		{"bad effect", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {effect: block}\n")}, "i.yaml", []string{"i.yaml:8:27", `"block" is not allowed`, "deny, warn, audit, disabled"}},
		{"rego parse error", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "policies/demo-labels/policy.rego": "package x\n\nviolation contains {\"msg\": 1} if {\n"}, "i.yaml", []string{"policies/demo-labels/policy.rego:", "rego"}},
		{"rego without violation", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "policies/demo-labels/policy.rego": "package x\n\ndeny contains 1 if { true }\n"}, "i.yaml", []string{"policy.rego:1:1", "no violation rule"}},
		{"rego reads data outside lib", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "policies/demo-labels/policy.rego": "package x\n\nviolation contains {\"msg\": m} if {\n\tm := data.kubernetes.foo\n}\n"}, "i.yaml", []string{"policy.rego:4:7", "data.kubernetes.foo is not allowed"}},
		{"rego uses http.send", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "policies/demo-labels/policy.rego": "package x\n\nviolation contains {\"msg\": m} if {\n\tr := http.send({\"method\": \"GET\", \"url\": \"http://x\"})\n\tm := r.body\n}\n"}, "i.yaml", []string{"policy.rego:4:7", "http.send is not allowed"}},
		{"library uses http.send", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "lib/demo.rego": "package lib.demo\n\nmessage(l) := r.body if {\n\tr := http.send({\"method\": \"GET\", \"url\": l})\n}\n"}, "i.yaml", []string{"lib/demo.rego:4:7", "http.send is not allowed"}},
		{"unused library does a DNS lookup", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "lib/dns.rego": "package lib.dns\n\nips := net.lookup_ip_addr(\"example.com\")\n"}, "i.yaml", []string{"lib/dns.rego:3:8", "net.lookup_ip_addr is not allowed"}},
		{"library reads the runtime", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "lib/demo.rego": "package lib.demo\n\nmessage(l) := opa.runtime().env.HOME\n"}, "i.yaml", []string{"lib/demo.rego:3:15", "opa.runtime is not allowed"}},
		{"library outside lib.", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "lib/demo.rego": "package helpers\n\nmessage(l) := l\n"}, "i.yaml", []string{"lib/demo.rego:1:1", "must be under lib."}},
		{"extends cycle", map[string]string{
			"a.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata: {name: a}\nspec: {version: 1.0.0, extends: b.yaml}\n",
			"b.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata: {name: b}\nspec: {version: 1.0.0, extends: a.yaml}\n",
		}, "a.yaml", []string{"b.yaml:4:", "cycle", "a.yaml -> b.yaml -> a.yaml"}},
		{"unknown built-in", map[string]string{"i.yaml": initiative("  extends: pod-security-basline\n")}, "i.yaml", []string{"i.yaml:7:12", "unknown built-in initiative", `did you mean "pod-security-baseline"?`}},
		{"name too long", map[string]string{"i.yaml": strings.Replace(initiative(""), "name: team", "name: "+strings.Repeat("x", 64), 1)}, "i.yaml", []string{"i.yaml:4:9", "metadata.name"}},
		{"expired exemption", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n  exemptions:\n    - {policies: [demo-labels], namespaces: [x], reason: r, owner: team-node, expires: \"2026-01-31\"}\n")}, "i.yaml", []string{"i.yaml:10:", "expired on 2026-01-31", "owner team-node"}},
		{"exemption for unknown reference", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n  exemptions:\n    - {policies: [demo-label], namespaces: [x], reason: r, owner: o, expires: \"2027-01-31\"}\n")}, "i.yaml", []string{"unknown reference", `did you mean "demo-labels"?`}},
		{"second document", map[string]string{"i.yaml": initiative("") + "---\nkind: Other\n"}, "i.yaml", []string{"i.yaml:7:1", "second YAML document"}},
		{"policy parameter without type", map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n"), "policies/demo-labels/policy.yaml": strings.Replace(demoPolicy, "        type: integer\n", "", 1)}, "i.yaml", []string{"policies/demo-labels/policy.yaml:", "spec.parameters.properties.maxCount", "structural"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(t, repo(tc.files), tc.file)
			if err == nil {
				t.Fatal("build succeeded; want an error")
			}
			if !input.IsInputError(err) {
				t.Errorf("error is not an input error (exit code 2): %T %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestDuplicatePolicyName: two policy folders with one name would make
// references ambiguous.
func TestDuplicatePolicyName(t *testing.T) {
	_, err := build(t, repo(map[string]string{
		"i.yaml":                        initiative("  policies:\n    demo-labels: {}\n"),
		"other/demo-labels/policy.yaml": demoPolicy,
		"other/demo-labels/policy.rego": demoRego,
	}), "i.yaml")
	var list input.ErrorList
	var one *input.Error
	if err == nil || !(errors.As(err, &list) || errors.As(err, &one)) || !strings.Contains(err.Error(), "already defined") {
		t.Fatalf("want a duplicate policy error, got %v", err)
	}
}

func TestConstraintNameCollisionAcrossInitiatives(t *testing.T) {
	fsys := repo(map[string]string{
		"a.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata: {name: team-prod}\nspec:\n  version: 1.0.0\n  policies:\n    x: {policy: demo-labels}\n",
		"b.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata: {name: team}\nspec:\n  version: 1.0.0\n  policies:\n    prod-x: {policy: demo-labels}\n",
	})
	a, err := build(t, fsys, "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(t, fsys, "b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = CheckCollisions([]*rendered.Bundle{a, b})
	if err == nil || !input.IsInputError(err) || !strings.Contains(err.Error(), "constraint team-prod-x (demolabels) is also rendered by team-prod reference x") {
		t.Fatalf("want a collision error, got %v", err)
	}
	if err := CheckCollisions([]*rendered.Bundle{a}); err != nil {
		t.Fatalf("one output collides with itself: %v", err)
	}
}

// TestIdenticalCopyOfBuiltin: the edict source tree, or a vendored library,
// holds copies of built-in policies; identical copies are not conflicts,
// while a changed copy under the same name is.
func TestIdenticalCopyOfBuiltin(t *testing.T) {
	y, err := fs.ReadFile(library.FS(), "pod-security/privileged-containers/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := fs.ReadFile(library.FS(), "pod-security/privileged-containers/policy.rego")
	if err != nil {
		t.Fatal(err)
	}
	same := repo(map[string]string{
		"vendor-lib/privileged-containers/policy.yaml": string(y),
		"vendor-lib/privileged-containers/policy.rego": string(r),
	})
	if _, err := NewCatalog(same, "."); err != nil {
		t.Fatalf("identical copy rejected: %v", err)
	}
	changed := repo(map[string]string{
		"vendor-lib/privileged-containers/policy.yaml": string(y),
		"vendor-lib/privileged-containers/policy.rego": string(r) + "\n# changed\n",
	})
	if _, err := NewCatalog(changed, "."); err == nil || !strings.Contains(err.Error(), "already defined in the built-in library") {
		t.Fatalf("changed copy accepted: %v", err)
	}
}
