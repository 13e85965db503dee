package engine

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/rendered"
)

// Object returns a copy of a rendered manifest as an unstructured object; the
// framework may keep or default what it is given, and the bundle stays as
// rendered.
func Object(m *rendered.Manifest) *unstructured.Unstructured {
	return (&unstructured.Unstructured{Object: m.Object}).DeepCopy()
}

// Load starts an engine holding a rendered bundle: its templates, its
// constraints and its ExpansionTemplates, ready to review objects the way a
// cluster synced from the bundle would.
func Load(ctx context.Context, b *rendered.Bundle, opts ...Option) (*Engine, error) {
	eng, err := New(opts...)
	if err != nil {
		return nil, fmt.Errorf("start Gatekeeper engine: %w", err)
	}
	for _, t := range b.Templates {
		if err := eng.AddTemplate(ctx, Object(t.Manifest)); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", b.Name, t.Path, err)
		}
	}
	for _, c := range b.Constraints {
		if err := eng.AddConstraint(ctx, Object(c.Manifest)); err != nil {
			return nil, fmt.Errorf("%s: constraint %s: %w", b.Name, c.Name(), err)
		}
	}
	expansions := make([]*unstructured.Unstructured, len(b.Expansions))
	for i, m := range b.Expansions {
		expansions[i] = Object(m)
	}
	if err := eng.SetExpansion(expansions); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	return eng, nil
}
