package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// maxInputSize bounds any one input file; policy files are small, and a
// bound keeps a stray binary or generated blob from stalling a build.
const maxInputSize = 4 << 20

func readInput(fsys fs.FS, name string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, &Error{File: name, Msg: "is a folder; expected a file"}
	}
	if info.Size() > maxInputSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is %d bytes; inputs are limited to %d", info.Size(), maxInputSize)}
	}
	return fs.ReadFile(fsys, name)
}

// decodeKind parses data, checks apiVersion and kind, validates it against the
// kind's schema and decodes it into out.
func decodeKind(file string, data []byte, wantKind string, out any) (*document, error) {
	d, err := parseDocument(file, data)
	if err != nil {
		return nil, err
	}
	m := d.value.(map[string]any)
	if k, _ := m["kind"].(string); k != wantKind {
		hint := ""
		if k == "" {
			hint = "add kind: " + wantKind
		} else if s := suggest(k, []string{"Policy", "Initiative", "InitiativeTest"}); s != "" {
			hint = s
		}
		return nil, d.errorAt([]string{"kind"}, fmt.Sprintf("expected kind %s, got %q", wantKind, k), hint)
	}
	if err := schemaErrors(d, nil, validateOnly(d, wantKind), func(p []string) []string { return schemaFields(wantKind, p) }); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(d.value)
	if err != nil {
		return nil, &Error{File: file, Msg: err.Error()}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, &Error{File: file, Msg: "decode: " + err.Error()}
	}
	return d, nil
}

func validateOnly(d *document, k string) error {
	s, err := kindSchema(k)
	if err != nil {
		return err
	}
	return s.Validate(d.value)
}

// LoadPolicy loads the policy folder dir of fsys: policy.yaml, policy.rego and
// any *_test.rego files. The Rego is read but not compiled here.
func LoadPolicy(fsys fs.FS, dir string) (*Policy, error) {
	file := path.Join(dir, "policy.yaml")
	data, err := readInput(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", dir, err)
	}
	p := &Policy{Dir: dir, Tests: map[string]string{}}
	d, err := decodeKind(file, data, "Policy", p)
	if err != nil {
		return nil, err
	}
	p.doc = d
	p.raw = data
	if base := path.Base(dir); dir != "." && base != p.Metadata.Name {
		return nil, d.errorAt([]string{"metadata", "name"}, fmt.Sprintf("policy name %q differs from its folder %q", p.Metadata.Name, base), "rename one so they match")
	}
	if err := checkParameterSchema(d, p.Spec.Parameters); err != nil {
		return nil, err
	}
	if err := checkSchemaFormats(d, p.Spec.Parameters); err != nil {
		return nil, err
	}
	regoFile := path.Join(dir, "policy.rego")
	src, err := readInput(fsys, regoFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: regoFile, Msg: "missing; every policy folder needs a policy.rego with a violation rule"}
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
			t, err := readInput(fsys, path.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("load policy %s: %w", dir, err)
			}
			p.Tests[e.Name()] = string(t)
		}
	}
	return p, nil
}

// checkParameterSchema insists on the structural schema Gatekeeper's
// templates.gatekeeper.sh/v1 requires: every property typed.
func checkParameterSchema(d *document, schema map[string]any) error {
	if schema == nil {
		return nil
	}
	var errs ErrorList
	var walk func(s map[string]any, p []string)
	walk = func(s map[string]any, p []string) {
		if _, ok := s["type"]; !ok {
			if _, free := s["x-kubernetes-preserve-unknown-fields"]; !free {
				errs = append(errs, d.errorAt(p, "schema has no type; Gatekeeper needs a structural schema", "add type: string, integer, number, boolean, array or object"))
			}
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
	data, err := readInput(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("load initiative %s: %w", file, err)
	}
	in := &Initiative{File: file}
	d, err := decodeKind(file, data, "Initiative", in)
	if err != nil {
		return nil, err
	}
	in.doc = d
	in.raw = data
	return in, nil
}

// PeekKind returns the kind of a YAML file without validating it, so that a
// folder can be scanned for initiatives among other YAML.
func PeekKind(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "kind:") {
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "kind:")), `"'`)
		}
	}
	return ""
}

func lower(s string) string { return strings.ToLower(s) }
