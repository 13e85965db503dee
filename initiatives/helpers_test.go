package initiatives_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/rendered"
)

// builtins are the initiatives this package ships.
var builtins = []string{
	"azure-aks-deployment-safeguards",
	"azure-pod-security-baseline",
	"azure-pod-security-restricted",
	"pod-security-baseline",
	"pod-security-restricted",
}

var (
	builderOnce sync.Once
	builder     *compile.Builder
	builderErr  error
	outputs     sync.Map // name -> *rendered.Bundle
)

// build renders a built-in initiative in memory, once per test binary: the
// builder compiles each policy once and every test shares the result.
func build(t *testing.T, name string) *rendered.Bundle {
	t.Helper()
	builderOnce.Do(func() {
		builder, builderErr = compile.NewBuilder(fstest.MapFS{}, ".", compile.Options{})
	})
	if builderErr != nil {
		t.Fatalf("load the built-in catalog: %v", builderErr)
	}
	if out, ok := outputs.Load(name); ok {
		return out.(*rendered.Bundle)
	}
	out, err := builder.BuildBuiltin(context.Background(), name)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	outputs.Store(name, out)
	return out
}

// objects decodes every YAML document of data.
func objects(t *testing.T, name string, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m != nil {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
	return out
}

func workload(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile("testdata/workloads/" + file)
	if err != nil {
		t.Fatal(err)
	}
	objs := objects(t, file, data)
	if len(objs) != 1 {
		t.Fatalf("%s: want one object, got %d", file, len(objs))
	}
	return objs[0]
}

// loadEngine loads a rendered bundle into Gatekeeper's engine: templates,
// then constraints, and the ExpansionTemplates when expand is true.
func loadEngine(t *testing.T, out *rendered.Bundle, expand bool) *engine.Engine {
	t.Helper()
	eng, err := engine.Load(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if expand {
		if len(out.Expansions) == 0 {
			t.Fatalf("%s renders no ExpansionTemplates", out.Name)
		}
	} else if err := eng.SetExpansion(nil); err != nil {
		t.Fatal(err)
	}
	return eng
}

// refsOf maps violations back to the references whose constraints raised
// them, sorted and deduplicated.
func refsOf(out *rendered.Bundle, vs []engine.Violation) []string {
	byConstraint := map[string]string{}
	for _, p := range out.Policies {
		if p.Constraint != "" {
			byConstraint[p.Constraint] = p.Ref
		}
	}
	seen := map[string]bool{}
	var refs []string
	for _, v := range vs {
		ref := byConstraint[v.Constraint]
		if ref == "" {
			ref = "?" + v.Constraint
		}
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	sort.Strings(refs)
	return refs
}
