package compile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/edict-policy/edict/formats"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/schemas"
)

// standardFormats are the OpenAPI and Kubernetes formats a structural schema
// may carry; they pass through to the template untouched.
var standardFormats = map[string]bool{
	"int32": true, "int64": true, "float": true, "double": true, "byte": true, "binary": true,
	"date": true, "date-time": true, "datetime": true, "password": true, "uri": true, "email": true,
	"hostname": true, "ipv4": true, "ipv6": true, "cidr": true, "mac": true, "uuid": true,
	"duration": true, "bsonobjectid": true, "isbn": true, "creditcard": true, "color": true,
}

// registerFormats teaches a schema compiler edict's typed formats.
func registerFormats(c *jsonschema.Compiler) { schemas.RegisterFormats(c) }

// closedSchema returns a copy of a parameter schema in which every object
// that lists its properties allows no others. Kubernetes prunes unknown
// fields of structural schemas, so a misspelt field inside a list item would
// otherwise vanish on its way to the cluster.
func closedSchema(schema map[string]any) map[string]any {
	return rewriteSchema(schema, func(n map[string]any) {
		if _, ok := n["properties"].(map[string]any); !ok {
			return
		}
		_, explicit := n["additionalProperties"]
		_, free := n["x-kubernetes-preserve-unknown-fields"]
		if !explicit && !free {
			n["additionalProperties"] = false
		}
	})
}

// rewriteSchema returns a copy of a schema with fn applied to every
// schema node: the root, each property and each list's items.
func rewriteSchema(schema map[string]any, fn func(n map[string]any)) map[string]any {
	out := deepCopy(schema)
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		fn(n)
		if props, ok := n["properties"].(map[string]any); ok {
			for _, p := range props {
				if m, ok := p.(map[string]any); ok {
					walk(m)
				}
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(items)
		}
	}
	if out != nil {
		walk(out)
	}
	return out
}

// templateSchema is the parameter schema as the ConstraintTemplate declares
// it: edict's own formats and additionalProperties: false, which Kubernetes
// structural schemas do not accept, are left out (edict has already checked
// them at build time).
func templateSchema(p *Policy) map[string]any {
	out := ParameterSchema(p)
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if f, ok := n["format"].(string); ok && formats.IsEdict(f) {
			delete(n, "format")
		}
		if ap, ok := n["additionalProperties"].(bool); ok && !ap {
			delete(n, "additionalProperties")
		}
		if props, ok := n["properties"].(map[string]any); ok {
			for _, p := range props {
				if m, ok := p.(map[string]any); ok {
					walk(m)
				}
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(items)
		}
	}
	walk(out)
	return out
}

// checkSchemaFormats rejects a format edict does not know (it would check
// nothing) and a default that its own schema rejects.
func checkSchemaFormats(d *input.Document, schema map[string]any) error {
	var errs input.ErrorList
	var walk func(n map[string]any, p []string)
	walk = func(n map[string]any, p []string) {
		if f, ok := n["format"].(string); ok && !formats.IsEdict(f) && !standardFormats[f] {
			e := d.ErrorAt(append(append([]string{}, p...), "format"), fmt.Sprintf("unknown format %q", f), input.Suggest(f, formats.Names()))
			if e.Hint == "" {
				e.Hint = "edict checks: " + strings.Join(formats.Names(), ", ")
			}
			errs = append(errs, e)
		}
		if props, ok := n["properties"].(map[string]any); ok {
			for _, k := range slices.Sorted(maps.Keys(props)) {
				if m, ok := props[k].(map[string]any); ok {
					walk(m, append(append([]string{}, p...), "properties", k))
				}
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(items, append(append([]string{}, p...), "items"))
		}
	}
	walk(schema, []string{"spec", "parameters"})
	if len(errs) > 0 {
		return errs.Err()
	}
	ps := newParamSchema(&Policy{Spec: PolicySpec{Parameters: schema}})
	for _, name := range ps.names {
		def, ok := ps.props[name]["default"]
		if !ok {
			continue
		}
		if err := ps.validate(d, []string{"spec", "parameters", "properties", name, "default"}, name, def); err != nil {
			errs = append(errs, err.(input.ErrorList)...)
		}
	}
	return errs.Err()
}
