package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/edict-policy/edict/input"
)

// Names of the parameters edict adds to policies that honour exclusions.
const (
	paramExcludedImages     = "excludedImages"
	paramExcludedContainers = "excludedContainers"
)

func supports(p *Policy, exclusion string) bool {
	for _, e := range p.Spec.Exclusions {
		if e == exclusion {
			return true
		}
	}
	return false
}

// ParameterSchema is the constraint parameter schema the template declares:
// the policy's own parameters plus those of the exclusions it honours.
func ParameterSchema(p *Policy) map[string]any {
	schema := deepCopy(p.Spec.Parameters)
	if schema == nil {
		schema = map[string]any{"type": "object"}
	}
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	strList := func(desc string) map[string]any {
		return map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string"}}
	}
	if supports(p, "images") {
		props[paramExcludedImages] = strList("Images the policy ignores; a trailing * matches any image with that prefix.")
	}
	if supports(p, "containers") {
		props[paramExcludedContainers] = strList("Container names the policy ignores.")
	}
	if len(props) > 0 {
		schema["properties"] = props
	}
	return schema
}

// paramSchema is a policy's parameter schema prepared once for resolution:
// the property schemas, their names, and one compiled validator per
// property, all made from a single compiler run. Resolving an extends chain
// validates many values against the same policy; before, each value at each
// level compiled its schema again.
type paramSchema struct {
	props    map[string]map[string]any
	names    []string
	compiled map[string]*jsonschema.Schema
	err      error // why the schema does not compile; reported at each value
}

func newParamSchema(p *Policy) *paramSchema {
	ps := &paramSchema{props: map[string]map[string]any{}, compiled: map[string]*jsonschema.Schema{}}
	all, _ := ParameterSchema(p)["properties"].(map[string]any)
	ps.names = slices.Sorted(maps.Keys(all))
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	registerFormats(c)
	// Resources are named by index: property names need no URL escaping then.
	for i, name := range ps.names {
		s, ok := all[name].(map[string]any)
		if !ok {
			continue
		}
		ps.props[name] = s
		raw, err := json.Marshal(closedSchema(s))
		if err == nil {
			var doc any
			if doc, err = jsonschema.UnmarshalJSON(bytes.NewReader(raw)); err == nil {
				err = c.AddResource(fmt.Sprintf("param/%d.json", i), doc)
			}
		}
		if err != nil && ps.err == nil {
			ps.err = err
		}
	}
	if ps.err != nil {
		return ps
	}
	for i, name := range ps.names {
		if _, ok := ps.props[name]; !ok {
			continue
		}
		s, err := c.Compile(fmt.Sprintf("param/%d.json", i))
		if err != nil {
			ps.err = err
			return ps
		}
		ps.compiled[name] = s
	}
	return ps
}

// paramSchemas caches one paramSchema per policy of a catalog.
type paramSchemas struct {
	mu sync.Mutex
	m  map[*Policy]*paramSchema
}

func (c *paramSchemas) get(p *Policy) *paramSchema {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.m[p]; ok {
		return ps
	}
	if c.m == nil {
		c.m = map[*Policy]*paramSchema{}
	}
	ps := newParamSchema(p)
	c.m[p] = ps
	return ps
}

// parameterDefaults collects the default of every top-level parameter.
func parameterDefaults(p *Policy) map[string]any {
	out := map[string]any{}
	props, _ := p.Spec.Parameters["properties"].(map[string]any)
	for name, s := range props {
		if m, ok := s.(map[string]any); ok {
			if d, ok := m["default"]; ok {
				out[name] = deepCopyValue(d)
			}
		}
	}
	return out
}

// validate checks one parameter value against its OpenAPI schema, treated as
// JSON Schema (structural schemas are a subset).
func (ps *paramSchema) validate(d *input.Document, field []string, name string, value any) error {
	if ps.err != nil {
		return input.ErrorList{d.ErrorAt(field, "parameter schema: "+ps.err.Error(), "")}
	}
	s, ok := ps.compiled[name]
	if !ok {
		return input.ErrorList{d.ErrorAt(field, "parameter schema: not an object", "")}
	}
	schema := ps.props[name]
	known := func(p []string) []string {
		n := schema
		for _, seg := range p[len(field):] {
			if props, ok := n["properties"].(map[string]any); ok {
				if next, ok := props[seg].(map[string]any); ok {
					n = next
					continue
				}
			}
			if items, ok := n["items"].(map[string]any); ok {
				n = items
				continue
			}
			return nil
		}
		props, _ := n["properties"].(map[string]any)
		return slices.Sorted(maps.Keys(props))
	}
	if err := input.SchemaErrors(d, field, s.Validate(normalize(value)), known); err != nil {
		if l, ok := err.(input.ErrorList); ok {
			return l
		}
		if e, ok := err.(*input.Error); ok {
			return input.ErrorList{e}
		}
		return input.ErrorList{d.ErrorAt(field, err.Error(), "")}
	}
	return nil
}

// normalize makes decoded JSON numbers acceptable to the validator.
func normalize(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return v
	}
	return out
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopyValue(m).(map[string]any)
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopyValue(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopyValue(x)
		}
		return out
	}
	return v
}
