// Package describe is the one description of policies and resolved
// initiatives: the model `library show`, `edict explain` and `edict docs`
// print, and its text, markdown and JSON renderings.
package describe

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/rendered"
)

// Parameter describes one parameter of a policy.
type Parameter struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
	// Direction is the policy's x-edict-direction: allowlist, denylist or "".
	Direction string `json:"direction,omitempty"`
}

// Policy is what edict says about a policy.
type Policy struct {
	Name           string          `json:"name"`
	Version        string          `json:"version"`
	Title          string          `json:"title"`
	Description    string          `json:"description,omitempty"`
	Controls       []string        `json:"controls,omitempty"`
	ConstraintKind string          `json:"constraintKind"`
	Template       string          `json:"template"`
	Matches        string          `json:"matches,omitempty"`
	Effect         rendered.Effect `json:"effect"`
	Exclusions     []string        `json:"exclusions,omitempty"`
	Parameters     []Parameter     `json:"parameters,omitempty"`
	Source         string          `json:"source,omitempty"`
	Example        string          `json:"example"`
}

// DescribePolicy describes a policy from its policy.yaml.
func DescribePolicy(p *compile.Policy) Policy {
	d := Policy{
		Name: p.Metadata.Name, Version: p.Spec.Version, Title: p.Spec.Title,
		Description: strings.TrimSpace(p.Spec.Description), Controls: p.Spec.Controls,
		ConstraintKind: p.Spec.ConstraintKind, Template: p.TemplateName(), Effect: p.Spec.Effect.OrDefault(),
		Exclusions: p.Spec.Exclusions,
	}
	if m := p.Spec.Match; m != nil && len(m.Kinds) > 0 {
		d.Matches = kinds(m.Kinds)
	}
	if p.BuiltIn {
		d.Source = "library/" + p.Dir
	}
	props, _ := compile.ParameterSchema(p)["properties"].(map[string]any)
	defaults := map[string]any{}
	for _, n := range slices.Sorted(maps.Keys(props)) {
		s, _ := props[n].(map[string]any)
		prm := Parameter{Name: n, Type: compile.ParameterType(s), Default: s["default"], Description: strings.TrimSpace(fmt.Sprint(orEmpty(s["description"])))}
		prm.Direction, _ = s[compile.DirectionKey].(string)
		d.Parameters = append(d.Parameters, prm)
		if v, ok := s["default"]; ok {
			defaults[n] = v
		}
	}
	// The example is an initiative snippet using the policy with its defaults.
	ref := map[string]any{"effect": "deny"}
	if len(defaults) > 0 {
		ref["parameters"] = defaults
	}
	snippet := map[string]any{"spec": map[string]any{"policies": map[string]any{p.Metadata.Name: ref}}}
	b, _ := yaml.Marshal(snippet)
	d.Example = string(b)
	return d
}

// Section is a part a caller adds to a page, before its example.
type Section struct {
	Title string
	Body  string
}

// PolicyMarkdown renders a policy's description as a markdown page.
func PolicyMarkdown(d Policy, extra ...Section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n**%s**\n\n", d.Name, d.Title)
	if d.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Description)
	}
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| version | %s |\n", d.Version)
	fmt.Fprintf(&b, "| constraint kind | `%s` (template `%s`) |\n", d.ConstraintKind, d.Template)
	if d.Matches != "" {
		fmt.Fprintf(&b, "| matches | %s |\n", d.Matches)
	}
	fmt.Fprintf(&b, "| default effect | %s |\n", d.Effect)
	if len(d.Exclusions) > 0 {
		fmt.Fprintf(&b, "| honours exclusions | %s |\n", strings.Join(d.Exclusions, ", "))
	} else {
		b.WriteString("| honours exclusions | none |\n")
	}
	if d.Source != "" {
		fmt.Fprintf(&b, "| source | `%s` |\n", d.Source)
	}
	if len(d.Controls) > 0 {
		b.WriteString("\n## Controls\n\n")
		for _, c := range d.Controls {
			fmt.Fprintf(&b, "- %s\n", ParseControl(c))
		}
	}
	b.WriteString("\n## Parameters\n\n")
	if len(d.Parameters) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| parameter | type | default | description |\n|---|---|---|---|\n")
		for _, prm := range d.Parameters {
			def := ""
			if prm.Default != nil {
				def = Code(JSON(prm.Default))
			}
			desc := prm.Description
			if prm.Direction != "" {
				desc = strings.TrimSpace(desc + " (" + prm.Direction + ")")
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", prm.Name, prm.Type, def, Cell(desc))
		}
		if len(d.Exclusions) > 0 {
			b.WriteString("\n`excludedImages` and `excludedContainers` are usually set for every policy at once through an\ninitiative's `defaults.exclusions`.\n")
		}
	}
	for _, s := range extra {
		fmt.Fprintf(&b, "\n## %s\n\n%s", s.Title, s.Body)
	}
	fmt.Fprintf(&b, "\n## Example\n\nIn an initiative, with the policy's defaults:\n\n```yaml\n%s```\n", d.Example)
	return b.String()
}

func kinds(ks []compile.MatchKind) string {
	var out []string
	for _, k := range ks {
		for _, kind := range k.Kinds {
			group := "core"
			if len(k.APIGroups) > 0 && k.APIGroups[0] != "" {
				group = strings.Join(k.APIGroups, ", ")
			}
			out = append(out, fmt.Sprintf("%s (%s)", kind, group))
		}
	}
	return strings.Join(out, ", ")
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// JSON is a value as compact JSON, the way edict prints parameter values.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Values come from YAML, which always marshals; keep the output usable.
		y, _ := yaml.Marshal(v)
		return strings.TrimSpace(string(y))
	}
	return string(b)
}

// Code is s as inline markdown code, safe inside a table cell.
func Code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// Cell makes text safe inside a table cell: one line, pipes escaped.
func Cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
