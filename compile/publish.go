package compile

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/edict-policy/edict/formats"
	"github.com/edict-policy/edict/schemas"
)

// PublishedSchema is the JSON Schema `edict schema KIND` prints. For
// initiatives it adds the parameter schema of every built-in policy, with
// edict's formats spelt as patterns, so an editor flags `memory: 2GB` or a
// misspelt field inside a list item as it is typed. Other kinds are the
// embedded schema unchanged.
func PublishedSchema(k string) ([]byte, error) {
	raw, err := schemas.Get(k)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("embedded %s schema: %w", k, err)
	}
	if !strings.EqualFold(k, "initiative") {
		return marshalSchema(formatPatterns(root))
	}
	cat, err := NewCatalog(nil, ".")
	if err != nil {
		return nil, err
	}
	policies := dig(root, "properties", "spec", "properties", "policies")
	base, _ := policies["additionalProperties"].(map[string]any)
	if policies == nil || base == nil {
		return nil, fmt.Errorf("embedded initiative schema: no spec.policies reference schema")
	}
	named := map[string]any{}
	var byPolicy []any
	for _, p := range cat.Policies() {
		params := editorSchema(closedSchema(ParameterSchema(p)))
		// A reference named after the policy uses it unless it says otherwise.
		ref := deepCopy(base)
		ref["properties"].(map[string]any)["parameters"] = params
		ref["description"] = p.Spec.Title
		named[p.Metadata.Name] = map[string]any{
			"if":   map[string]any{"required": []any{"policy"}},
			"then": base,
			"else": ref,
		}
		byPolicy = append(byPolicy, map[string]any{
			"if":   map[string]any{"required": []any{"policy"}, "properties": map[string]any{"policy": map[string]any{"const": p.Metadata.Name}}},
			"then": map[string]any{"properties": map[string]any{"parameters": params}},
		})
	}
	policies["properties"] = named
	policies["additionalProperties"] = map[string]any{"allOf": append([]any{base}, byPolicy...)}
	defs, _ := root["$defs"].(map[string]any)
	fm := map[string]any{}
	for _, n := range formats.Names() {
		f, _ := formats.Lookup(n)
		fm[n] = map[string]any{"type": "string", "pattern": f.Pattern, "description": f.Description}
		if f.MaxLength > 0 {
			fm[n].(map[string]any)["maxLength"] = f.MaxLength
		}
	}
	defs["formats"] = map[string]any{"description": "The typed formats of policy parameters.", "$defs": fm}
	return marshalSchema(formatPatterns(root))
}

func marshalSchema(root map[string]any) ([]byte, error) {
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// formatPatterns gives every edict format in the file's own schema (such as
// the namespace lists' namespace-pattern) its pattern, as editorSchema does
// for parameters: editors do not know edict's formats, and edict checks the
// format itself, so the two cannot disagree on what they accept.
func formatPatterns(n map[string]any) map[string]any {
	if name, ok := n["format"].(string); ok {
		if f, ok := formats.Lookup(name); ok {
			if _, has := n["pattern"]; !has {
				n["pattern"] = f.Pattern
			}
			if _, has := n["maxLength"]; !has && f.MaxLength > 0 {
				n["maxLength"] = f.MaxLength
			}
		}
	}
	for _, v := range n {
		switch v := v.(type) {
		case map[string]any:
			formatPatterns(v)
		case []any:
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					formatPatterns(m)
				}
			}
		}
	}
	return n
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, _ := m[k].(map[string]any)
		if next == nil {
			return nil
		}
		m = next
	}
	return m
}

// editorSchema turns a parameter schema into JSON Schema for editors: each
// edict format also gets its pattern, since editors do not know the format.
func editorSchema(s map[string]any) map[string]any {
	return rewriteSchema(s, func(n map[string]any) {
		name, ok := n["format"].(string)
		if !ok {
			return
		}
		if f, ok := formats.Lookup(name); ok {
			n["pattern"] = f.Pattern
			if f.MaxLength > 0 {
				n["maxLength"] = f.MaxLength
			}
			if d, _ := n["description"].(string); d == "" {
				n["description"] = f.Description
			}
		}
	})
}
