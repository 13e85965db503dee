package compile

import (
	"crypto/sha256"
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/edict-policy/edict/rendered"
)

// checkWithKustomize builds the rendered tree with kustomize, in memory, and
// checks that it yields exactly the rendered templates and constraints, so
// that `kubectl kustomize` and Flux's kustomize-controller will accept it.
//
// Templates are the same in every initiative that uses a policy, and they
// are most of a bundle's bytes (their Rego). seen, when not nil, remembers
// the templates of bundles kustomize already accepted; those enter the
// build as their header alone, which is all the count and order checks
// read. A build of many initiatives then parses each template once.
func checkWithKustomize(out *rendered.Bundle, seen map[[32]byte]bool) error {
	isTemplate := map[*rendered.Manifest]bool{}
	for _, t := range out.Templates {
		isTemplate[t.Manifest] = true
	}
	for _, m := range out.Expansions {
		isTemplate[m] = true
	}
	for _, m := range out.SyncSets {
		isTemplate[m] = true
	}
	mem := filesys.MakeFsInMemory()
	var fresh [][32]byte // templates kustomize reads in full this time
	for _, m := range out.Files() {
		p := path.Join("/bundle", m.Path)
		if err := mem.MkdirAll(path.Dir(p)); err != nil {
			return err
		}
		data := m.Data
		if isTemplate[m] && seen != nil {
			if sum := sha256.Sum256(m.Data); seen[sum] {
				data = manifestHeader(m)
			} else {
				fresh = append(fresh, sum)
			}
		}
		if err := mem.WriteFile(p, data); err != nil {
			return err
		}
	}
	want := len(out.Templates) + len(out.Expansions) + len(out.SyncSets) + len(out.Constraints)
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
	// Only a bundle kustomize accepted vouches for its templates.
	for _, sum := range fresh {
		seen[sum] = true
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

// manifestHeader is the part of a manifest kustomize's checks read: its
// apiVersion, kind and name.
func manifestHeader(m *rendered.Manifest) []byte {
	apiVersion, _ := m.Object["apiVersion"].(string)
	return fmt.Appendf(nil, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", apiVersion, m.Kind(), m.Name())
}
