package compile

import (
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/edict-policy/edict/rendered"
)

// checkWithKustomize builds the rendered tree with kustomize, in memory, and
// checks that it yields exactly the rendered templates and constraints, so
// that `kubectl kustomize` and Flux's kustomize-controller will accept it.
func checkWithKustomize(out *rendered.Bundle) error {
	mem := filesys.MakeFsInMemory()
	for _, m := range out.Files() {
		p := path.Join("/bundle", m.Path)
		if err := mem.MkdirAll(path.Dir(p)); err != nil {
			return err
		}
		if err := mem.WriteFile(p, m.Data); err != nil {
			return err
		}
	}
	want := len(out.Templates) + len(out.Expansions) + len(out.Constraints)
	k := krusty.MakeKustomizer(kustomizeOptions())
	res, err := k.Run(mem, "/bundle")
	if err != nil {
		return fmt.Errorf("kustomize rejected the rendered bundle %s: %w", out.Name, err)
	}
	if got := res.Size(); got != want {
		return fmt.Errorf("kustomize built %d resources from bundle %s, expected %d", got, out.Name, want)
	}
	// Templates (and expansion templates) first: a constraint applied before
	// its template has no CRD yet and is rejected.
	lastTemplate, firstConstraint := -1, -1
	for i, r := range res.Resources() {
		if r.GetGvk().Group == rendered.ConstraintGroup {
			if firstConstraint < 0 {
				firstConstraint = i
			}
		} else {
			lastTemplate = i
		}
	}
	if firstConstraint >= 0 && lastTemplate > firstConstraint {
		return fmt.Errorf("kustomize emits a constraint of bundle %s before its templates", out.Name)
	}
	return nil
}

// kustomizeOptions are kustomize's defaults with the reorder flag left
// unset, as kubectl leaves it: the bundle's own sortOptions then decide the
// order, and kustomize does not log a warning that the flag was overridden.
func kustomizeOptions() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionUnspecified
	return o
}
