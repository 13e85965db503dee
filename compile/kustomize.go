package compile

import (
	"bytes"
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
// What kustomize decides from a manifest is its header (apiVersion, kind,
// name: ids, duplicates, count, order) and whether its bytes read as one
// object. Templates are the same in every initiative that uses a policy,
// and they are most of a bundle's bytes (their Rego). seen, when not nil,
// remembers the templates of bundles kustomize already accepted; those
// enter the build as their header alone. Constraints always do: each is
// one mapping marshalled from its object, so the header is all kustomize
// could read differently, and oneDocument checks the rest. A build of many
// initiatives then parses each template once and no constraint body.
func checkWithKustomize(out *rendered.Bundle, seen templateRecord) error {
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
	isConstraint := map[*rendered.Manifest]bool{}
	for _, c := range out.Constraints {
		isConstraint[c.Manifest] = true
	}
	mem := filesys.MakeFsInMemory()
	var fresh [][32]byte // templates kustomize reads in full this time
	for _, m := range out.Files() {
		p := path.Join("/bundle", m.Path)
		if err := mem.MkdirAll(path.Dir(p)); err != nil {
			return err
		}
		data := m.Data
		switch {
		case isTemplate[m] && seen != nil:
			if sum := sha256.Sum256(m.Data); seen.seen(sum) {
				data = manifestHeader(m)
			} else {
				fresh = append(fresh, sum)
			}
		case isConstraint[m]:
			if !oneDocument(m.Data) {
				return fmt.Errorf("kustomize would read constraint %s of bundle %s as several documents", m.Path, out.Name)
			}
			data = manifestHeader(m)
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
	if seen != nil {
		seen.add(fresh)
	}
	return nil
}

// templateRecord remembers the templates kustomize accepted.
type templateRecord interface {
	seen(sum [32]byte) bool
	add(sums [][32]byte)
}

// templateSet is a templateRecord for one goroutine.
type templateSet map[[32]byte]bool

func (s templateSet) seen(sum [32]byte) bool { return s[sum] }
func (s templateSet) add(sums [][32]byte) {
	for _, sum := range sums {
		s[sum] = true
	}
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

// oneDocument reports whether data holds a single YAML document: no line
// starts a new one ("---") or ends one ("...") at the left margin, where
// neither can be part of a value of the mapping edict marshals.
func oneDocument(data []byte) bool {
	for line := range bytes.Lines(data) {
		for _, marker := range [][]byte{[]byte("---"), []byte("...")} {
			if rest, ok := bytes.CutPrefix(line, marker); ok && (len(bytes.TrimSpace(rest)) == 0 || rest[0] == ' ' || rest[0] == '\t') {
				return false
			}
		}
	}
	return true
}
