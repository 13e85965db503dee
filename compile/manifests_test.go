package compile

import (
	"bytes"
	"log"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/rendered"
)

// TestTemplatesShowRegoAsBlocks builds a repository and checks that each
// template's Rego and libs are literal blocks that read back byte for byte,
// not escaped one-line strings.
func TestTemplatesShowRegoAsBlocks(t *testing.T) {
	fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n")})
	b, err := build(t, fsys, "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Templates) != 1 {
		t.Fatalf("%d templates", len(b.Templates))
	}
	data := string(b.Templates[0].Data)
	for _, want := range []string{"        rego: |\n          package ", "        libs:\n        - |\n          package lib.demo\n"} {
		if !strings.Contains(data, want) {
			t.Errorf("template lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(data, `\n`) || strings.Contains(data, `\"msg\"`) {
		t.Errorf("template still carries escaped Rego:\n%s", data)
	}
	var back struct {
		Spec struct {
			Targets []struct {
				Code []struct {
					Source struct {
						Rego string   `json:"rego"`
						Libs []string `json:"libs"`
					} `json:"source"`
				} `json:"code"`
			} `json:"targets"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b.Templates[0].Data, &back); err != nil {
		t.Fatal(err)
	}
	src := back.Spec.Targets[0].Code[0].Source
	if !strings.Contains(src.Rego, `violation contains {"msg": msg} if {`+"\n\tsome l in input.parameters.labels") {
		t.Errorf("Rego read back as %q", src.Rego)
	}
	if len(src.Libs) != 1 || !strings.HasPrefix(src.Libs[0], "package lib.demo\n") {
		t.Errorf("libs read back as %q", src.Libs)
	}
}

// TestRootKustomizationOrdersTemplatesFirst checks the root kustomization
// and that the build's kustomize check refuses a bundle whose kustomize
// output would put a constraint before the templates.
func TestRootKustomizationOrdersTemplatesFirst(t *testing.T) {
	fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n")})
	b, err := build(t, fsys, "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var root *rendered.Manifest
	for _, k := range b.Kustomizations {
		if k.Path == "kustomization.yaml" {
			root = k
		}
	}
	if root == nil {
		t.Fatal("no root kustomization")
	}
	want := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- templates\n- constraints\nsortOptions:\n  order: fifo\n"
	if string(root.Data) != want {
		t.Errorf("root kustomization:\n%s\nwant:\n%s", root.Data, want)
	}
	// kustomize logs through the standard logger; a build must not print
	// its warnings into edict's output.
	var logged bytes.Buffer
	log.SetOutput(&logged)
	err = checkWithKustomize(b, nil)
	log.SetOutput(os.Stderr)
	if err != nil {
		t.Fatalf("the built bundle fails its own check: %v", err)
	}
	if logged.Len() > 0 {
		t.Errorf("the kustomize check logged: %s", logged.String())
	}

	// The previous layout: sorted resources and kustomize's legacy order.
	old, err := rendered.NewManifest("kustomization.yaml", kustomization([]string{"templates", "constraints"}))
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range b.Kustomizations {
		if k.Path == "kustomization.yaml" {
			b.Kustomizations[i] = old
		}
	}
	if err := checkWithKustomize(b, nil); err == nil || !strings.Contains(err.Error(), "before its templates") {
		t.Errorf("a constraint-first bundle passed the kustomize check: %v", err)
	}
}

// TestKustomizeCheckReadsEachTemplateOnce: a template kustomize already
// read is checked by its header alone in later bundles, and a template
// kustomize cannot read as one object still fails the check.
func TestKustomizeCheckReadsEachTemplateOnce(t *testing.T) {
	fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n")})
	b, err := build(t, fsys, "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := templateSet{}
	for range 2 {
		if err := checkWithKustomize(b, seen); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != len(b.Templates)+len(b.Expansions) {
		t.Errorf("%d templates remembered, want %d", len(seen), len(b.Templates)+len(b.Expansions))
	}
	broken := *b.Templates[0].Manifest
	broken.Data = append(append([]byte{}, broken.Data...), []byte("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n")...)
	b.Templates[0] = &rendered.Template{Manifest: &broken, Policy: b.Templates[0].Policy, ConstraintKind: b.Templates[0].ConstraintKind}
	if err := checkWithKustomize(b, seen); err == nil || !strings.Contains(err.Error(), "expected") {
		t.Errorf("a template that reads as two objects passed: %v", err)
	}
}

// TestKustomizeCheckConstraints: constraints enter kustomize as their
// header, so what it still refuses (a duplicate id) and what only their
// bytes show (a second document) must fail the check.
func TestKustomizeCheckConstraints(t *testing.T) {
	fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n    second:\n      policy: demo-labels\n")})
	tests := []struct {
		name   string
		mutate func(b *rendered.Bundle)
		want   string
	}{
		{"as built", func(*rendered.Bundle) {}, ""},
		{"a second document", func(b *rendered.Bundle) {
			c := *b.Constraints[0].Manifest
			c.Data = append(append([]byte{}, c.Data...), "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n"...)
			b.Constraints[0] = &rendered.Constraint{Manifest: &c}
		}, "several documents"},
		{"a document end", func(b *rendered.Bundle) {
			c := *b.Constraints[0].Manifest
			c.Data = append(append([]byte{}, c.Data...), "...\n"...)
			b.Constraints[0] = &rendered.Constraint{Manifest: &c}
		}, "several documents"},
		{"two constraints with one name", func(b *rendered.Bundle) {
			c := *b.Constraints[1].Manifest
			c.Object = b.Constraints[0].Object
			b.Constraints[1] = &rendered.Constraint{Manifest: &c}
		}, "kustomize rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := build(t, fsys, "i.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Constraints) != 2 {
				t.Fatalf("%d constraints, want 2", len(b.Constraints))
			}
			tt.mutate(b)
			err = checkWithKustomize(b, templateSet{})
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("check = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestOneDocument(t *testing.T) {
	tests := []struct {
		data string
		want bool
	}{
		{"kind: A\nspec:\n  x: |\n    ---\n    ...\n", true},
		{"kind: A\nname: ---x\n", true},
		{"---x: 1\n", true},
		{"kind: A\n---\nkind: B\n", false},
		{"kind: A\n--- \n", false},
		{"kind: A\n...\n", false},
		{"kind: A\n--- # next\nkind: B\n", false},
	}
	for _, tt := range tests {
		if got := oneDocument([]byte(tt.data)); got != tt.want {
			t.Errorf("oneDocument(%q) = %v, want %v", tt.data, got, tt.want)
		}
	}
}
