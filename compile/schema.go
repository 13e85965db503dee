package compile

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/edict-policy/edict/schemas"
)

var (
	schemaOnce  sync.Once
	schemaCache map[string]*jsonschema.Schema
	schemaErr   error
	printer     = message.NewPrinter(language.English)
)

func kindSchema(k string) (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		schemaCache = map[string]*jsonschema.Schema{}
		c := jsonschema.NewCompiler()
		for _, name := range schemas.Kinds() {
			raw, _ := schemas.Get(name)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				schemaErr = fmt.Errorf("embedded schema %s: %w", name, err)
				return
			}
			if err := c.AddResource(schemas.URL(name), doc); err != nil {
				schemaErr = fmt.Errorf("embedded schema %s: %w", name, err)
				return
			}
		}
		for _, name := range schemas.Kinds() {
			s, err := c.Compile(schemas.URL(name))
			if err != nil {
				schemaErr = fmt.Errorf("embedded schema %s: %w", name, err)
				return
			}
			schemaCache[name] = s
		}
	})
	if schemaErr != nil {
		return nil, schemaErr
	}
	s, ok := schemaCache[strings.ToLower(k)]
	if !ok {
		return nil, fmt.Errorf("no schema for kind %s", k)
	}
	return s, nil
}

// validateKind checks a document against the embedded schema of its kind and
// returns every leaf problem as a positioned Error.
func validateKind(d *document, k string) error {
	s, err := kindSchema(k)
	if err != nil {
		return err
	}
	return schemaErrors(d, nil, s.Validate(d.value), nil)
}

// schemaErrors converts a jsonschema validation error into positioned
// Errors. base is prepended to instance locations (for values validated on
// their own, such as one policy's parameters); known supplies candidate names
// for "did you mean" hints on unknown properties.
func schemaErrors(d *document, base []string, err error, known func(path []string) []string) error {
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err
	}
	var out ErrorList
	seen := map[string]bool{}
	for _, leaf := range leaves(ve) {
		path := append(append([]string{}, base...), leaf.InstanceLocation...)
		var e *Error
		switch k := leaf.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				fieldPath := append(append([]string{}, path...), p)
				var candidates []string
				if known != nil {
					candidates = known(path)
				}
				e = d.keyErrorAt(fieldPath, "unknown field", suggest(p, candidates))
				if e.Hint == "" && len(candidates) > 0 {
					e.Hint = "expected one of: " + strings.Join(candidates, ", ")
				}
				if !seen[e.Error()] {
					seen[e.Error()] = true
					out = append(out, e)
				}
			}
			continue
		case *kind.Required:
			e = d.errorAt(path, "missing required field(s): "+strings.Join(k.Missing, ", "), "")
		case *kind.Const:
			e = d.errorAt(path, fmt.Sprintf("expected %v", k.Want), "")
		case *kind.Enum:
			want := make([]string, len(k.Want))
			for i, w := range k.Want {
				want[i] = fmt.Sprint(w)
			}
			got := fmt.Sprint(k.Got)
			e = d.errorAt(path, fmt.Sprintf("%q is not allowed; expected one of: %s", got, strings.Join(want, ", ")), suggest(got, want))
		case *kind.Pattern:
			e = d.errorAt(path, patternMessage(k), "")
		case *kind.Maximum:
			e = d.errorAt(path, fmt.Sprintf("%s is above the maximum %s", k.Got.RatString(), k.Want.RatString()), "")
		case *kind.Minimum:
			e = d.errorAt(path, fmt.Sprintf("%s is below the minimum %s", k.Got.RatString(), k.Want.RatString()), "")
		case *kind.Format:
			msg, hint := formatMessage(k)
			e = d.errorAt(path, msg, hint)
		default:
			e = d.errorAt(path, leaf.ErrorKind.LocalizedString(printer), "")
		}
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out.Err()
}

// leaves flattens a validation error tree to the errors that carry the
// actual complaint, dropping "allOf/$ref failed" wrappers.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Join(out[i].InstanceLocation, "/") < strings.Join(out[j].InstanceLocation, "/")
	})
	return out
}

// schemaFields lists the property names the embedded schema of kind allows at
// path, following $ref, items and additionalProperties; it feeds "did you
// mean" hints for unknown fields.
func schemaFields(k string, path []string) []string {
	raw, err := schemas.Get(k)
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

// patternMessage explains the schema's patterns in words; a regular
// expression is not a helpful error message.
func patternMessage(k *kind.Pattern) string {
	switch {
	case strings.Contains(k.Want, "{0,61}"):
		if len(k.Got) > maxNameLength {
			return fmt.Sprintf("%q is %d characters; Kubernetes names are at most %d", k.Got, len(k.Got), maxNameLength)
		}
		return fmt.Sprintf("%q is not a valid name: use lowercase letters, digits and '-', starting and ending with a letter or digit", k.Got)
	case strings.Contains(k.Want, `(0|[1-9][0-9]*)\.`):
		return fmt.Sprintf("%q is not a semantic version; expected MAJOR.MINOR.PATCH such as 1.2.0", k.Got)
	case strings.Contains(k.Want, "{0,62}"):
		return fmt.Sprintf("%q is not a valid kind: start with an uppercase letter, letters and digits only, at most 63 characters", k.Got)
	case strings.Contains(k.Want, "[0-9]{4}-"):
		return fmt.Sprintf("%q is not a date; expected YYYY-MM-DD", k.Got)
	case strings.Contains(k.Want, "[-a-z0-9.]"):
		return fmt.Sprintf("%q is not a namespace name or Gatekeeper wildcard (prefix-*, *-suffix)", k.Got)
	}
	return fmt.Sprintf("%q does not match the pattern %s", k.Got, k.Want)
}
