package input

import (
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/edict-policy/edict/formats"
)

var printer = message.NewPrinter(language.English)

// SchemaErrors converts a jsonschema validation error into positioned
// Errors. base is prepended to instance locations (for values validated on
// their own, such as one policy's parameters); known supplies candidate names
// for "did you mean" hints on unknown properties.
func SchemaErrors(d *Document, base []string, err error, known func(path []string) []string) error {
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err
	}
	var out ErrorList
	seen := map[string]bool{}
	for _, leaf := range specificLeaves(ve) {
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
				e = d.KeyErrorAt(fieldPath, "unknown field", Suggest(p, candidates))
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
			e = d.ErrorAt(path, "missing required field(s): "+strings.Join(k.Missing, ", "), "")
		case *kind.Const:
			e = d.ErrorAt(path, fmt.Sprintf("expected %v", k.Want), "")
		case *kind.Enum:
			want := make([]string, len(k.Want))
			for i, w := range k.Want {
				want[i] = fmt.Sprint(w)
			}
			got := fmt.Sprint(k.Got)
			e = d.ErrorAt(path, fmt.Sprintf("%s is not allowed; expected one of: %s", Excerpt(got), strings.Join(want, ", ")), Suggest(got, want))
		case *kind.Pattern:
			e = d.ErrorAt(path, patternMessage(k), "")
		case *kind.Maximum:
			e = d.ErrorAt(path, fmt.Sprintf("%s is above the maximum %s", k.Got.RatString(), k.Want.RatString()), "")
		case *kind.Minimum:
			e = d.ErrorAt(path, fmt.Sprintf("%s is below the minimum %s", k.Got.RatString(), k.Want.RatString()), "")
		case *kind.Format:
			msg, hint := formatMessage(k)
			e = d.ErrorAt(path, msg, hint)
		default:
			e = d.ErrorAt(path, leaf.ErrorKind.LocalizedString(printer), "")
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
	slices.SortStableFunc(out, func(a, b *jsonschema.ValidationError) int {
		return strings.Compare(strings.Join(a.InstanceLocation, "/"), strings.Join(b.InstanceLocation, "/"))
	})
	return out
}

// specificLeaves is leaves without the complaints a oneOf or anyOf makes
// about a value in one branch ("expected object", "expected allowed") when
// another branch says something more specific about the same value or
// what is inside it.
func specificLeaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	all := leaves(ve)
	deep := map[string]bool{}
	for _, l := range all {
		if !isShallow(l) {
			deep[strings.Join(l.InstanceLocation, "/")] = true
		}
	}
	out := all[:0:0]
	for _, l := range all {
		loc := strings.Join(l.InstanceLocation, "/")
		if isShallow(l) && hasDeeper(deep, loc) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func isShallow(l *jsonschema.ValidationError) bool {
	switch l.ErrorKind.(type) {
	case *kind.Const, *kind.Type:
		return true
	}
	return false
}

func hasDeeper(locs map[string]bool, loc string) bool {
	for l := range locs {
		if l == loc || strings.HasPrefix(l, loc+"/") {
			return true
		}
	}
	return false
}

// patternMessage explains the schema's patterns in words; a regular
// expression is not a helpful error message.
func patternMessage(k *kind.Pattern) string {
	switch {
	case strings.Contains(k.Want, "{0,61}"):
		if len(k.Got) > 63 {
			return fmt.Sprintf("%s is %d characters; Kubernetes names are at most 63", Excerpt(k.Got), len(k.Got))
		}
		return fmt.Sprintf("%s is not a valid name: use lowercase letters, digits and '-', starting and ending with a letter or digit", Excerpt(k.Got))
	case strings.Contains(k.Want, `(0|[1-9][0-9]*)\.`):
		return fmt.Sprintf("%s is not a semantic version; expected MAJOR.MINOR.PATCH such as 1.2.0", Excerpt(k.Got))
	case strings.Contains(k.Want, "{0,62}"):
		return fmt.Sprintf("%s is not a valid kind: start with an uppercase letter, letters and digits only, at most 63 characters", Excerpt(k.Got))
	case strings.Contains(k.Want, "[0-9]{4}-"):
		return fmt.Sprintf("%s is not a date; expected YYYY-MM-DD", Excerpt(k.Got))
	case strings.Contains(k.Want, "[-a-z0-9.]"):
		return fmt.Sprintf("%s is not a namespace name or Gatekeeper wildcard (prefix-*, *-suffix)", Excerpt(k.Got))
	}
	return fmt.Sprintf("%s does not match the pattern %s", Excerpt(k.Got), k.Want)
}

// formatMessage explains a value that fails one of edict's typed parameter
// formats, with the format's own hint or the nearest allowed value.
func formatMessage(k *kind.Format) (msg, hint string) {
	if p, ok := k.Err.(*formats.Problem); ok {
		hint = p.Hint
		if hint == "" && len(p.Candidates) > 0 {
			hint = Suggest(fmt.Sprint(k.Got), p.Candidates)
		}
		if f, ok := formats.Lookup(k.Want); ok && hint == "" {
			hint = "expected " + f.Description
		}
		return p.Msg, hint
	}
	return fmt.Sprintf("%s is not a valid %s", Excerpt(fmt.Sprint(k.Got)), k.Want), ""
}
