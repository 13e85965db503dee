package compile

import (
	"bytes"
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
)

// gatekeeperCheck loads rendered templates and constraints into Gatekeeper's
// own engine, so that anything Gatekeeper would reject (schema, Rego
// contract, parameters) fails the build instead of the cluster sync. One
// check serves a whole build: each template is compiled by the engine once,
// however many initiatives render it.
type gatekeeperCheck struct {
	eng    *engine.Engine
	loaded map[string][]byte // template path -> the bytes it was loaded with
}

func checkWithGatekeeper(ctx context.Context, out *rendered.Bundle) error {
	return (&gatekeeperCheck{}).check(ctx, out)
}

func (g *gatekeeperCheck) check(ctx context.Context, out *rendered.Bundle) (err error) {
	if g.eng == nil {
		eng, err := engine.New()
		if err != nil {
			return fmt.Errorf("start Gatekeeper engine: %w", err)
		}
		g.eng, g.loaded = eng, map[string][]byte{}
	}
	for _, t := range out.Templates {
		if prev, ok := g.loaded[t.Path]; ok && bytes.Equal(prev, t.Data) {
			continue
		}
		if err := g.eng.AddTemplate(ctx, engine.Object(t.Manifest)); err != nil {
			return &input.Error{File: out.Name + "/" + t.Path, Msg: "Gatekeeper rejects the template: " + err.Error()}
		}
		g.loaded[t.Path] = t.Data
	}
	// The engine keeps what it accepts; a bundle's constraints are removed
	// once checked, so that a build of many initiatives does not hold all
	// of them (memory) and later bundles are judged on their own.
	var added []*unstructured.Unstructured
	defer func() {
		for _, obj := range added {
			if rerr := g.eng.RemoveConstraint(ctx, obj); rerr != nil && err == nil {
				err = rerr
			}
		}
	}()
	for _, c := range out.Constraints {
		obj := engine.Object(c.Manifest)
		if err := g.eng.AddConstraint(ctx, obj); err != nil {
			return &input.Error{File: out.Name + "/" + c.Path, Msg: "Gatekeeper rejects the constraint: " + err.Error()}
		}
		added = append(added, obj)
	}
	return nil
}
