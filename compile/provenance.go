package compile

import (
	"fmt"
	"path"
)

// OriginKind names the level of resolution that set a value.
type OriginKind string

const (
	// FromEdict is edict's own default: the effect audit when a policy names none.
	FromEdict OriginKind = "edict"
	// FromPolicy is the policy's policy.yaml: its effect, match or a parameter default.
	FromPolicy OriginKind = "policy"
	// FromDefaults is an initiative's spec.defaults.
	FromDefaults OriginKind = "defaults"
	// FromReference is an initiative's spec.policies.<ref>.
	FromReference OriginKind = "reference"
	// FromExemption is an initiative's spec.exemptions[i].
	FromExemption OriginKind = "exemption"
)

// Origin is the place a resolved value was set: a policy file or a level of
// an initiative's extends chain, with the position of the setting.
type Origin struct {
	Kind       OriginKind `json:"kind"`
	Initiative string     `json:"initiative,omitempty"` // defaults, reference and exemption origins
	Policy     string     `json:"policy,omitempty"`     // policy origins
	File       string     `json:"file,omitempty"`
	Line       int        `json:"line,omitempty"`
	Column     int        `json:"column,omitempty"`
}

// Position is file:line:column, or as much of it as is known.
func (o Origin) Position() string {
	switch {
	case o.File == "":
		return ""
	case o.Line == 0:
		return o.File
	case o.Column == 0:
		return fmt.Sprintf("%s:%d", o.File, o.Line)
	}
	return fmt.Sprintf("%s:%d:%d", o.File, o.Line, o.Column)
}

// Setting is one level of resolution giving a field a value.
type Setting struct {
	Value  any    `json:"value"`
	Origin Origin `json:"origin"`
}

// Provenance records where each resolved value of a reference came from.
type Provenance struct {
	// Declared is where the reference (and so its policy) was introduced.
	Declared Origin `json:"declared"`
	// Fields maps "effect", "match.<field>" and "parameters.<key>" to every
	// setting of that field in resolution order; the last one is in effect,
	// the earlier ones were overridden.
	Fields map[string][]Setting `json:"fields"`
	// Exemptions holds the origin of each of Resolved.Exemptions, in order.
	Exemptions []Origin `json:"exemptions,omitempty"`
}

func (p *Provenance) set(field string, value any, o Origin) {
	if p.Fields == nil {
		p.Fields = map[string][]Setting{}
	}
	p.Fields[field] = append(p.Fields[field], Setting{Value: deepCopyValue(value), Origin: o})
}

// Effective returns the setting in effect for field, if any level set it.
func (p *Provenance) Effective(field string) (Setting, bool) {
	s := p.Fields[field]
	if len(s) == 0 {
		return Setting{}, false
	}
	return s[len(s)-1], true
}

// at is the origin of a setting at field path of the initiative in.
func (in *Initiative) at(kind OriginKind, field ...string) Origin {
	line, col := in.doc.Locate(field, true)
	return Origin{Kind: kind, Initiative: in.Metadata.Name, File: in.File, Line: line, Column: col}
}

// Locate is the position of a field of the initiative's file, or of its
// deepest existing ancestor when the field is absent; 0, 0 when the
// initiative was not read from a file.
func (in *Initiative) Locate(field ...string) (line, col int) {
	if in.doc == nil {
		return 0, 0
	}
	return in.doc.Locate(field, false)
}

// File is the policy's policy.yaml as edict names it in provenance and
// bundle inputs: built-ins are prefixed builtin:library/.
func (p *Policy) File() string {
	f := path.Join(p.Dir, "policy.yaml")
	if p.BuiltIn {
		return "builtin:library/" + f
	}
	return f
}

func (p *Policy) at(field ...string) Origin {
	o := Origin{Kind: FromPolicy, Policy: p.Metadata.Name, File: p.File()}
	if p.doc != nil {
		o.Line, o.Column = p.doc.Locate(field, true)
	}
	return o
}
