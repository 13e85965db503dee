package rendered

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Parse reads a bundle held as path → bytes (bundle.json included, as in a
// bundle folder or archive) into the model. Each file's role comes from its
// apiVersion and kind, and constraints are tied to their references through
// bundle.json. Parse does not check digests: callers verify the files
// against the index (and the index against its signature) first.
func Parse(files map[string][]byte) (*Bundle, error) {
	raw, ok := files[IndexFile]
	if !ok {
		return nil, &InvalidError{Reason: "not an edict bundle: " + IndexFile + " is missing"}
	}
	idx, err := ParseIndex(raw)
	if err != nil {
		return nil, err
	}
	b := &Bundle{
		Name:         idx.Name,
		Version:      idx.Version,
		Description:  idx.Description,
		Contents:     idx.Contents,
		Gatekeeper:   idx.Gatekeeper,
		EdictVersion: idx.EdictVersion,
		Inputs:       idx.Inputs,
		Policies:     idx.Policies,
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		if p != IndexFile && p != SignatureFile {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		if err := b.add(p, files[p]); err != nil {
			return nil, err
		}
	}
	b.Sort()
	return b, nil
}

func (b *Bundle) add(p string, data []byte) error {
	bad := func(format string, a ...any) error {
		return &InvalidError{Reason: fmt.Sprintf("bundle file %s: ", p) + fmt.Sprintf(format, a...)}
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return bad("not YAML: %v", firstLine(err.Error()))
	}
	m := &Manifest{Path: p, Object: obj, Data: data}
	apiVersion, _ := obj["apiVersion"].(string)
	kind := m.Kind()
	switch g := group(apiVersion); {
	case g == TemplateGroup && kind == "ConstraintTemplate":
		b.Templates = append(b.Templates, &Template{
			Manifest:       m,
			Policy:         m.Label(LabelPolicy),
			ConstraintKind: nestedString(obj, "spec", "crd", "spec", "names", "kind"),
		})
	case g == ExpansionGroup && kind == "ExpansionTemplate":
		b.Expansions = append(b.Expansions, m)
	case g == SyncSetGroup && kind == "SyncSet":
		b.SyncSets = append(b.SyncSets, m)
	case g == ConstraintGroup:
		ref, ok := b.Lookup(kind, m.Name())
		if !ok {
			return bad("constraint %s %q is not listed in %s", kind, m.Name(), IndexFile)
		}
		b.Constraints = append(b.Constraints, &Constraint{Manifest: m, Ref: ref.Ref, Policy: ref.Policy})
	case g == KustomizationGroup && kind == "Kustomization", apiVersion == "" && kind == "" && isKustomizationFile(p):
		b.Kustomizations = append(b.Kustomizations, m)
	default:
		return bad("apiVersion %q kind %q is not a ConstraintTemplate, constraint, ExpansionTemplate, SyncSet or Kustomization", apiVersion, kind)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
