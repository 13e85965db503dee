package compile

import (
	"reflect"
	"testing"
)

// A three-level chain: root disables a policy and adds a second use of it,
// mid's defaults turn every reference back on and exclude namespaces and
// images, leaf overrides the second use and exempts a namespace.
var provenanceRepo = map[string]string{
	"root.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: root
spec:
  version: 1.0.0
  policies:
    demo-labels:
      effect: disabled
    labels-prod:
      policy: demo-labels
      parameters:
        maxCount: 5
`,
	"mid.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: mid
spec:
  version: 1.0.0
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
    labels-prod:
      effect: deny
      match: {namespaces: [prod-*]}
      parameters:
        labels: [team]
  exemptions:
    - policies: [labels-prod]
      namespaces: [legacy]
      reason: vendor agent
      owner: team-a
      expires: "2027-01-01"
`,
}

func TestProvenance(t *testing.T) {
	cat, err := NewCatalog(repo(provenanceRepo), ".")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Resolve(repo(provenanceRepo), "leaf.yaml", cat, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	byRef := map[string]*Resolved{}
	for _, r := range plan.Refs {
		byRef[r.Ref] = r
	}
	policyFile := "policies/demo-labels/policy.yaml"
	type step struct {
		kind       OriginKind
		initiative string
		file       string
		line       int
		value      any
	}
	tests := []struct {
		ref, field string
		want       []step // every setting, the effective one last
	}{
		{"demo-labels", "effect", []step{
			{FromPolicy, "", policyFile, 11, "warn"},
			{FromReference, "root", "root.yaml", 9, "disabled"},
			{FromDefaults, "mid", "mid.yaml", 9, "audit"},
		}},
		{"demo-labels", "parameters.labels", []step{{FromPolicy, "", policyFile, 18, []any{"owner"}}}},
		{"demo-labels", "match.kinds", []step{{FromPolicy, "", policyFile, 10, []any{map[string]any{"apiGroups": []any{""}, "kinds": []any{"Pod"}}}}}},
		{"labels-prod", "effect", []step{
			{FromPolicy, "", policyFile, 11, "warn"},
			{FromDefaults, "mid", "mid.yaml", 9, "audit"},
			{FromReference, "leaf", "leaf.yaml", 10, "deny"},
		}},
		{"labels-prod", "parameters.maxCount", []step{
			{FromPolicy, "", policyFile, 22, float64(3)},
			{FromReference, "root", "root.yaml", 13, float64(5)},
		}},
		{"labels-prod", "parameters.labels", []step{
			{FromPolicy, "", policyFile, 18, []any{"owner"}},
			{FromReference, "leaf", "leaf.yaml", 13, []any{"team"}},
		}},
		{"labels-prod", "parameters.excludedImages", []step{{FromDefaults, "mid", "mid.yaml", 13, []any{"mcr.microsoft.com/*"}}}},
		{"labels-prod", "match.excludedNamespaces", []step{{FromDefaults, "mid", "mid.yaml", 11, []any{"kube-system"}}}},
		{"labels-prod", "match.namespaces", []step{{FromReference, "leaf", "leaf.yaml", 11, []any{"prod-*"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.ref+"/"+tt.field, func(t *testing.T) {
			got := byRef[tt.ref].Provenance.Fields[tt.field]
			if len(got) != len(tt.want) {
				t.Fatalf("%d settings, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				o := got[i].Origin
				if o.Kind != w.kind || o.Initiative != w.initiative || o.File != w.file || o.Line != w.line {
					t.Errorf("setting %d: origin %+v, want %s %s %s:%d", i, o, w.kind, w.initiative, w.file, w.line)
				}
				if !reflect.DeepEqual(got[i].Value, w.value) {
					t.Errorf("setting %d: value %#v, want %#v", i, got[i].Value, w.value)
				}
			}
		})
	}

	lp := byRef["labels-prod"]
	if d := lp.Provenance.Declared; d.Initiative != "root" || d.Line != 10 {
		t.Errorf("labels-prod declared at %+v, want root.yaml:10", d)
	}
	if len(lp.Provenance.Exemptions) != 1 || lp.Provenance.Exemptions[0].File != "leaf.yaml" || lp.Provenance.Exemptions[0].Line != 15 {
		t.Errorf("exemption origins %+v, want leaf.yaml:15", lp.Provenance.Exemptions)
	}
	if got := lp.Match.ExcludedNamespaces; !reflect.DeepEqual(got, []string{"kube-system", "legacy"}) {
		t.Errorf("excluded namespaces %v, want the defaults' plus the exemption's", got)
	}
	if len(byRef["demo-labels"].Provenance.Exemptions) != 0 {
		t.Errorf("demo-labels has exemptions it was not named in")
	}
}

// The provenance of built-in values names the built-in files.
func TestProvenanceBuiltin(t *testing.T) {
	cat, err := NewCatalog(nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := ResolveBuiltin("pod-security-restricted", cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Chain) < 2 {
		t.Fatalf("pod-security-restricted should extend the baseline; chain %d", len(plan.Chain))
	}
	for _, r := range plan.Refs {
		s, ok := r.Provenance.Effective("effect")
		if !ok || s.Value != string(r.Effect) {
			t.Errorf("%s: effective effect setting %+v, resolved %s", r.Ref, s, r.Effect)
		}
		if s.Origin.Kind != FromEdict && s.Origin.Line == 0 {
			t.Errorf("%s: effect origin without a line: %+v", r.Ref, s.Origin)
		}
		if r.Provenance.Declared.File == "" || r.Provenance.Declared.Line == 0 {
			t.Errorf("%s: declared at %+v", r.Ref, r.Provenance.Declared)
		}
		for k, v := range r.Parameters {
			s, ok := r.Provenance.Effective("parameters." + k)
			if !ok || !reflect.DeepEqual(s.Value, v) {
				t.Errorf("%s: parameter %s resolved %v, provenance says %+v", r.Ref, k, v, s)
			}
		}
	}
}
