package lint

import (
	"os"
	"testing"

	"github.com/edict-policy/edict/compile"
)

// BenchmarkCheckExample measures linting the example's resolved initiative
// (the work build adds per initiative after resolution).
func BenchmarkCheckExample(b *testing.B) {
	repo := os.DirFS("../examples/contoso")
	cat, err := compile.NewCatalog(repo, ".")
	if err != nil {
		b.Fatal(err)
	}
	plan, err := compile.Resolve(repo, "initiatives/contoso-prod.yaml", cat, compile.Options{Now: testNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Check(plan, Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}
