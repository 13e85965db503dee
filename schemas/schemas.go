// Package schemas holds the JSON Schemas of every file format edict reads.
// They are embedded so that validation needs no network, and printed by
// `edict schema KIND` so that editors can use the same rules.
package schemas

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/edict-policy/edict/formats"
)

//go:embed *.schema.json
var files embed.FS

// Kinds lists the kinds that have a schema, sorted.
func Kinds() []string {
	entries, _ := fs.ReadDir(files, ".")
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, strings.TrimSuffix(e.Name(), ".schema.json"))
	}
	sort.Strings(kinds)
	return kinds
}

// Get returns the schema of a kind; the kind is matched case-insensitively
// (Policy, policy and POLICY all work).
func Get(kind string) ([]byte, error) {
	name := strings.ToLower(kind) + ".schema.json"
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no schema for kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
	}
	return b, nil
}

// URL is the $id every edict schema carries; the name part is the lowercase kind.
func URL(kind string) string {
	return "https://edict.dev/schemas/v1alpha1/" + strings.ToLower(kind) + ".schema.json"
}

var compiled = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	RegisterFormats(c)
	for _, name := range Kinds() {
		raw, _ := Get(name)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("embedded schema %s: %w", name, err)
		}
		if err := c.AddResource(URL(name), doc); err != nil {
			return nil, fmt.Errorf("embedded schema %s: %w", name, err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, name := range Kinds() {
		s, err := c.Compile(URL(name))
		if err != nil {
			return nil, fmt.Errorf("embedded schema %s: %w", name, err)
		}
		out[name] = s
	}
	return out, nil
})

// RegisterFormats teaches a schema compiler edict's typed formats and makes
// it assert them, so a schema's `format: namespace-pattern` is checked with
// the same exact check as a policy parameter of that format.
func RegisterFormats(c *jsonschema.Compiler) {
	for _, name := range formats.Names() {
		f, _ := formats.Lookup(name)
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			s, ok := v.(string)
			if !ok {
				return nil // the type keyword reports non-strings
			}
			return f.Check(s)
		}})
	}
	c.AssertFormat()
}

// Compiled returns the compiled schema of a kind (any letter case). Every
// schema is compiled once per process, on first use.
func Compiled(kind string) (*jsonschema.Schema, error) {
	all, err := compiled()
	if err != nil {
		return nil, err
	}
	s, ok := all[strings.ToLower(kind)]
	if !ok {
		return nil, fmt.Errorf("no schema for kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
	}
	return s, nil
}

// Fields lists the property names the embedded schema of kind allows at
// path, following $ref, items and additionalProperties; it feeds "did you
// mean" hints for unknown fields.
func Fields(k string, path []string) []string {
	raw, err := Get(k)
	if err != nil {
		return nil
	}
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	node, _ := root.(map[string]any)
	deref := func(n map[string]any) map[string]any {
		for i := 0; i < 8 && n != nil; i++ {
			ref, ok := n["$ref"].(string)
			if !ok || !strings.HasPrefix(ref, "#/$defs/") {
				break
			}
			defs, _ := root.(map[string]any)["$defs"].(map[string]any)
			n, _ = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
		return n
	}
	node = deref(node)
	for _, seg := range path {
		if node == nil {
			return nil
		}
		if props, ok := node["properties"].(map[string]any); ok {
			if next, ok := props[seg].(map[string]any); ok {
				node = deref(next)
				continue
			}
		}
		if items, ok := node["items"].(map[string]any); ok {
			node = deref(items)
			continue
		}
		if ap, ok := node["additionalProperties"].(map[string]any); ok {
			node = deref(ap)
			continue
		}
		return nil
	}
	if node == nil {
		return nil
	}
	props, _ := node["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
