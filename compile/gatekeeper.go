package compile

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/engine"
)

// gatekeeperCheck loads rendered templates and constraints into Gatekeeper's
// own engine, so that anything Gatekeeper would reject (schema, Rego
// contract, parameters) fails the build instead of the cluster sync. One
// check serves a whole build: each template is compiled by the engine once,
// however many initiatives render it.
type gatekeeperCheck struct {
	eng    *engine.Engine
	loaded map[string]string // template file -> content it was loaded with
}

func checkWithGatekeeper(ctx context.Context, out *Output) error {
	return (&gatekeeperCheck{}).check(ctx, out)
}

func (g *gatekeeperCheck) check(ctx context.Context, out *Output) error {
	if g.eng == nil {
		eng, err := engine.New()
		if err != nil {
			return fmt.Errorf("start Gatekeeper engine: %w", err)
		}
		g.eng, g.loaded = eng, map[string]string{}
	}
	eng := g.eng
	for _, name := range sortedKeys(out.Files) {
		if !strings.HasPrefix(name, "templates/") || strings.HasPrefix(name, "templates/expansion.") || strings.HasSuffix(name, "kustomization.yaml") {
			continue
		}
		if g.loaded[name] == string(out.Files[name]) {
			continue
		}
		obj, err := toUnstructured(out.Files[name])
		if err != nil {
			return fmt.Errorf("%s/%s: %w", out.Name, name, err)
		}
		if err := eng.AddTemplate(ctx, obj); err != nil {
			return &Error{File: out.Name + "/" + name, Msg: "Gatekeeper rejects the template: " + err.Error()}
		}
		g.loaded[name] = string(out.Files[name])
	}
	for _, name := range sortedKeys(out.Files) {
		if !strings.HasPrefix(name, "constraints/") || strings.HasSuffix(name, "kustomization.yaml") {
			continue
		}
		obj, err := toUnstructured(out.Files[name])
		if err != nil {
			return fmt.Errorf("%s/%s: %w", out.Name, name, err)
		}
		if err := eng.AddConstraint(ctx, obj); err != nil {
			return &Error{File: out.Name + "/" + name, Msg: "Gatekeeper rejects the constraint: " + err.Error()}
		}
	}
	return nil
}

func toUnstructured(data []byte) (*unstructured.Unstructured, error) {
	obj := map[string]any{}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: obj}, nil
}

// LoadEngine starts a Gatekeeper engine holding a rendered bundle: its
// templates, its constraints and its ExpansionTemplates, ready to review
// objects the way a cluster synced from the bundle would.
func LoadEngine(ctx context.Context, out *Output, opts ...engine.Option) (*engine.Engine, error) {
	eng, err := engine.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("start Gatekeeper engine: %w", err)
	}
	var expansions, constraints []*unstructured.Unstructured
	for _, name := range sortedKeys(out.Files) {
		if strings.HasSuffix(name, "kustomization.yaml") {
			continue
		}
		obj, err := toUnstructured(out.Files[name])
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", out.Name, name, err)
		}
		switch {
		case strings.HasPrefix(name, "templates/expansion."):
			expansions = append(expansions, obj)
		case strings.HasPrefix(name, "templates/"):
			if err := eng.AddTemplate(ctx, obj); err != nil {
				return nil, fmt.Errorf("%s/%s: %w", out.Name, name, err)
			}
		case strings.HasPrefix(name, "constraints/"):
			constraints = append(constraints, obj)
		}
	}
	for _, c := range constraints {
		if err := eng.AddConstraint(ctx, c); err != nil {
			return nil, fmt.Errorf("%s: constraint %s: %w", out.Name, c.GetName(), err)
		}
	}
	if err := eng.SetExpansion(expansions); err != nil {
		return nil, fmt.Errorf("%s: %w", out.Name, err)
	}
	return eng, nil
}
