package compile

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/target"
	"github.com/edict-policy/edict/version"
)

// Several initiatives in one cluster.
//
// Every initiative bundle carries the templates its constraints need, so a
// bundle works alone. Two bundles synced into one cluster would then both
// own the same cluster-scoped objects (k8sedictallowedimages,
// edict-expand-workloads): the GitOps tools fight over them, and pruning one
// bundle deletes templates the other still needs. So in a cluster with
// several initiatives, one templates bundle owns every template and
// expansion template, and each initiative bundle is synced from its
// constraints/ folder only (see bundle.FluxManifests and ArgoManifests),
// after the templates are ready.
//
// A template's name is its constraint kind, and constraints of older
// initiative bundles keep naming it, so a newer templates bundle must serve
// them: within one major version of a policy a template may change (a fix,
// a new optional parameter), and a breaking change takes a new major version
// and with it a new kind (checkKindVersion), so both majors can be served
// side by side while initiatives move. CheckServes proves with Gatekeeper's
// engine that a templates bundle accepts an initiative bundle's constraints.

var (
	bundleName    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	bundleVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// SharedTemplates makes the templates bundle name at version from
// initiative bundles and policy libraries (LibraryTemplates): every
// template and expansion template they render, once. Two bundles that render one object with different content (built
// for different Gatekeeper releases, or from different versions of a
// policy) cannot share a templates bundle, and that is an error naming
// both. Kustomize must build the result. Gatekeeper's engine is not run
// again: every template comes from a Builder, which had the engine accept it
// (Build, LibraryTemplates), and starting a second engine to compile the
// same templates again doubled the cost of a build.
func SharedTemplates(name, ver string, outs []*rendered.Bundle, libs ...*rendered.Bundle) (*rendered.Bundle, error) {
	if !bundleName.MatchString(name) {
		return nil, &input.Error{Field: "templates bundle name", Msg: fmt.Sprintf("%q is not a lowercase DNS label", name), Hint: "for example policy-templates"}
	}
	if !bundleVersion.MatchString(ver) {
		return nil, &input.Error{Field: "templates bundle version", Msg: fmt.Sprintf("%q is not a semantic version", ver), Hint: "for example 1.4.0"}
	}
	if len(outs) == 0 {
		return nil, &input.Error{Field: "templates bundle", Msg: "no initiative bundles to collect templates from"}
	}
	type owned struct {
		m     *rendered.Manifest
		tmpl  *rendered.Template // nil for an expansion template
		owner *rendered.Bundle
	}
	byPath := map[string]owned{}
	var errs input.ErrorList
	add := func(out *rendered.Bundle, m *rendered.Manifest, t *rendered.Template) {
		prev, ok := byPath[m.Path]
		if !ok {
			byPath[m.Path] = owned{m, t, out}
			return
		}
		if bytes.Equal(prev.m.Data, m.Data) {
			return
		}
		errs = append(errs, &input.Error{
			File:  out.Name + "/" + m.Path,
			Field: m.Kind() + " " + m.Name(),
			Msg: fmt.Sprintf("differs from the one bundle %s renders (%s); one cluster can hold only one",
				prev.owner.Name, differenceOf(prev.owner, out, prev.m, m)),
			Hint: "build the initiatives of one templates bundle from one repository version and for one Gatekeeper release: pass --gatekeeper",
		})
	}
	minimum := target.Oldest
	for _, out := range append(slices.Clone(outs), libs...) {
		if out.Contents != "" {
			return nil, &input.Error{File: out.Name, Msg: "is a templates bundle, not an initiative's"}
		}
		for _, t := range out.Templates {
			add(out, t.Manifest, t)
		}
		for _, m := range out.Expansions {
			add(out, m, nil)
		}
		for _, m := range out.SyncSets {
			add(out, m, nil)
		}
		if g, err := target.Parse(out.Gatekeeper); err == nil {
			minimum = target.Max(minimum, g)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	shared := &rendered.Bundle{
		Name:         name,
		Version:      ver,
		Contents:     rendered.ContentsTemplates,
		Gatekeeper:   minimum.String(),
		EdictVersion: version.Get().Version,
		Description:  "Templates shared by " + describeServed(outs),
	}
	inputs := map[string]string{}
	for _, l := range libs {
		shared.Warnings = append(shared.Warnings, l.Warnings...)
		for _, in := range l.Inputs {
			inputs[in.Path] = in.SHA256
		}
	}
	var files []string
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		o := byPath[p]
		switch {
		case o.tmpl != nil:
			shared.Templates = append(shared.Templates, o.tmpl)
		case o.m.Kind() == "SyncSet":
			shared.SyncSets = append(shared.SyncSets, o.m)
		default:
			shared.Expansions = append(shared.Expansions, o.m)
		}
		files = append(files, path.Base(p))
	}
	// Each served initiative is recorded by what it needed from the
	// templates bundle, not by its own index: a change of its parameters
	// leaves the templates bundle byte-identical.
	for _, out := range outs {
		inputs["initiative:"+out.Name] = servedDigest(out)
	}
	for _, p := range slices.Sorted(maps.Keys(inputs)) {
		shared.Inputs = append(shared.Inputs, rendered.Input{Path: p, SHA256: inputs[p]})
	}
	root := kustomization(nil)
	root["resources"] = []any{"templates"}
	for _, k := range []struct {
		file string
		obj  map[string]any
	}{
		{"kustomization.yaml", root},
		{"templates/kustomization.yaml", kustomization(files)},
	} {
		m, err := rendered.NewManifest(k.file, k.obj)
		if err != nil {
			return nil, err
		}
		shared.Kustomizations = append(shared.Kustomizations, m)
	}
	shared.Sort()
	if err := checkWithKustomize(shared, nil); err != nil {
		return nil, err
	}
	return shared, nil
}

// servedDigest identifies what a served initiative asked of the templates
// bundle: the digests of its template files. An initiative whose
// parameters change but whose templates do not leaves the templates
// bundle byte-identical.
func servedDigest(out *rendered.Bundle) string {
	var b strings.Builder
	for _, t := range out.Templates {
		fmt.Fprintf(&b, "%s %s\n", t.Path, rendered.SHA256(t.Data))
	}
	for _, m := range append(slices.Clone(out.Expansions), out.SyncSets...) {
		fmt.Fprintf(&b, "%s %s\n", m.Path, rendered.SHA256(m.Data))
	}
	return rendered.SHA256([]byte(b.String()))
}

func describeServed(outs []*rendered.Bundle) string {
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// differenceOf says why two renderings of one object differ, in the terms a
// user can act on.
func differenceOf(a, b *rendered.Bundle, ma, mb *rendered.Manifest) string {
	va := nestedAnnotation(ma, "metadata.gatekeeper.sh/version")
	vb := nestedAnnotation(mb, "metadata.gatekeeper.sh/version")
	switch {
	case va != vb:
		return fmt.Sprintf("policy version %s there, %s here", va, vb)
	case a.Gatekeeper != b.Gatekeeper:
		return fmt.Sprintf("built for Gatekeeper %s there, %s here", a.Gatekeeper, b.Gatekeeper)
	default:
		return "same policy version, different content"
	}
}

func nestedAnnotation(m *rendered.Manifest, key string) string {
	md, _ := m.Object["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	s, _ := ann[key].(string)
	return s
}

// CheckServes proves that a templates bundle serves initiative bundles in
// one cluster: Gatekeeper's engine, loaded with the templates bundle's
// templates, accepts every constraint of each initiative (its kind exists
// and its parameters fit the template's schema). Use it when an initiative
// was built from an older repository version than the templates. Only the
// templates the constraints name are compiled, each once for all the
// initiatives.
func CheckServes(ctx context.Context, templates *rendered.Bundle, initiatives ...*rendered.Bundle) error {
	if templates.Contents != rendered.ContentsTemplates {
		return &input.Error{File: templates.Name, Msg: "is not a templates bundle"}
	}
	byKind := map[string]*rendered.Template{}
	for _, t := range templates.Templates {
		byKind[t.ConstraintKind] = t
	}
	eng, err := engine.New()
	if err != nil {
		return fmt.Errorf("start Gatekeeper engine: %w", err)
	}
	loaded := map[string]bool{}
	var errs input.ErrorList
	for _, initiative := range initiatives {
		for _, c := range initiative.Constraints {
			where := initiative.Name + "/" + c.Path
			t, ok := byKind[c.Kind()]
			if !ok {
				errs = append(errs, &input.Error{File: where, Msg: fmt.Sprintf("templates bundle %s %s has no template for kind %s", templates.Name, templates.Version, c.Kind()),
					Hint: "build the templates bundle from the repository that holds the policy; after a major version bump, keep the previous major as its own policy folder until no initiative uses it"})
				continue
			}
			if !loaded[t.Path] {
				if err := eng.AddTemplate(ctx, engine.Object(t.Manifest)); err != nil {
					return &input.Error{File: templates.Name + "/" + t.Path, Msg: "Gatekeeper rejects the template: " + err.Error()}
				}
				loaded[t.Path] = true
			}
			if err := eng.AddConstraint(ctx, engine.Object(c.Manifest)); err != nil {
				errs = append(errs, &input.Error{File: where, Msg: fmt.Sprintf("templates bundle %s %s does not accept the constraint: %v", templates.Name, templates.Version, err)})
			}
		}
	}
	return errs.Err()
}

// LibraryTemplates renders the template of every policy the builder knows,
// the repository's and the built-in ones, for release t (the default when
// zero), with the expansion templates: the policy library of this
// repository version. Given to SharedTemplates with the initiative bundles,
// it makes a templates bundle that also serves initiatives built from
// earlier versions of the repository, as long as the policies they use are
// still in it at the same major version. A built-in policy that cannot run
// on t is left out with a warning; no initiative built for t can use it.
// Gatekeeper's engine accepts every template, as in Build (templates the
// builder's engine already holds are not compiled again).
func (b *Builder) LibraryTemplates(ctx context.Context, t target.Gatekeeper) (*rendered.Bundle, error) {
	if t == (target.Gatekeeper{}) {
		t = target.Default
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	lib := &rendered.Bundle{Name: "the policy library"}
	minimum := target.Oldest
	if t.Has(target.RegoV1) {
		minimum = target.RegoV1.Since
	}
	inputs := map[string][]byte{}
	var errs input.ErrorList
	for _, name := range b.cat.Names() {
		cp, err := b.cat.Compile(name)
		if err != nil {
			errs = errs.Append(err)
			continue
		}
		ft, terrs := b.templateFor(cp, t)
		if len(terrs) > 0 {
			if cp.BuiltIn {
				lib.Warnings = append(lib.Warnings, fmt.Sprintf("built-in policy %s is not in the templates bundle: it cannot run on Gatekeeper %s", name, t))
				continue
			}
			errs = append(errs, terrs...)
			continue
		}
		lib.Templates = append(lib.Templates, ft.Template)
		minimum = target.Max(minimum, ft.needs)
		addPolicyInputs(inputs, cp)
		sync, err := syncSetFor(cp.Policy)
		if err != nil {
			return nil, err
		}
		if sync != nil {
			lib.SyncSets = append(lib.SyncSets, sync)
		}
	}
	lib.Gatekeeper = minimum.String()
	for _, p := range slices.Sorted(maps.Keys(inputs)) {
		lib.Inputs = append(lib.Inputs, rendered.Input{Path: p, SHA256: rendered.SHA256(inputs[p])})
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	exps, err := expansionManifests()
	if err != nil {
		return nil, err
	}
	lib.Expansions = exps
	lib.Sort()
	b.gkmu.Lock()
	err = b.gk.check(ctx, lib)
	b.gkmu.Unlock()
	if err != nil {
		return nil, err
	}
	return lib, nil
}
