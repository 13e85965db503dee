package diff

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/resources"
	policysource "github.com/edict-policy/edict/source"
)

const againstDir = "testdata/against"

// impactOf diffs the fixture against its edited copy and audits both over
// the manifests of testdata/against.
func impactOf(t *testing.T, old, new *rendered.Bundle, limit int) *Report {
	t.Helper()
	r := Compare(Side{Origin: "old", Bundles: []*rendered.Bundle{old}}, Side{Origin: "new", Bundles: []*rendered.Bundle{new}})
	in, err := resources.Open([]string{againstDir}, nil, resources.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	err = AuditImpact(context.Background(), r,
		[]*policysource.Bundle{{Output: old, Origin: "old"}}, []*policysource.Bundle{{Output: new, Origin: "new"}},
		in, ImpactOptions{Limit: limit, Inputs: []string{againstDir}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImpact audits a realistic manifest set (a Deployment, Pods in several
// namespaces, an exempted namespace and an excluded one) against the
// fixture and one edit per kind of change, and pins the objects each
// reference newly denies, warns or audits or no longer does. The reports are
// golden files too (go test ./diff -update).
func TestImpact(t *testing.T) {
	today = func() string { return "2026-11-29" }
	old := build(t, nil)
	type delta map[string][]string // "ref group" -> objects
	tests := []struct {
		name  string
		edits map[string][][2]string
		want  delta
	}{
		{"effect-warn-to-deny", map[string][][2]string{"team.yaml": {{"effect: warn", "effect: deny"}}}, delta{
			"tags newly denied":     {"Pod prod/tool"},
			"tags no longer warned": {"Pod prod/tool"},
		}},
		{"stricter-parameter", map[string][][2]string{"team.yaml": {{`["a.example/", "b.example/"]`, `["a.example/"]`}}}, delta{
			"registries newly denied": {"Pod dev/api", "Deployment prod/web", "Pod prod/cache"},
		}},
		{"exemption-removed", map[string][][2]string{"team.yaml": {{"  exemptions:\n    - policies: [registries]\n      namespaces: [legacy]\n      reason: migrating\n      owner: team-a\n      expires: \"2099-01-01\"\n", ""}}}, delta{
			"registries newly denied": {"Pod legacy/old"},
		}},
		{"namespaces-newly-reached", map[string][][2]string{"team.yaml": {{"excludedNamespaces: [kube-system]", "excludedNamespaces: []"}}}, delta{
			"registries newly denied": {"Pod kube-system/proxy"},
			"tags newly warned":       {"Pod kube-system/proxy"},
			"labels newly audited":    {"Pod kube-system/proxy"},
		}},
		{"effect-disabled", map[string][][2]string{"team.yaml": {{"effect: audit", "effect: disabled"}}}, delta{
			"labels no longer audited": {"Pod prod/cache"},
		}},
		{"looser-parameter", map[string][][2]string{"team.yaml": {{`["a.example/", "b.example/"]`, `["a.example/", "b.example/", "c.example/"]`}}}, delta{
			"registries no longer denied": {"Pod prod/tool"},
		}},
		{"no-change", nil, delta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := impactOf(t, old, build(t, tt.edits), DefaultImpactLimit)
			got := delta{}
			for _, im := range r.Impact {
				for _, g := range im.groups() {
					if g.objects == nil {
						continue
					}
					if g.objects.Count != len(g.objects.Objects) {
						t.Errorf("%s %s: count %d for %d objects", im.Ref, g.name, g.objects.Count, len(g.objects.Objects))
					}
					for _, o := range g.objects.Objects {
						name, _, _ := strings.Cut(o, " (")
						got[im.Ref+" "+g.name] = append(got[im.Ref+" "+g.name], name)
					}
				}
			}
			if !equalDelta(got, tt.want) {
				t.Errorf("impact %v, want %v", got, tt.want)
			}
			if r.Against == nil || r.Against.Objects != 10 || r.Against.Skipped != 0 || len(r.Against.Errors) != 0 {
				t.Errorf("against %+v, want 10 objects reviewed", r.Against)
			}
			tightens := false
			for k := range tt.want {
				tightens = tightens || strings.Contains(k, " newly ")
			}
			if r.Tightens() != tightens {
				t.Errorf("Tightens() = %v, want %v", r.Tightens(), tightens)
			}
			var buf bytes.Buffer
			if err := Text(&buf, r); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "impact", tt.name+".txt"), buf.Bytes())
		})
	}
}

func equalDelta(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w := b[k]
		if len(v) != len(w) {
			return false
		}
		for i := range v {
			if v[i] != w[i] {
				return false
			}
		}
	}
	return true
}

// TestImpactFormats renders one impact in every format, with a list cut by
// the limit, against golden files.
func TestImpactFormats(t *testing.T) {
	today = func() string { return "2026-11-29" }
	r := impactOf(t, build(t, nil), build(t, map[string][][2]string{"team.yaml": {
		{`["a.example/", "b.example/"]`, `["a.example/"]`},
		{"excludedNamespaces: [kube-system]", "excludedNamespaces: []"},
	}}), 2)
	var reg *Impact
	for i := range r.Impact {
		if r.Impact[i].Ref == "registries" {
			reg = &r.Impact[i]
		}
	}
	if reg == nil || reg.NewlyDenied == nil || reg.NewlyDenied.Count != 4 || len(reg.NewlyDenied.Objects) != 2 {
		t.Fatalf("registries impact %+v: want 4 newly denied, 2 listed", reg)
	}
	for _, f := range []struct {
		ext   string
		write func(*bytes.Buffer, *Report) error
	}{
		{"txt", func(b *bytes.Buffer, r *Report) error { return Text(b, r) }},
		{"md", func(b *bytes.Buffer, r *Report) error { return Markdown(b, r) }},
		{"json", func(b *bytes.Buffer, r *Report) error { return JSON(b, r) }},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf, r); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "impact", "formats."+f.ext), buf.Bytes())
	}
}
