package rendered

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Labels edict puts on what it renders; readers use them to tie objects back
// to policies and references.
const (
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	LabelInitiative = "edict.dev/initiative"
	LabelPolicy     = "edict.dev/policy"
	LabelReference  = "edict.dev/reference"
)

// API groups of the objects a bundle holds.
const (
	TemplateGroup      = "templates.gatekeeper.sh"
	ConstraintGroup    = "constraints.gatekeeper.sh"
	ExpansionGroup     = "expansion.gatekeeper.sh"
	SyncSetGroup       = "syncset.gatekeeper.sh"
	KustomizationGroup = "kustomize.config.k8s.io"
)

// Manifest is one rendered file: a Kubernetes object and the bytes written
// for it. Data is what goes to disk, into the archive and into the digests;
// Object is the same content as values, for engines and readers.
type Manifest struct {
	Path   string         // slash path inside the bundle folder
	Object map[string]any // JSON-typed; nil only in hand-made fixtures
	Data   []byte
}

// NewManifest renders obj as YAML (see MarshalYAML). obj is copied into JSON
// types, so later changes to it do not reach the manifest.
func NewManifest(p string, obj map[string]any) (*Manifest, error) {
	o, err := jsonObject(obj)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", p, err)
	}
	data, err := MarshalYAML(o)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", p, err)
	}
	return &Manifest{Path: p, Object: o, Data: data}, nil
}

// Name is metadata.name of the object.
func (m *Manifest) Name() string { return nestedString(m.Object, "metadata", "name") }

// Kind is the object's kind.
func (m *Manifest) Kind() string { return nestedString(m.Object, "kind") }

// Label returns one of the object's labels.
func (m *Manifest) Label(key string) string {
	return nestedString(m.Object, "metadata", "labels", key)
}

// Template is a ConstraintTemplate rendered from one policy.
type Template struct {
	*Manifest
	Policy         string // edict policy name
	ConstraintKind string // the kind of the constraints it defines
}

// Constraint is the constraint of one enabled reference of the initiative.
type Constraint struct {
	*Manifest
	Ref    string // reference id in the initiative
	Policy string // policy name
}

// Contents of a bundle that is not one initiative's.
const (
	// ContentsTemplates marks a templates bundle: the ConstraintTemplates and
	// ExpansionTemplates that several initiative bundles share in one
	// cluster, with no constraints of its own (see compile.SharedTemplates).
	ContentsTemplates = "templates"
)

// Bundle is a rendered initiative, or a templates bundle (Contents).
// Templates, Expansions, Constraints and Kustomizations are each sorted by
// Path; Policies by Ref.
type Bundle struct {
	Name    string
	Version string
	// Contents is "" for an initiative's bundle and ContentsTemplates for
	// a templates bundle.
	Contents string
	// Gatekeeper is the oldest Gatekeeper release (3.N) the bundle runs
	// on; EdictVersion names the edict that built it.
	Gatekeeper   string
	EdictVersion string
	Description  string
	Inputs       []Input     // source files that went in, sorted by Path
	Policies     []Reference // one entry per reference, enabled or not

	Templates  []*Template
	Expansions []*Manifest
	// SyncSets replicate the kinds referential policies read from
	// data.inventory; they live under templates/ and go with the templates.
	SyncSets       []*Manifest
	Constraints    []*Constraint
	Kustomizations []*Manifest

	// Warnings are non-fatal findings of the build (exemptions expiring
	// soon); they are not part of the bundle's files.
	Warnings []string
}

// Files lists every manifest of the bundle, sorted by path. bundle.json is
// not among them: it is derived (see Index).
func (b *Bundle) Files() []*Manifest {
	out := make([]*Manifest, 0, len(b.Templates)+len(b.Expansions)+len(b.SyncSets)+len(b.Constraints)+len(b.Kustomizations))
	for _, t := range b.Templates {
		out = append(out, t.Manifest)
	}
	out = append(out, b.Expansions...)
	out = append(out, b.SyncSets...)
	for _, c := range b.Constraints {
		out = append(out, c.Manifest)
	}
	out = append(out, b.Kustomizations...)
	slices.SortFunc(out, func(x, y *Manifest) int { return strings.Compare(x.Path, y.Path) })
	return out
}

// FileMap returns the bundle's files as path → bytes (bundle.json excluded).
func (b *Bundle) FileMap() map[string][]byte {
	files := map[string][]byte{}
	for _, m := range b.Files() {
		files[m.Path] = m.Data
	}
	return files
}

// Reference returns the index entry of a reference id.
func (b *Bundle) Reference(ref string) (*Reference, bool) {
	for i := range b.Policies {
		if b.Policies[i].Ref == ref {
			return &b.Policies[i], true
		}
	}
	return nil, false
}

// Lookup returns the reference that renders the constraint of the given
// kind and name (what Gatekeeper reports a violation under).
func (b *Bundle) Lookup(constraintKind, constraintName string) (*Reference, bool) {
	tmpl := strings.ToLower(constraintKind)
	for i := range b.Policies {
		p := &b.Policies[i]
		if p.Constraint == constraintName && p.Constraint != "" && p.Template == tmpl {
			return p, true
		}
	}
	return nil, false
}

// Template returns the template of a policy.
func (b *Bundle) Template(policy string) (*Template, bool) {
	for _, t := range b.Templates {
		if t.Policy == policy {
			return t, true
		}
	}
	return nil, false
}

// Constraint returns the constraint of a reference id (none when disabled).
func (b *Bundle) Constraint(ref string) (*Constraint, bool) {
	for _, c := range b.Constraints {
		if c.Ref == ref {
			return c, true
		}
	}
	return nil, false
}

// Sort puts the bundle's lists in their documented order.
func (b *Bundle) Sort() {
	byPath := func(x, y *Manifest) int { return strings.Compare(x.Path, y.Path) }
	slices.SortFunc(b.Templates, func(x, y *Template) int { return byPath(x.Manifest, y.Manifest) })
	slices.SortFunc(b.Expansions, byPath)
	slices.SortFunc(b.SyncSets, byPath)
	slices.SortFunc(b.Constraints, func(x, y *Constraint) int { return byPath(x.Manifest, y.Manifest) })
	slices.SortFunc(b.Kustomizations, byPath)
	slices.SortFunc(b.Inputs, func(x, y Input) int { return strings.Compare(x.Path, y.Path) })
	slices.SortStableFunc(b.Policies, func(x, y Reference) int { return strings.Compare(x.Ref, y.Ref) })
}

func nestedString(obj map[string]any, keys ...string) string {
	var cur any = obj
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

// group is the API group of an apiVersion ("" for the core group).
func group(apiVersion string) string {
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

// isKustomizationFile is kustomize's own rule: the file name makes a
// kustomization, whatever its content says.
func isKustomizationFile(p string) bool {
	switch path.Base(p) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}
