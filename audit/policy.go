// Package audit reviews Kubernetes objects against rendered bundles with
// Gatekeeper's engine, as Gatekeeper's audit and gator test do, and
// compares the results with a baseline. Objects are streamed: read,
// decoded, reviewed in parallel and released, with results delivered in
// input order so that every report is deterministic.
package audit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/source"
)

// Policy is a set of bundles loaded into one Gatekeeper engine, as they
// would be synced side by side into one cluster.
type Policy struct {
	Bundles []*source.Bundle
	eng     *engine.Engine
	// refs maps a constraint (lowercase kind + "/" + name) to its reference.
	refs map[string]Reference
	// inventory is set when a template reads data.inventory, so that every
	// reviewed object must be loaded first, as gator does.
	inventory bool
	// objects are the bundles' own objects (templates, constraints,
	// expansion templates), part of gator's inventory too.
	objects []*unstructured.Unstructured
}

// Reference is what a constraint stands for in its bundle.
type Reference struct {
	Bundle     string `json:"bundle"`
	Reference  string `json:"reference"`
	Policy     string `json:"policy"`
	Constraint string `json:"constraint"`
	Kind       string `json:"kind"`
}

// Load starts one engine holding every bundle: templates (each compiled
// once, however many bundles carry it), constraints and expansion templates.
func Load(ctx context.Context, bundles []*source.Bundle) (*Policy, error) {
	eng, err := engine.New()
	if err != nil {
		return nil, err
	}
	p := &Policy{Bundles: bundles, eng: eng, refs: map[string]Reference{}}
	templates := map[string]string{}
	expansions := map[string]*unstructured.Unstructured{}
	var constraints []*unstructured.Unstructured
	for _, b := range bundles {
		out := b.Output
		for _, t := range out.Templates {
			if prev, dup := templates[t.Name()]; dup {
				if prev != string(t.Data) {
					return nil, fmt.Errorf("%s: template %s differs from the one of another bundle; audit them separately", b.Origin, t.Name())
				}
				continue
			}
			templates[t.Name()] = string(t.Data)
			obj := engine.Object(t.Manifest)
			if err := eng.AddTemplate(ctx, obj); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", b.Origin, t.Path, err)
			}
			if strings.Contains(string(t.Data), "inventory") {
				p.inventory = true
			}
			p.objects = append(p.objects, obj)
		}
		for _, m := range out.Expansions {
			obj := engine.Object(m)
			expansions[m.Name()] = obj
			p.objects = append(p.objects, obj)
		}
		for _, c := range out.Constraints {
			obj := engine.Object(c.Manifest)
			constraints = append(constraints, obj)
			p.objects = append(p.objects, obj)
		}
		for _, r := range out.Policies {
			if r.Constraint == "" {
				continue
			}
			p.refs[r.Template+"/"+r.Constraint] = Reference{Bundle: out.Name, Reference: r.Ref, Policy: r.Policy, Constraint: r.Constraint}
		}
	}
	for _, c := range constraints {
		if err := eng.AddConstraint(ctx, c); err != nil {
			return nil, err
		}
	}
	var exp []*unstructured.Unstructured
	for _, n := range slices.Sorted(maps.Keys(expansions)) {
		exp = append(exp, expansions[n])
	}
	if err := eng.SetExpansion(exp); err != nil {
		return nil, err
	}
	return p, nil
}

// NeedsInventory reports whether a template reads data.inventory.
func (p *Policy) NeedsInventory() bool { return p.inventory }

func (p *Policy) reference(v engine.Violation) Reference {
	if r, ok := p.refs[strings.ToLower(v.Kind)+"/"+v.Constraint]; ok {
		r.Kind = v.Kind
		return r
	}
	return Reference{Constraint: v.Constraint, Kind: v.Kind}
}
