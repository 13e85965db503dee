package describe

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/edict-policy/edict/compile"
)

// Initiative is a resolved initiative, reference by reference, with the
// origin of every value: what `edict explain` and `library show` print.
type Initiative struct {
	Name        string      `json:"name"`
	Version     string      `json:"version"`
	Title       string      `json:"title,omitempty"`
	Description string      `json:"description,omitempty"`
	File        string      `json:"file"`
	Chain       []Level     `json:"chain"` // the extends chain, root first, ending with this initiative
	References  []Reference `json:"references"`
	Warnings    []string    `json:"warnings,omitempty"`
}

// Level is one initiative of an extends chain.
type Level struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	File    string `json:"file"`
}

// Reference is one resolved reference.
type Reference struct {
	Ref               string         `json:"ref"`
	Policy            string         `json:"policy"`
	PolicyVersion     string         `json:"policyVersion"`
	Title             string         `json:"title,omitempty"`
	Declared          compile.Origin `json:"declared"`
	Effect            Value          `json:"effect"`
	EnforcementAction string         `json:"enforcementAction,omitempty"` // empty when disabled
	Constraint        string         `json:"constraint,omitempty"`        // empty when disabled
	// Enforcement are the effects set for single enforcement points
	// (admission, audit, ci, vap), which override Effect there.
	Enforcement []Field     `json:"enforcement,omitempty"`
	Match       []Field     `json:"match,omitempty"`
	Parameters  []Field     `json:"parameters,omitempty"`
	Exemptions  []Exemption `json:"exemptions,omitempty"`
}

// Disabled reports whether the reference renders no constraint.
func (r Reference) Disabled() bool { return r.EnforcementAction == "" }

// Value is a resolved value, where it was set, and the settings it overrode
// (most recent first).
type Value struct {
	Value      any               `json:"value"`
	Origin     compile.Origin    `json:"origin"`
	Overridden []compile.Setting `json:"overridden,omitempty"`
	// Added are items appended after the value was set: the namespaces
	// exemptions add to match.excludedNamespaces.
	Added []compile.Setting `json:"added,omitempty"`
}

// Field is a named resolved value: a match field or a parameter.
type Field struct {
	Name string `json:"name"`
	Value
}

// Exemption is an exemption applied to a reference, and where it is written.
type Exemption struct {
	compile.Exemption
	Origin compile.Origin `json:"origin"`
}

// Explain describes a resolved plan.
func Explain(plan *compile.Plan) *Initiative {
	in := plan.Initiative
	d := &Initiative{
		Name: in.Metadata.Name, Version: in.Spec.Version, Title: in.Spec.Title,
		Description: strings.TrimSpace(in.Spec.Description), File: in.File, Warnings: plan.Warnings,
	}
	for _, c := range plan.Chain {
		d.Chain = append(d.Chain, Level{Name: c.Metadata.Name, Version: c.Spec.Version, File: c.File})
	}
	for _, r := range plan.Refs {
		ref := Reference{
			Ref: r.Ref, Policy: r.Policy.Metadata.Name, PolicyVersion: r.Policy.Spec.Version, Title: r.Policy.Spec.Title,
			Declared: r.Provenance.Declared, Effect: value(r.Provenance.Fields["effect"]), EnforcementAction: r.EnforcementAction(),
		}
		if ref.EnforcementAction != "" {
			ref.Constraint = compile.ConstraintName(in.Metadata.Name, r.Ref)
		}
		for _, k := range slices.Sorted(maps.Keys(r.Provenance.Fields)) {
			if point, ok := strings.CutPrefix(k, "enforcement."); ok {
				ref.Enforcement = append(ref.Enforcement, Field{Name: point, Value: value(r.Provenance.Fields[k])})
			}
			name, ok := strings.CutPrefix(k, "match.")
			if !ok {
				continue
			}
			f := Field{Name: name, Value: value(r.Provenance.Fields[k])}
			if name == "excludedNamespaces" {
				f.Value = withExemptions(f.Value, r)
			}
			ref.Match = append(ref.Match, f)
		}
		if len(r.Exemptions) > 0 && len(r.Provenance.Fields["match.excludedNamespaces"]) == 0 {
			ref.Match = append(ref.Match, Field{Name: "excludedNamespaces", Value: withExemptions(Value{Value: []any{}}, r)})
		}
		for _, k := range slices.Sorted(maps.Keys(r.Parameters)) {
			ref.Parameters = append(ref.Parameters, Field{Name: k, Value: value(r.Provenance.Fields["parameters."+k])})
		}
		for i, ex := range r.Exemptions {
			ref.Exemptions = append(ref.Exemptions, Exemption{Exemption: ex, Origin: r.Provenance.Exemptions[i]})
		}
		d.References = append(d.References, ref)
	}
	return d
}

func value(settings []compile.Setting) Value {
	if len(settings) == 0 {
		return Value{}
	}
	last := settings[len(settings)-1]
	v := Value{Value: last.Value, Origin: last.Origin}
	for i := len(settings) - 2; i >= 0; i-- {
		v.Overridden = append(v.Overridden, settings[i])
	}
	return v
}

// withExemptions adds the namespaces exemptions exclude to the value of
// match.excludedNamespaces.
func withExemptions(v Value, r *compile.Resolved) Value {
	if len(r.Exemptions) == 0 {
		return v
	}
	v.Value = anyList(r.Match.ExcludedNamespaces)
	for i, ex := range r.Exemptions {
		v.Added = append(v.Added, compile.Setting{Value: anyList(ex.Namespaces), Origin: r.Provenance.Exemptions[i]})
	}
	return v
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Only keeps the named references, in the order given; it reports the
// first name that is not a reference.
func (d *Initiative) Only(refs []string) (string, bool) {
	if len(refs) == 0 {
		return "", true
	}
	byRef := map[string]Reference{}
	for _, r := range d.References {
		byRef[r.Ref] = r
	}
	var keep []Reference
	for _, name := range refs {
		r, ok := byRef[name]
		if !ok {
			return name, false
		}
		keep = append(keep, r)
	}
	d.References = keep
	return "", true
}

// RefNames lists the references' ids.
func (d *Initiative) RefNames() []string {
	out := make([]string, len(d.References))
	for i, r := range d.References {
		out[i] = r.Ref
	}
	return out
}

// Where says in words where a value was set, relative to the initiative
// leaf (settings of other levels of the chain are the parent's).
func Where(o compile.Origin, leaf string) string {
	var s string
	who := func() string {
		if o.Initiative != leaf {
			return "parent initiative " + o.Initiative
		}
		return o.Initiative
	}
	switch o.Kind {
	case compile.FromEdict:
		return "edict's default"
	case compile.FromPolicy:
		s = "policy " + o.Policy
	case compile.FromDefaults:
		s = "defaults of " + who()
	case compile.FromReference:
		s = "reference in " + who()
	case compile.FromExemption:
		s = "exemption in " + who()
	default:
		s = string(o.Kind)
	}
	if p := o.Position(); p != "" {
		s += " (" + p + ")"
	}
	return s
}

// Text writes the explanation for a terminal.
func Text(w io.Writer, d *Initiative) error {
	fmt.Fprintf(w, "initiative %s %s (%s)\n", d.Name, d.Version, d.File)
	if len(d.Chain) > 1 {
		var parents []string
		for i := len(d.Chain) - 2; i >= 0; i-- {
			parents = append(parents, fmt.Sprintf("%s %s (%s)", d.Chain[i].Name, d.Chain[i].Version, d.Chain[i].File))
		}
		fmt.Fprintf(w, "extends %s\n", strings.Join(parents, " <- "))
	}
	for _, wn := range d.Warnings {
		fmt.Fprintf(w, "warning: %s\n", wn)
	}
	for _, r := range d.References {
		fmt.Fprintf(w, "\n%s: policy %s %s", r.Ref, r.Policy, r.PolicyVersion)
		if r.Disabled() {
			fmt.Fprintf(w, ", DISABLED by %s", Where(r.Effect.Origin, d.Name))
		} else {
			fmt.Fprintf(w, ", constraint %s", r.Constraint)
		}
		fmt.Fprintf(w, "\n  declared in %s\n", Where(r.Declared, d.Name))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		effect := fmt.Sprint(r.Effect.Value)
		if r.EnforcementAction != "" {
			effect += " (enforcementAction " + r.EnforcementAction + ")"
		}
		row(tw, "effect", effect, r.Effect, d.Name)
		for _, f := range r.Enforcement {
			row(tw, "enforcement."+f.Name, fmt.Sprint(f.Value.Value), f.Value, d.Name)
		}
		for _, f := range r.Match {
			row(tw, "match."+f.Name, JSON(f.Value.Value), f.Value, d.Name)
		}
		for _, f := range r.Parameters {
			row(tw, "parameters."+f.Name, JSON(f.Value.Value), f.Value, d.Name)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, ex := range r.Exemptions {
			fmt.Fprintf(w, "  exemption: namespaces %s, owner %s, expires %s: %s\n    from %s\n", strings.Join(ex.Namespaces, ", "), ex.Owner, ex.Expires, ex.Reason, Where(ex.Origin, d.Name))
		}
	}
	return nil
}

func row(tw io.Writer, name, val string, v Value, leaf string) {
	fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, val, Where(v.Origin, leaf))
	for _, o := range v.Overridden {
		fmt.Fprintf(tw, "  \t  overrides %s\t%s\n", JSON(o.Value), Where(o.Origin, leaf))
	}
	for _, a := range v.Added {
		fmt.Fprintf(tw, "  \t  plus %s\t%s\n", JSON(a.Value), Where(a.Origin, leaf))
	}
}

// MarkdownOptions tune InitiativeMarkdown.
type MarkdownOptions struct {
	// PolicyLink turns a policy name into a link; nil prints the name.
	PolicyLink func(policy string) string
	// InitiativeLink turns an initiative of the extends chain into a link; nil prints its name and file.
	InitiativeLink func(initiative string) string
	// Heading is the markdown heading level of the references section (2 when zero).
	Heading int
}

// InitiativeMarkdown renders the references of an explanation as markdown:
// one table row per reference, each value with where it was set.
func InitiativeMarkdown(d *Initiative, opts MarkdownOptions) string {
	var b strings.Builder
	h := strings.Repeat("#", max(opts.Heading, 2))
	link := opts.PolicyLink
	if link == nil {
		link = func(p string) string { return p }
	}
	fmt.Fprintf(&b, "%s References\n\n", h)
	b.WriteString("Every value this initiative resolves to, and where it was set (settings it overrode with another value struck through).\n\n")
	b.WriteString("| reference | policy | effect | match | parameters | exemptions |\n|---|---|---|---|---|---|\n")
	for _, r := range d.References {
		effect := "**" + fmt.Sprint(r.Effect.Value) + "**"
		if r.Disabled() {
			effect = "**disabled**"
		}
		effect += mdWhere(r.Effect, d.Name)
		for _, f := range r.Enforcement {
			effect += "<br>" + f.Name + ": **" + fmt.Sprint(f.Value.Value) + "**" + mdWhere(f.Value, d.Name)
		}
		var match, params, exs []string
		for _, f := range r.Match {
			match = append(match, "`"+f.Name+"`: "+Code(JSON(f.Value.Value))+mdWhere(f.Value, d.Name))
		}
		for _, f := range r.Parameters {
			params = append(params, "`"+f.Name+"`: "+Code(JSON(f.Value.Value))+mdWhere(f.Value, d.Name))
		}
		for _, ex := range r.Exemptions {
			exs = append(exs, fmt.Sprintf("%s until %s, owner %s: %s<br><sub>%s</sub>", Code(strings.Join(ex.Namespaces, ", ")), ex.Expires, Cell(ex.Owner), Cell(ex.Reason), Cell(Where(ex.Origin, d.Name))))
		}
		fmt.Fprintf(&b, "| `%s` | %s %s | %s | %s | %s | %s |\n", r.Ref, link(r.Policy), r.PolicyVersion, effect, strings.Join(match, "<br>"), strings.Join(params, "<br>"), strings.Join(exs, "<br>"))
	}
	return b.String()
}

func mdWhere(v Value, leaf string) string {
	s := "<br><sub>"
	if v.Origin.Kind != "" {
		s += Cell(Where(v.Origin, leaf))
	}
	for _, a := range v.Added {
		s += "; plus " + Cell(JSON(a.Value)) + " " + Cell(Where(a.Origin, leaf))
	}
	for _, o := range v.Overridden {
		if JSON(o.Value) == JSON(v.Value) {
			// Re-setting the same value changes nothing a reviewer needs to see.
			continue
		}
		s += "; ~~" + Cell(JSON(o.Value)) + "~~ " + Cell(Where(o.Origin, leaf))
	}
	return s + "</sub>"
}

// InitiativePage is the markdown page of an explanation: a heading, the
// initiative's description and chain, and its references.
func InitiativePage(d *Initiative, opts MarkdownOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.Name)
	if d.Title != "" {
		fmt.Fprintf(&b, "**%s**\n\n", d.Title)
	}
	if d.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Description)
	}
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| version | %s |\n", d.Version)
	fmt.Fprintf(&b, "| file | `%s` |\n", d.File)
	if len(d.Chain) > 1 {
		var parents []string
		for i := len(d.Chain) - 2; i >= 0; i-- {
			l := d.Chain[i]
			if opts.InitiativeLink != nil {
				parents = append(parents, opts.InitiativeLink(l.Name)+" "+l.Version)
			} else {
				parents = append(parents, fmt.Sprintf("%s %s (`%s`)", l.Name, l.Version, l.File))
			}
		}
		fmt.Fprintf(&b, "| extends | %s |\n", strings.Join(parents, " ← "))
	}
	enabled := 0
	for _, r := range d.References {
		if !r.Disabled() {
			enabled++
		}
	}
	fmt.Fprintf(&b, "| references | %d enabled of %d |\n", enabled, len(d.References))
	for _, w := range d.Warnings {
		fmt.Fprintf(&b, "\n> warning: %s\n", w)
	}
	b.WriteString("\n")
	b.WriteString(InitiativeMarkdown(d, opts))
	return b.String()
}
