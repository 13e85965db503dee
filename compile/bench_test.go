package compile

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// BenchmarkBuildExample builds the worked example end to end: catalog,
// resolution, Rego compilation, rendering, Gatekeeper and kustomize checks.
func BenchmarkBuildExample(b *testing.B) {
	fsys := os.DirFS("../examples/contoso")
	for b.Loop() {
		bl, err := NewBuilder(fsys, ".", Options{Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bl.Build(context.Background(), "initiatives/contoso-prod.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}

// generatedRepo has n policies and m initiatives, each initiative using every
// policy with its own parameters, plus a second use of a tenth of them.
func generatedRepo(n, m int) fstest.MapFS {
	fsys := fstest.MapFS{"lib/demo.rego": {Data: []byte(demoLib)}}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("gen-policy-%03d", i)
		pol := strings.NewReplacer("name: demo-labels", "name: "+name, "DemoLabels", fmt.Sprintf("GenPolicy%03d", i)).Replace(demoPolicy)
		fsys["policies/"+name+"/policy.yaml"] = &fstest.MapFile{Data: []byte(pol)}
		fsys["policies/"+name+"/policy.rego"] = &fstest.MapFile{Data: []byte(strings.Replace(demoRego, "package demo.labels", fmt.Sprintf("package gen.p%03d", i), 1))}
	}
	for j := 0; j < m; j++ {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team-%02d\nspec:\n  version: 1.0.%d\n  defaults:\n    effect: deny\n    match: {excludedNamespaces: [kube-system]}\n  policies:\n", j, j)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "    gen-policy-%03d:\n      parameters: {labels: [owner, team-%02d], maxCount: %d}\n", i, j, i%7)
			if i%10 == 0 {
				fmt.Fprintf(&b, "    second-%03d:\n      policy: gen-policy-%03d\n      effect: warn\n      match: {namespaces: [prod-*]}\n", i, i)
			}
		}
		fsys[fmt.Sprintf("initiatives/team-%02d.yaml", j)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

// BenchmarkBuild100Policies10Initiatives builds a generated repository of
// 100 policies and 10 initiatives (1,100 constraints) with one builder, as
// `edict build` does for a folder.
func BenchmarkBuild100Policies10Initiatives(b *testing.B) {
	fsys := generatedRepo(100, 10)
	for b.Loop() {
		bl, err := NewBuilder(fsys, ".", Options{Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 10; j++ {
			if _, err := bl.Build(context.Background(), fmt.Sprintf("initiatives/team-%02d.yaml", j)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestGeneratedRepoBuilds(t *testing.T) {
	fsys := generatedRepo(12, 2)
	bl, err := NewBuilder(fsys, ".", Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	out, err := bl.Build(context.Background(), "initiatives/team-01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	constraints := len(out.Constraints)
	if constraints != 14 { // 12 policies plus second uses of policies 0 and 10
		t.Errorf("constraints = %d, want 14", constraints)
	}
}
