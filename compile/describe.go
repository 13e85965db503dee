package compile

import (
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Suggest returns a "did you mean" hint for name among candidates, or "".
func Suggest(name string, candidates []string) string { return suggest(name, candidates) }

// ParameterDoc describes one parameter of a policy.
type ParameterDoc struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
}

// PolicyDoc is what `library show` and the generated reference print.
type PolicyDoc struct {
	Name           string         `json:"name"`
	Version        string         `json:"version"`
	Title          string         `json:"title"`
	Description    string         `json:"description,omitempty"`
	Controls       []string       `json:"controls,omitempty"`
	ConstraintKind string         `json:"constraintKind"`
	Effect         string         `json:"effect"`
	Exclusions     []string       `json:"exclusions,omitempty"`
	Parameters     []ParameterDoc `json:"parameters,omitempty"`
	Example        string         `json:"example"`
}

// DescribePolicy documents a policy from its policy.yaml.
func DescribePolicy(p *Policy) PolicyDoc {
	d := PolicyDoc{
		Name: p.Metadata.Name, Version: p.Spec.Version, Title: p.Spec.Title,
		Description: strings.TrimSpace(p.Spec.Description), Controls: p.Spec.Controls,
		ConstraintKind: p.Spec.ConstraintKind, Effect: p.Spec.Effect, Exclusions: p.Spec.Exclusions,
	}
	if d.Effect == "" {
		d.Effect = "audit"
	}
	props, _ := ParameterSchema(p)["properties"].(map[string]any)
	for _, n := range sortedKeys(props) {
		s, _ := props[n].(map[string]any)
		d.Parameters = append(d.Parameters, ParameterDoc{Name: n, Type: typeString(s), Default: s["default"], Description: strings.TrimSpace(fmt.Sprint(orNil(s["description"])))})
	}
	// The example is an initiative snippet using the policy with its defaults.
	params := parameterDefaults(p)
	ref := map[string]any{"effect": "deny"}
	if len(params) > 0 {
		ref["parameters"] = params
	}
	snippet := map[string]any{"spec": map[string]any{"policies": map[string]any{p.Metadata.Name: ref}}}
	b, _ := yaml.Marshal(snippet)
	d.Example = string(b)
	return d
}

func orNil(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func typeString(s map[string]any) string {
	t, _ := s["type"].(string)
	if t == "array" {
		if items, ok := s["items"].(map[string]any); ok {
			return "array of " + typeString(items)
		}
	}
	if t == "" {
		return "any"
	}
	return t
}

func jsonValue(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// PolicyMarkdown renders a policy's documentation as markdown.
func PolicyMarkdown(p *Policy) string {
	d := DescribePolicy(p)
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n%s (version %s)\n\n", d.Name, d.Title, d.Version)
	if d.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Description)
	}
	fmt.Fprintf(&b, "- Constraint kind: `%s`\n- Default effect: `%s`\n", d.ConstraintKind, d.Effect)
	if len(d.Controls) > 0 {
		fmt.Fprintf(&b, "- Controls: %s\n", strings.Join(d.Controls, ", "))
	}
	if len(d.Exclusions) > 0 {
		fmt.Fprintf(&b, "- Honours exclusions: %s\n", strings.Join(d.Exclusions, ", "))
	}
	b.WriteString("\n")
	if len(d.Parameters) > 0 {
		b.WriteString("| parameter | type | default | description |\n|---|---|---|---|\n")
		for _, prm := range d.Parameters {
			def := jsonValue(prm.Default)
			if def != "" {
				def = "`" + def + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", prm.Name, prm.Type, def, strings.ReplaceAll(prm.Description, "\n", " "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Example:\n\n```yaml\n%s```\n", d.Example)
	return b.String()
}

// InitiativeMarkdown renders a built-in initiative's resolved references.
func InitiativeMarkdown(in *Initiative, cat *Catalog) (string, error) {
	plan, err := ResolveBuiltin(in.Metadata.Name, cat)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", in.Metadata.Name)
	if t := firstNonEmpty(in.Spec.Title); t != "" {
		fmt.Fprintf(&b, "%s (version %s)\n\n", t, in.Spec.Version)
	}
	if d := strings.TrimSpace(in.Spec.Description); d != "" {
		fmt.Fprintf(&b, "%s\n\n", d)
	}
	if in.Spec.Extends != "" {
		fmt.Fprintf(&b, "Extends `%s`.\n\n", in.Spec.Extends)
	}
	b.WriteString("| reference | policy | effect | parameters |\n|---|---|---|---|\n")
	for _, r := range plan.Refs {
		var params []string
		for _, k := range sortedKeys(r.Parameters) {
			params = append(params, fmt.Sprintf("`%s=%s`", k, jsonValue(r.Parameters[k])))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.Ref, r.Policy.Metadata.Name, r.Effect, strings.Join(params, "<br>"))
	}
	if ex := in.Spec.Defaults.Match; ex != nil && len(ex.ExcludedNamespaces) > 0 {
		fmt.Fprintf(&b, "\nExcluded namespaces (defaults): %s\n", strings.Join(ex.ExcludedNamespaces, ", "))
	}
	return b.String(), nil
}

// StarterInitiative writes an initiative named name that extends the built-in
// from and lists every reference with its effect and parameters, so users
// override by editing values rather than looking names up.
func StarterInitiative(name, from string, cat *Catalog) ([]byte, error) {
	if len(name) > maxNameLength || !dnsLabel(name) {
		return nil, &Error{File: name, Field: "metadata.name", Msg: "initiative names must be DNS labels: lowercase letters, digits and '-', at most 63 characters"}
	}
	plan, err := ResolveBuiltin(from, cat)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Starter initiative generated by `edict init %s --from %s`.\n", name, from)
	b.WriteString("# Every policy of the built-in initiative is listed with its current effect and\n")
	b.WriteString("# parameters. Change what you need and delete the rest: anything left out keeps\n")
	b.WriteString("# the built-in's value. Effects: deny, warn, audit or disabled.\n")
	fmt.Fprintf(&b, "apiVersion: %s\nkind: Initiative\nmetadata:\n  name: %s\nspec:\n  version: 0.1.0\n  extends: %s\n", APIVersion, name, from)
	b.WriteString("  defaults:\n")
	if len(plan.Refs) > 0 {
		fmt.Fprintf(&b, "    # effect: deny\n    match:\n      excludedNamespaces: %s\n", jsonValue(orEmptyList(plan.Refs[0].Match.ExcludedNamespaces)))
	}
	b.WriteString("    exclusions:\n      images: []      # e.g. [\"mcr.microsoft.com/oss/kubernetes/*\"]\n      containers: []  # e.g. [istio-proxy]\n")
	b.WriteString("  policies:\n")
	for _, r := range plan.Refs {
		fmt.Fprintf(&b, "    # %s (%s %s)\n", r.Policy.Spec.Title, r.Policy.Metadata.Name, r.Policy.Spec.Version)
		fmt.Fprintf(&b, "    %s:\n", r.Ref)
		if r.Ref != r.Policy.Metadata.Name {
			fmt.Fprintf(&b, "      policy: %s\n", r.Policy.Metadata.Name)
		}
		// Commented, so that defaults.effect still applies to it; uncomment to
		// give this reference its own effect.
		fmt.Fprintf(&b, "      # effect: %s\n", r.Effect)
		props, _ := r.Policy.Spec.Parameters["properties"].(map[string]any)
		keys := sortedKeys(props)
		if len(keys) == 0 {
			continue
		}
		b.WriteString("      parameters:\n")
		for _, k := range keys {
			v, ok := r.Parameters[k]
			if !ok {
				v = nil
			}
			s, _ := props[k].(map[string]any)
			desc := strings.TrimSpace(strings.SplitN(fmt.Sprint(orNil(s["description"])), "\n", 2)[0])
			if v == nil {
				fmt.Fprintf(&b, "        # %s: (%s, no default)", k, typeString(s))
			} else {
				fmt.Fprintf(&b, "        %s: %s", k, jsonValue(v))
			}
			if desc != "" {
				fmt.Fprintf(&b, "  # %s", desc)
			}
			b.WriteString("\n")
		}
	}
	return []byte(b.String()), nil
}

func orEmptyList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dnsLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
