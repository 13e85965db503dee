package compile

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/rendered"
)

// TestRenderedBundleEvaluates loads a rendered template and constraint into
// Gatekeeper's engine and reviews Pods, proving that library linking,
// parameters, exclusions and match survive rendering.
func TestRenderedBundleEvaluates(t *testing.T) {
	out, err := build(t, repo(map[string]string{"i.yaml": initiative(`  defaults:
    match: {excludedNamespaces: [kube-system]}
  policies:
    demo-labels:
      effect: deny
      parameters: {labels: [owner, team]}
`)}), "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng, err := engine.Load(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	pod := func(ns string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: " + ns + "\n  labels: {owner: me}\nspec:\n  containers: [{name: app, image: nginx}]\n"
	}
	for _, tc := range []struct {
		ns   string
		want int
	}{{"default", 1}, {"kube-system", 0}} {
		u, err := toUnstructured([]byte(pod(tc.ns)))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := eng.Review(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != tc.want {
			t.Fatalf("namespace %s: %d violations, want %d: %+v", tc.ns, len(vs), tc.want, vs)
		}
		if tc.want == 1 && !strings.Contains(vs[0].Msg, "missing label team") {
			t.Errorf("message %q does not come from the linked library", vs[0].Msg)
		}
	}
}

// TestGatekeeperRejectsWhatOPAAccepts: a template Gatekeeper refuses must fail
// the build with the engine's reason, not at cluster sync time.
func TestGatekeeperRejectsWhatOPAAccepts(t *testing.T) {
	out, err := build(t, repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: {}\n")}), "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Break the rendered template the way a hand edit could: the name no
	// longer matches the lowercase kind.
	tmpl := out.Templates[0]
	obj := engine.Object(tmpl.Manifest).Object
	obj["metadata"].(map[string]any)["name"] = "wrongname"
	m, err := rendered.NewManifest(tmpl.Path, obj)
	if err != nil {
		t.Fatal(err)
	}
	out.Templates[0] = &rendered.Template{Manifest: m, Policy: tmpl.Policy, ConstraintKind: tmpl.ConstraintKind}
	err = checkWithGatekeeper(context.Background(), out)
	if err == nil || !strings.Contains(err.Error(), "Gatekeeper rejects the template") {
		t.Fatalf("want Gatekeeper's rejection, got %v", err)
	}
}

func toUnstructured(data []byte) (*unstructured.Unstructured, error) {
	obj := map[string]any{}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: obj}, nil
}
