package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/schemas"
)

// decodeKind parses data, checks apiVersion and kind, validates it against the
// kind's schema and decodes it into out. A document that breaks its schema
// but still decodes is returned with the schema's complaints in invalid, so
// that a caller can check it further and report everything in one run.
func decodeKind(file string, data []byte, wantKind string, out any) (d *input.Document, invalid, err error) {
	d, err = input.ParseDocument(file, data)
	if err != nil {
		return nil, nil, err
	}
	m := d.Value.(map[string]any)
	if k, _ := m["kind"].(string); k != wantKind {
		hint := ""
		if k == "" {
			hint = "add kind: " + wantKind
		} else if s := input.Suggest(k, []string{"Policy", "Initiative", "InitiativeTest"}); s != "" {
			hint = s
		}
		return nil, nil, d.ErrorAt([]string{"kind"}, fmt.Sprintf("expected kind %s, got %q", wantKind, k), hint)
	}
	invalid = input.SchemaErrors(d, nil, validateOnly(d, wantKind), func(p []string) []string { return schemas.Fields(wantKind, p) })
	raw, err := json.Marshal(d.Value)
	if err != nil {
		return nil, nil, firstOf(invalid, &input.Error{File: file, Msg: err.Error()})
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, nil, firstOf(invalid, &input.Error{File: file, Msg: "decode: " + err.Error()})
	}
	return d, invalid, nil
}

func validateOnly(d *input.Document, k string) error {
	s, err := schemas.Compiled(k)
	if err != nil {
		return err
	}
	return s.Validate(d.Value)
}

// LoadPolicy loads the policy folder dir of fsys: policy.yaml, policy.rego and
// any *_test.rego files. The Rego is read but not compiled here.
func LoadPolicy(fsys fs.FS, dir string) (*Policy, error) {
	file := path.Join(dir, "policy.yaml")
	data, err := input.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", dir, err)
	}
	p := &Policy{Dir: dir, Tests: map[string]string{}}
	d, invalid, err := decodeKind(file, data, "Policy", p)
	if err != nil {
		return nil, err
	}
	if invalid != nil {
		return nil, invalid
	}
	p.doc = d
	p.raw = data
	if base := path.Base(dir); dir != "." && base != p.Metadata.Name {
		return nil, d.ErrorAt([]string{"metadata", "name"}, fmt.Sprintf("policy name %q differs from its folder %q", p.Metadata.Name, base), "rename one so they match")
	}
	if err := checkKindVersion(d, p); err != nil {
		return nil, err
	}
	if err := checkParameterSchema(d, p.Spec.Parameters); err != nil {
		return nil, err
	}
	if err := checkSchemaFormats(d, p.Spec.Parameters); err != nil {
		return nil, err
	}
	regoFile := path.Join(dir, "policy.rego")
	src, err := input.ReadFile(fsys, regoFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &input.Error{File: regoFile, Msg: "missing; every policy folder needs a policy.rego with a violation rule"}
		}
		return nil, fmt.Errorf("load policy %s: %w", dir, err)
	}
	p.Rego = string(src)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), "_test.rego") {
			t, err := input.ReadFile(fsys, path.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("load policy %s: %w", dir, err)
			}
			p.Tests[e.Name()] = string(t)
		}
	}
	return p, nil
}

// checkKindVersion keeps a policy's constraint kind tied to its major
// version: from 2.0.0 on the kind ends in V<major> (K8sEdictFooV2). A
// breaking change then renders a new template beside the old one, and a
// cluster's templates bundle can serve initiatives on either major while
// they move (see SharedTemplates); versions 0.x and 1.x keep the plain kind.
func checkKindVersion(d *input.Document, p *Policy) error {
	major, _, _ := strings.Cut(p.Spec.Version, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < 2 {
		return nil
	}
	kind := p.Spec.ConstraintKind
	want := "V" + major
	if strings.HasSuffix(kind, want) {
		return nil
	}
	base := strings.TrimRightFunc(kind, func(r rune) bool { return r >= '0' && r <= '9' })
	base = strings.TrimSuffix(base, "V")
	return d.ErrorAt([]string{"spec", "constraintKind"},
		fmt.Sprintf("policy version %s needs a constraint kind ending in %s, got %s", p.Spec.Version, want, kind),
		fmt.Sprintf("rename it %s%s (a new major version is a new template, so clusters can run both while initiatives move); keep the previous major as its own policy folder while initiatives still use it", base, want))
}

// checkParameterSchema insists on the structural schema Gatekeeper's
// templates.gatekeeper.sh/v1 requires: every property typed.
func checkParameterSchema(d *input.Document, schema map[string]any) error {
	if schema == nil {
		return nil
	}
	var errs input.ErrorList
	d2 := func(p []string, v any) *input.Error {
		got := fmt.Sprint(v)
		return d.ErrorAt(append(append([]string{}, p...), DirectionKey), fmt.Sprintf("%q is not a direction; expected allowlist (items admit: adding one loosens) or denylist (items restrict: adding one tightens)", got), input.Suggest(got, []string{"allowlist", "denylist"}))
	}
	var walk func(s map[string]any, p []string)
	walk = func(s map[string]any, p []string) {
		if _, ok := s["type"]; !ok {
			if _, free := s["x-kubernetes-preserve-unknown-fields"]; !free {
				errs = append(errs, d.ErrorAt(p, "schema has no type; Gatekeeper needs a structural schema", "add type: string, integer, number, boolean, array or object"))
			}
		}
		if d, ok := s[DirectionKey]; ok && d != "allowlist" && d != "denylist" {
			errs = append(errs, d2(p, d))
		}
		if props, ok := s["properties"].(map[string]any); ok {
			names := make([]string, 0, len(props))
			for n := range props {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if ps, ok := props[n].(map[string]any); ok {
					walk(ps, append(append([]string{}, p...), "properties", n))
				}
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(items, append(append([]string{}, p...), "items"))
		}
	}
	walk(schema, []string{"spec", "parameters"})
	return errs.Err()
}

// LoadInitiative loads one initiative file.
func LoadInitiative(fsys fs.FS, file string) (*Initiative, error) {
	in, invalid, err := loadInitiative(fsys, file)
	if err != nil {
		return nil, err
	}
	if invalid != nil {
		return nil, invalid
	}
	return in, nil
}

// loadInitiative is LoadInitiative that returns an initiative breaking its
// schema, when it still decodes, with the schema errors in invalid.
func loadInitiative(fsys fs.FS, file string) (in *Initiative, invalid, err error) {
	data, err := input.ReadFile(fsys, file)
	if err != nil {
		return nil, nil, fmt.Errorf("load initiative %s: %w", file, err)
	}
	in = &Initiative{File: file}
	d, invalid, err := decodeKind(file, data, "Initiative", in)
	if err != nil {
		return nil, nil, err
	}
	in.doc = d
	in.raw = data
	return in, invalid, nil
}

// firstOf returns the schema errors when there are any (they say more than
// a failed decode of the same document), else err.
func firstOf(invalid, err error) error {
	if invalid != nil {
		return invalid
	}
	return err
}

// withSchemaErrors reports the schema errors of an initiative chain together
// with what resolving it found, leaving out resolution errors at a position a
// schema error already names.
func withSchemaErrors(invalid []error, resolved error) error {
	var all input.ErrorList
	at := map[string]bool{}
	for _, err := range invalid {
		input.Each(err, func(e *input.Error) {
			all = append(all, e)
			at[fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)] = true
		})
	}
	input.Each(resolved, func(e *input.Error) {
		if !at[fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)] {
			all = append(all, e)
		}
	})
	if resolved != nil && !input.IsInputError(resolved) {
		return errors.Join(all.Err(), resolved)
	}
	return all.Err()
}

func lower(s string) string { return strings.ToLower(s) }
