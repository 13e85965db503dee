package compile

import (
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// checkWithKustomize builds the rendered tree with kustomize, in memory, and
// checks that it yields exactly the rendered templates and constraints, so
// that `kubectl kustomize` and Flux's kustomize-controller will accept it.
func checkWithKustomize(out *Output) error {
	mem := filesys.MakeFsInMemory()
	want := 0
	for name, data := range out.Files {
		p := path.Join("/bundle", name)
		if err := mem.MkdirAll(path.Dir(p)); err != nil {
			return err
		}
		if err := mem.WriteFile(p, data); err != nil {
			return err
		}
		if path.Base(name) != "kustomization.yaml" {
			want++
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(mem, "/bundle")
	if err != nil {
		return fmt.Errorf("kustomize rejected the rendered bundle %s: %w", out.Name, err)
	}
	if got := res.Size(); got != want {
		return fmt.Errorf("kustomize built %d resources from bundle %s, expected %d", got, out.Name, want)
	}
	return nil
}
