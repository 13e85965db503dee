package diff

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/internal/golden"
	"github.com/edict-policy/edict/rendered"
)

var update = flag.Bool("update", false, "rewrite the golden reports under testdata/")

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

violation contains {"msg": msg} if {
	some l in input.parameters.labels
	not input.review.object.metadata.labels[l]
	msg := sprintf("missing label %s", [l])
}
`

const team = `apiVersion: edict.dev/v1alpha1
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
    labels:
      policy: demo-labels
      effect: audit
  exemptions:
    - policies: [registries]
      namespaces: [legacy]
      reason: migrating
      owner: team-a
      expires: "2099-01-01"
`

// build renders team.yaml of the fixture after applying edits (old → new
// string replacements to file contents).
func build(t *testing.T, edits map[string][][2]string) *rendered.Bundle {
	t.Helper()
	files := map[string]string{
		"team.yaml":                        team,
		"policies/demo-labels/policy.yaml": demoPolicy,
		"policies/demo-labels/policy.rego": demoRego,
	}
	for file, reps := range edits {
		for _, r := range reps {
			if !strings.Contains(files[file], r[0]) {
				t.Fatalf("edit of %s: %q not found", file, r[0])
			}
			files[file] = strings.Replace(files[file], r[0], r[1], 1)
		}
	}
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	b, err := compile.NewBuilder(fsys, ".", compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.Build(context.Background(), "team.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestChangeClasses diffs the fixture against one edit per change class and
// compares each report with its golden file; the table pins the class,
// direction and bump of the change so that the golden files cannot hide a
// misclassification.
func TestChangeClasses(t *testing.T) {
	today = func() string { return "2026-11-29" }
	old := build(t, nil)
	bump := [][2]string{{"version: 1.0.0", "version: 1.0.1"}}
	tests := []struct {
		name      string
		edits     map[string][][2]string
		kind      Kind
		ref       string
		direction Direction
		bump      Bump
		verdict   Verdict
	}{
		{"reference-added", map[string][][2]string{"team.yaml": {{"  policies:\n", "  policies:\n    host-ports: {}\n"}}},
			RefAdded, "host-ports", Tightening, BumpMajor, VerdictTightening},
		{"reference-removed", map[string][][2]string{"team.yaml": {{"    tags:\n      policy: no-latest-tag\n      effect: warn\n", ""}}},
			RefRemoved, "tags", Loosening, BumpPatch, VerdictLoosening},
		{"effect-tightening", map[string][][2]string{"team.yaml": {{"effect: warn", "effect: deny"}}},
			Effect, "tags", Tightening, BumpMajor, VerdictTightening},
		{"effect-loosening", map[string][][2]string{"team.yaml": {{"effect: audit", "effect: disabled"}}},
			Effect, "labels", Loosening, BumpPatch, VerdictLoosening},
		{"allowlist-item-removed", map[string][][2]string{"team.yaml": {{`["a.example/", "b.example/"]`, `["a.example/"]`}}},
			Parameter, "registries", Tightening, BumpMajor, VerdictTightening},
		{"allowlist-item-added", map[string][][2]string{"team.yaml": {{`["a.example/", "b.example/"]`, `["a.example/", "b.example/", "c.example/"]`}}},
			Parameter, "registries", Loosening, BumpPatch, VerdictLoosening},
		{"denylist-item-added", map[string][][2]string{"team.yaml": {{"      effect: warn\n", "      effect: warn\n      parameters: {disallowedTags: [latest, main]}\n"}}},
			Parameter, "tags", Tightening, BumpMinor, VerdictTightening},
		{"parameter-direction-unknown", map[string][][2]string{"team.yaml": {{"      effect: audit\n", "      effect: audit\n      parameters: {maxCount: 5}\n"}}},
			Parameter, "labels", Unknown, BumpMinor, VerdictUnknown},
		{"namespaces-newly-excluded", map[string][][2]string{"team.yaml": {{"[kube-system]", "[kube-system, monitoring]"}}},
			MatchChange, "labels", Loosening, BumpPatch, VerdictLoosening},
		{"namespaces-newly-reached", map[string][][2]string{"team.yaml": {{"excludedNamespaces: [kube-system]", "excludedNamespaces: []"}}},
			MatchChange, "labels", Tightening, BumpMinor, VerdictTightening},
		{"exemption-added", map[string][][2]string{"team.yaml": {{"  exemptions:\n", "  exemptions:\n    - {policies: [tags], namespaces: [ci], reason: build images, owner: team-ci, expires: \"2099-06-01\"}\n"}}},
			ExemptionChange, "tags", Loosening, BumpPatch, VerdictLoosening},
		{"exemption-widened", map[string][][2]string{"team.yaml": {{"namespaces: [legacy]", "namespaces: [legacy, legacy-2]"}}},
			ExemptionChange, "registries", Loosening, BumpPatch, VerdictLoosening},
		{"exemption-renewed", map[string][][2]string{"team.yaml": {{`expires: "2099-01-01"`, `expires: "2099-12-31"`}}},
			ExemptionChange, "registries", Loosening, BumpPatch, VerdictLoosening},
		{"exemption-removed", map[string][][2]string{"team.yaml": {{"  exemptions:\n    - policies: [registries]\n      namespaces: [legacy]\n      reason: migrating\n      owner: team-a\n      expires: \"2099-01-01\"\n", ""}}},
			ExemptionChange, "registries", Tightening, BumpMajor, VerdictTightening},
		{"template-source", map[string][][2]string{
			"policies/demo-labels/policy.rego": {{`msg := sprintf("missing label %s", [l])`, `msg := sprintf("label %s is required", [l])`}},
			"policies/demo-labels/policy.yaml": {{"version: 1.0.0", "version: 1.0.1"}},
			"team.yaml":                        bump},
			TemplateSource, "", Unknown, BumpMinor, VerdictUnknown},
		{"template-schema", map[string][][2]string{"policies/demo-labels/policy.yaml": {{"      maxCount:\n", "      prefix:\n        type: string\n      maxCount:\n"}}},
			TemplateSchema, "", Unknown, BumpMinor, VerdictUnknown},
		{"policy-version", map[string][][2]string{"policies/demo-labels/policy.yaml": {{"version: 1.0.0", "version: 1.1.0"}}, "team.yaml": bump},
			PolicyVersion, "labels", Neutral, BumpPatch, VerdictNone},
		{"schema-annotation-only", map[string][][2]string{"policies/demo-labels/policy.yaml": {{"      labels:\n", "      labels:\n        x-edict-direction: denylist\n"}}},
			"", "", "", BumpNone, VerdictNone},
		{"no-change", nil, "", "", "", BumpNone, VerdictNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			report := Compare(Side{Origin: "old", Bundles: []*rendered.Bundle{old}}, Side{Origin: "new", Bundles: []*rendered.Bundle{build(t, tt.edits)}})
			var buf bytes.Buffer
			if err := Text(&buf, report); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".txt"), buf.Bytes())
			if report.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q", report.Verdict, tt.verdict)
			}
			if tt.kind == "" {
				if n := len(report.Initiatives[0].Changes); n != 0 || report.Bump != BumpNone {
					t.Errorf("%d changes, bump %s; want none", n, report.Bump)
				}
				return
			}
			var found *Change
			for i, c := range report.Initiatives[0].Changes {
				if c.Kind == tt.kind && c.Ref == tt.ref {
					found = &report.Initiatives[0].Changes[i]
					break
				}
			}
			if found == nil {
				t.Fatalf("no %s change for %q in %+v", tt.kind, tt.ref, report.Initiatives[0].Changes)
			}
			if found.Direction != tt.direction || found.Bump != tt.bump {
				t.Errorf("%s: direction %s bump %s, want %s %s", found.Summary, found.Direction, found.Bump, tt.direction, tt.bump)
			}
		})
	}
}

func TestEffectDirection(t *testing.T) {
	tests := []struct {
		old, new rendered.Effect
		want     Direction
	}{
		{"disabled", "audit", Tightening},
		{"audit", "warn", Tightening},
		{"warn", "deny", Tightening},
		{"disabled", "deny", Tightening},
		{"deny", "warn", Loosening},
		{"deny", "disabled", Loosening},
		{"audit", "disabled", Loosening},
		{"warn", "warn", ""},
		{"audit", "bogus", Unknown},
	}
	for _, tt := range tests {
		if got := EffectDirection(tt.old, tt.new); got != tt.want {
			t.Errorf("%s → %s: %q, want %q", tt.old, tt.new, got, tt.want)
		}
	}
}

func TestListDirection(t *testing.T) {
	tests := []struct {
		direction      string
		added, removed int
		want           Direction
	}{
		{"allowlist", 1, 0, Loosening},
		{"allowlist", 0, 1, Tightening},
		{"allowlist", 1, 1, Tightening}, // something admitted before is gone
		{"denylist", 1, 0, Tightening},
		{"denylist", 0, 1, Loosening},
		{"denylist", 1, 1, Tightening},
		{"", 1, 0, Unknown},
		{"", 0, 1, Unknown},
	}
	for _, tt := range tests {
		if got := ListDirection(tt.direction, tt.added, tt.removed); got != tt.want {
			t.Errorf("%s +%d -%d: %q, want %q", tt.direction, tt.added, tt.removed, got, tt.want)
		}
	}
}

func TestBooleanParameterDirection(t *testing.T) {
	tests := []struct {
		direction string
		old, new  bool
		want      Direction
	}{
		{"allowlist", false, true, Loosening}, // allowHostNetwork turned on
		{"allowlist", true, false, Tightening},
		{"denylist", false, true, Tightening}, // requireProfile turned on
		{"denylist", true, false, Loosening},
		{"", false, true, Unknown},
	}
	for _, tt := range tests {
		if got := compareParameter("r", "p", tt.old, tt.new, tt.direction).Direction; got != tt.want {
			t.Errorf("%s %v → %v: %q, want %q", tt.direction, tt.old, tt.new, got, tt.want)
		}
	}
}

func TestBump(t *testing.T) {
	tests := []struct {
		direction Direction
		effect    rendered.Effect
		want      Bump
	}{
		{Tightening, "deny", BumpMajor},
		{Tightening, "warn", BumpMinor},
		{Tightening, "audit", BumpMinor},
		{Tightening, "disabled", BumpPatch},
		{Unknown, "deny", BumpMajor},
		{Unknown, "audit", BumpMinor},
		{Loosening, "deny", BumpPatch},
		{Loosening, "audit", BumpPatch},
	}
	for _, tt := range tests {
		if got := bumpFor(tt.direction, tt.effect); got != tt.want {
			t.Errorf("%s on %s: %s, want %s", tt.direction, tt.effect, got, tt.want)
		}
	}
}

func TestVersionBump(t *testing.T) {
	tests := []struct {
		old, new string
		want     Bump
		next     map[Bump]string
	}{
		{"1.2.3", "2.0.0", BumpMajor, map[Bump]string{BumpMajor: "2.0.0", BumpMinor: "1.3.0", BumpPatch: "1.2.4"}},
		{"1.2.3", "1.3.0", BumpMinor, nil},
		{"1.2.3", "1.2.4", BumpPatch, nil},
		{"1.2.3", "1.2.3", BumpNone, nil},
		{"1.2.3", "1.1.9", BumpNone, nil},
		{"v1.2.3", "v1.2.4-rc.1", BumpPatch, nil},
		{"1.2", "1.3", BumpNone, nil},
	}
	for _, tt := range tests {
		if got := versionBump(tt.old, tt.new); got != tt.want {
			t.Errorf("%s → %s: %s, want %s", tt.old, tt.new, got, tt.want)
		}
		for b, want := range tt.next {
			if got := nextVersion(tt.old, b); got != want {
				t.Errorf("next %s of %s: %s, want %s", b, tt.old, got, want)
			}
		}
	}
}

// The NEW version's bump is checked against what the changes need.
func TestVersionWarning(t *testing.T) {
	old := build(t, nil)
	tighter := map[string][][2]string{"team.yaml": {{"effect: warn", "effect: deny"}}}
	for _, tt := range []struct {
		version string
		warn    bool
	}{
		{"1.0.1", true},
		{"1.1.0", true},
		{"2.0.0", false},
	} {
		edits := map[string][][2]string{"team.yaml": append(tighter["team.yaml"], [2]string{"version: 1.0.0", "version: " + tt.version})}
		in := Compare(Side{Bundles: []*rendered.Bundle{old}}, Side{Bundles: []*rendered.Bundle{build(t, edits)}}).Initiatives[0]
		if (in.Warning != "") != tt.warn {
			t.Errorf("version %s: warning %q, want warning %v", tt.version, in.Warning, tt.warn)
		}
		if tt.warn && !strings.Contains(in.Warning, "major bump (2.0.0)") {
			t.Errorf("version %s: warning %q does not suggest 2.0.0", tt.version, in.Warning)
		}
	}
}
