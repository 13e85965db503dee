package compile

import (
	"context"
	"os"
	"testing"

	"github.com/edict-policy/edict/internal/benchrepo"
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

// BenchmarkBuild100Policies10Initiatives builds a generated repository of
// 100 policies and 10 initiatives (1,100 constraints) with one builder, as
// `edict build` does for a folder.
func BenchmarkBuild100Policies10Initiatives(b *testing.B) {
	fsys := benchrepo.Generate(100, 10)
	for b.Loop() {
		bl, err := NewBuilder(fsys, ".", Options{Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 10; j++ {
			if _, err := bl.Build(context.Background(), benchrepo.Initiative(j)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestGeneratedRepoBuilds(t *testing.T) {
	fsys := benchrepo.Generate(12, 2)
	bl, err := NewBuilder(fsys, ".", Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	out, err := bl.Build(context.Background(), benchrepo.Initiative(1))
	if err != nil {
		t.Fatal(err)
	}
	constraints := len(out.Constraints)
	if constraints != 14 || benchrepo.Constraints(12) != 14 { // 12 policies plus second uses of policies 0 and 10
		t.Errorf("constraints = %d, benchrepo.Constraints(12) = %d, want 14", constraints, benchrepo.Constraints(12))
	}
}
