package rendered

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func mustManifest(t *testing.T, p string, obj map[string]any) *Manifest {
	t.Helper()
	m, err := NewManifest(p, obj)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestNewManifest: the object is kept in JSON types (what unstructured
// objects require) and the bytes are exactly what marshalling the original
// gives, so typing the model changes no rendered byte.
func TestNewManifest(t *testing.T) {
	obj := map[string]any{
		"kind":     "K",
		"metadata": map[string]any{"name": "x", "labels": map[string]string{"a": "b"}},
		"spec":     map[string]any{"n": 3, "f": 1.5, "list": []string{"a"}, "nested": []any{map[string]any{"u": uint64(7)}}, "none": nil},
	}
	m := mustManifest(t, "constraints/x.yaml", obj)
	want, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, want) {
		t.Errorf("bytes differ:\n%s\nwant\n%s", m.Data, want)
	}
	spec := m.Object["spec"].(map[string]any)
	if _, ok := spec["n"].(int64); !ok {
		t.Errorf("n is %T, want int64", spec["n"])
	}
	if _, ok := spec["list"].([]any); !ok {
		t.Errorf("list is %T, want []any", spec["list"])
	}
	if _, ok := spec["nested"].([]any)[0].(map[string]any)["u"].(int64); !ok {
		t.Errorf("nested uint64 not converted")
	}
	if m.Label("a") != "b" || m.Name() != "x" || m.Kind() != "K" {
		t.Errorf("accessors: %q %q %q", m.Label("a"), m.Name(), m.Kind())
	}
	obj["metadata"].(map[string]any)["name"] = "changed"
	if m.Name() != "x" {
		t.Error("the manifest shares its object with the caller")
	}
	if _, err := NewManifest("x.yaml", map[string]any{"bad": struct{}{}}); err == nil {
		t.Error("a value that is not JSON was accepted")
	}
}

// sample is a small bundle as the compiler would produce it.
func sample(t *testing.T) *Bundle {
	kust := func(p string, res ...any) *Manifest {
		return mustManifest(t, p, map[string]any{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": res})
	}
	b := &Bundle{
		Name: "prod", Version: "1.0.0",
		Inputs: []Input{{Path: "i.yaml", SHA256: SHA256([]byte("i"))}},
		Policies: []Reference{
			{Ref: "off", Policy: "labels", Template: "k8slabels", Effect: "disabled"},
			{Ref: "labels", Policy: "labels", Template: "k8slabels", Effect: "deny", EnforcementAction: "deny", Constraint: "prod-labels"},
		},
		Templates: []*Template{{Manifest: mustManifest(t, "templates/k8slabels.yaml", map[string]any{
			"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
			"metadata": map[string]any{"name": "k8slabels", "labels": map[string]any{LabelPolicy: "labels"}},
			"spec":     map[string]any{"crd": map[string]any{"spec": map[string]any{"names": map[string]any{"kind": "K8sLabels"}}}},
		}), Policy: "labels", ConstraintKind: "K8sLabels"}},
		Expansions: []*Manifest{mustManifest(t, "templates/expansion.w.yaml", map[string]any{
			"apiVersion": "expansion.gatekeeper.sh/v1alpha1", "kind": "ExpansionTemplate", "metadata": map[string]any{"name": "w"},
		})},
		Constraints: []*Constraint{{Manifest: mustManifest(t, "constraints/k8slabels.labels.yaml", map[string]any{
			"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sLabels",
			"metadata": map[string]any{"name": "prod-labels"},
			"spec":     map[string]any{"parameters": map[string]any{"min": 2}},
		}), Ref: "labels", Policy: "labels"}},
		Kustomizations: []*Manifest{
			kust("kustomization.yaml", "constraints", "templates"),
			kust("templates/kustomization.yaml", "expansion.w.yaml", "k8slabels.yaml"),
			kust("constraints/kustomization.yaml", "k8slabels.labels.yaml"),
		},
	}
	b.Sort()
	return b
}

func filesOf(t *testing.T, b *Bundle) map[string][]byte {
	t.Helper()
	idx, err := b.Index()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := idx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	files := b.FileMap()
	files[IndexFile] = raw
	return files
}

// TestParseRoundTrip: a bundle written out and parsed back has the same
// roles, the same bytes and the same index, to the byte.
func TestParseRoundTrip(t *testing.T) {
	b := sample(t)
	files := filesOf(t, b)
	got, err := Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Templates) != 1 || len(got.Expansions) != 1 || len(got.Constraints) != 1 || len(got.Kustomizations) != 3 {
		t.Fatalf("roles: %d/%d/%d/%d", len(got.Templates), len(got.Expansions), len(got.Constraints), len(got.Kustomizations))
	}
	if tm := got.Templates[0]; tm.Policy != "labels" || tm.ConstraintKind != "K8sLabels" {
		t.Errorf("template = %+v", tm)
	}
	if c, ok := got.Constraint("labels"); !ok || c.Policy != "labels" || c.Name() != "prod-labels" {
		t.Errorf("Constraint(labels) = %+v %v", c, ok)
	}
	if _, ok := got.Constraint("off"); ok {
		t.Error("a disabled reference has a constraint")
	}
	if r, ok := got.Lookup("K8sLabels", "prod-labels"); !ok || r.Ref != "labels" {
		t.Errorf("Lookup = %+v %v", r, ok)
	}
	if _, ok := got.Template("labels"); !ok {
		t.Error("Template(labels) not found")
	}
	again := filesOf(t, got)
	for p, data := range files {
		if !bytes.Equal(again[p], data) {
			t.Errorf("%s changed in the round trip", p)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(files map[string][]byte)
		want   string
	}{
		{"no index", func(f map[string][]byte) { delete(f, IndexFile) }, "bundle.json is missing"},
		{"bad index", func(f map[string][]byte) { f[IndexFile] = []byte(`{"kind":"Other"}`) }, "expected apiVersion"},
		{"unknown constraint", func(f map[string][]byte) {
			f["constraints/x.yaml"] = []byte("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sLabels\nmetadata: {name: other}\n")
		}, `constraint K8sLabels "other" is not listed`},
		{"unknown kind", func(f map[string][]byte) { f["templates/cm.yaml"] = []byte("apiVersion: v1\nkind: ConfigMap\n") }, `"v1" kind "ConfigMap"`},
		{"not yaml", func(f map[string][]byte) { f["templates/bad.yaml"] = []byte("a: [") }, "templates/bad.yaml: not YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := filesOf(t, sample(t))
			tc.mutate(files)
			_, err := Parse(files)
			var ie *InvalidError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want an InvalidError containing %q", err, tc.want)
			}
		})
	}
}

func TestIndexRefusesPaths(t *testing.T) {
	for _, p := range []string{"../x.yaml", "/abs.yaml", IndexFile, SignatureFile, "a//b", `a\b`, ".", "kustomization.yaml/x"} {
		t.Run(p, func(t *testing.T) {
			b := sample(t)
			b.Kustomizations = append(b.Kustomizations, &Manifest{Path: p, Data: []byte("x")})
			if _, err := b.Index(); err == nil {
				t.Fatalf("Index accepted %q", p)
			}
		})
	}
	b := sample(t)
	b.Kustomizations = append(b.Kustomizations, &Manifest{Path: "kustomization.yaml", Data: []byte("again")})
	if _, err := b.Index(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a path rendered twice: %v", err)
	}
}
