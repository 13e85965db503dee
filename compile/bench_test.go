package compile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
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
// `edict build` does for a folder: Workers() initiatives at a time.
func BenchmarkBuild100Policies10Initiatives(b *testing.B) {
	benchmarkBuild(b, 100, 10)
}

// BenchmarkBuildCurve gives the build's growth with policies x initiatives.
func BenchmarkBuildCurve(b *testing.B) {
	for _, s := range []struct{ n, m int }{{10, 10}, {100, 10}, {100, 50}} {
		b.Run(fmt.Sprintf("%dx%d", s.n, s.m), func(b *testing.B) { benchmarkBuild(b, s.n, s.m) })
	}
}

func benchmarkBuild(b *testing.B, n, m int) {
	fsys := benchrepo.Generate(n, m)
	for b.Loop() {
		bl, err := NewBuilder(fsys, ".", Options{Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, m)
		slots := make(chan struct{}, Workers())
		for j := range m {
			wg.Add(1)
			slots <- struct{}{}
			go func() {
				defer func() { <-slots; wg.Done() }()
				_, errs[j] = bl.Build(context.Background(), benchrepo.Initiative(j))
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
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
