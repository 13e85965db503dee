package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/edict-policy/edict/initiatives"
)

// Options tune a build.
type Options struct {
	// Now is the time exemptions are checked against; zero means the wall clock.
	Now time.Time
	// ExpiryWarning is how far ahead an exemption's expiry is announced; zero means 30 days.
	ExpiryWarning time.Duration
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now.UTC()
}

// Plan is a fully resolved initiative: every reference with its policy,
// effect, match and parameters decided.
type Plan struct {
	Initiative *Initiative
	Chain      []*Initiative // the extends chain, root first, ending with Initiative
	Refs       []*Resolved   // sorted by Ref
	Warnings   []string
}

// Resolved is one reference after resolution.
type Resolved struct {
	Ref        string
	Policy     *Policy
	Effect     string
	Match      Match
	Parameters map[string]any
	Exemptions []Exemption
}

// EnforcementAction is the Gatekeeper enforcementAction, or "" when disabled.
func (r *Resolved) EnforcementAction() string { return enforcementActions[r.Effect] }

// loadChain loads file and everything it extends, root first. Built-in
// initiatives are referred to by name, others by a path relative to the
// extending file.
func loadChain(repo fs.FS, file string) ([]*Initiative, error) {
	var chain []*Initiative
	seen := map[string]bool{}
	var order []string
	in, err := LoadInitiative(repo, file)
	if err != nil {
		return nil, err
	}
	key := "file:" + path.Clean(file)
	var prev *Initiative
	for {
		if seen[key] {
			order = append(order, key)
			return nil, prev.doc.errorAt([]string{"spec", "extends"}, "extends forms a cycle: "+strings.Join(trimKeys(order), " -> "), "remove one of the extends")
		}
		seen[key] = true
		order = append(order, key)
		chain = append([]*Initiative{in}, chain...)
		ext := in.Spec.Extends
		if ext == "" {
			return chain, nil
		}
		var next *Initiative
		if looksLikePath(ext) {
			if in.BuiltIn {
				return nil, in.doc.errorAt([]string{"spec", "extends"}, "a built-in initiative can only extend another built-in", "")
			}
			target := path.Join(path.Dir(in.File), ext)
			if _, statErr := fs.Stat(repo, target); statErr != nil {
				return nil, in.doc.errorAt([]string{"spec", "extends"}, fmt.Sprintf("initiative file %s not found", target), "")
			}
			next, err = LoadInitiative(repo, target)
			key = "file:" + path.Clean(target)
		} else {
			next, err = loadBuiltinInitiative(ext)
			if err == errUnknownInitiative {
				return nil, in.doc.errorAt([]string{"spec", "extends"}, fmt.Sprintf("unknown built-in initiative %q", ext), hintOrList(ext, BuiltinInitiatives()))
			}
			key = "builtin:" + ext
		}
		if err != nil {
			return nil, err
		}
		prev, in = in, next
	}
}

func trimKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k[strings.Index(k, ":")+1:]
	}
	return out
}

func looksLikePath(s string) bool {
	return strings.Contains(s, "/") || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

func hintOrList(name string, options []string) string {
	if s := suggest(name, options); s != "" {
		return s
	}
	if len(options) == 0 {
		return ""
	}
	return "known: " + strings.Join(options, ", ")
}

var errUnknownInitiative = fmt.Errorf("unknown built-in initiative")

// BuiltinInitiatives lists the names of the embedded initiatives.
func BuiltinInitiatives() []string {
	entries, _ := fs.ReadDir(initiatives.FS(), ".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func loadBuiltinInitiative(name string) (*Initiative, error) {
	file := name + ".yaml"
	if _, err := fs.Stat(initiatives.FS(), file); err != nil {
		return nil, errUnknownInitiative
	}
	in, err := LoadInitiative(initiatives.FS(), file)
	if err != nil {
		return nil, fmt.Errorf("built-in initiative %s: %w", name, err)
	}
	in.BuiltIn = true
	in.File = "builtin:initiatives/" + file
	in.doc.file = in.File
	return in, nil
}

// builtinChain returns the extends chain of a built-in initiative, root
// first and ending with in. Built-ins extend only built-ins.
func builtinChain(in *Initiative) ([]*Initiative, error) {
	chain := []*Initiative{in}
	for cur := in; cur.Spec.Extends != ""; {
		if len(chain) > 16 {
			return nil, &Error{File: in.File, Field: "spec.extends", Msg: "built-in extends chain too long (a cycle?)"}
		}
		next, err := LoadBuiltinInitiative(cur.Spec.Extends)
		if err != nil {
			return nil, err
		}
		chain = append([]*Initiative{next}, chain...)
		cur = next
	}
	return chain, nil
}

// LoadBuiltinInitiative loads an embedded initiative by name.
func LoadBuiltinInitiative(name string) (*Initiative, error) {
	in, err := loadBuiltinInitiative(name)
	if err == errUnknownInitiative {
		return nil, &Error{File: name, Msg: fmt.Sprintf("unknown built-in initiative %q", name), Hint: hintOrList(name, BuiltinInitiatives())}
	}
	return in, err
}

// Resolve turns an initiative file into a Plan.
func Resolve(repo fs.FS, file string, cat *Catalog, opts Options) (*Plan, error) {
	chain, err := loadChain(repo, file)
	if err != nil {
		return nil, err
	}
	return resolveChain(chain, cat, opts)
}

func resolveChain(chain []*Initiative, cat *Catalog, opts Options) (*Plan, error) {
	leaf := chain[len(chain)-1]
	plan := &Plan{Initiative: leaf, Chain: chain}
	var errs ErrorList

	// Which policy each reference uses; a child may not re-point an inherited reference.
	policyOf := map[string]string{}
	refLevel := map[string]*Initiative{}
	failed := map[string]bool{}
	for _, in := range chain {
		for _, ref := range sortedKeys(in.Spec.Policies) {
			r := in.Spec.Policies[ref]
			name := ref
			if r != nil && r.Policy != "" {
				name = r.Policy
			}
			if failed[ref] {
				continue
			}
			if prev, ok := policyOf[ref]; ok {
				if r != nil && r.Policy != "" && r.Policy != prev {
					errs = append(errs, in.doc.errorAt([]string{"spec", "policies", ref, "policy"}, fmt.Sprintf("reference %q already uses policy %q in %s", ref, prev, refLevel[ref].Metadata.Name), "use a new reference id for a second use of a policy"))
				}
				continue
			}
			if _, ok := cat.Policy(name); !ok {
				field := []string{"spec", "policies", ref}
				if r != nil && r.Policy != "" {
					field = append(field, "policy")
				}
				e := in.doc.keyErrorAt(field, fmt.Sprintf("unknown policy %q", name), suggest(name, cat.Names()))
				if e.Hint == "" {
					e.Hint = "see `edict library list` for built-in policies"
				}
				errs = append(errs, e)
				failed[ref] = true
				continue
			}
			policyOf[ref] = name
			refLevel[ref] = in
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}

	refs := make([]string, 0, len(policyOf))
	for r := range policyOf {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	byRef := map[string]*Resolved{}
	for _, ref := range refs {
		p, _ := cat.Policy(policyOf[ref])
		res := &Resolved{Ref: ref, Policy: p, Effect: p.Spec.Effect, Parameters: parameterDefaults(p)}
		if res.Effect == "" {
			res.Effect = "audit"
		}
		if p.Spec.Match != nil {
			res.Match = *p.Spec.Match
		}
		for _, in := range chain {
			d := in.Spec.Defaults
			if d.Effect != "" {
				res.Effect = d.Effect
			}
			mergeMatch(&res.Match, d.Match)
			if d.Exclusions != nil {
				applyExclusions(res, d.Exclusions)
			}
			r := in.Spec.Policies[ref]
			if r == nil {
				continue
			}
			if r.Effect != "" {
				res.Effect = r.Effect
			}
			mergeMatch(&res.Match, r.Match)
			for _, k := range sortedKeys(r.Parameters) {
				field := []string{"spec", "policies", ref, "parameters", k}
				prop, known := parameterSchema(p, k)
				if !known {
					e := in.doc.keyErrorAt(field, fmt.Sprintf("unknown parameter %q of policy %s", k, p.Metadata.Name), suggest(k, parameterNames(p)))
					if e.Hint == "" {
						e.Hint = "parameters: " + strings.Join(parameterNames(p), ", ")
						if len(parameterNames(p)) == 0 {
							e.Hint = "this policy takes no parameters"
						}
					}
					errs = append(errs, e)
					continue
				}
				if err := validateValue(in.doc, field, prop, r.Parameters[k]); err != nil {
					errs = append(errs, err.(ErrorList)...)
					continue
				}
				res.Parameters[k] = r.Parameters[k]
			}
		}
		byRef[ref] = res
		plan.Refs = append(plan.Refs, res)
	}

	now := opts.now()
	warn := opts.ExpiryWarning
	if warn == 0 {
		warn = 30 * 24 * time.Hour
	}
	for _, in := range chain {
		for i, ex := range in.Spec.Exemptions {
			base := []string{"spec", "exemptions", fmt.Sprint(i)}
			expires, perr := time.Parse("2006-01-02", ex.Expires)
			if perr != nil {
				errs = append(errs, in.doc.errorAt(append(base, "expires"), "expected a date YYYY-MM-DD, got "+ex.Expires, ""))
				continue
			}
			if !now.Before(expires) {
				errs = append(errs, in.doc.errorAt(append(base, "expires"), fmt.Sprintf("exemption for %s in namespaces %s expired on %s; owner %s must renew or remove it", strings.Join(ex.Policies, ", "), strings.Join(ex.Namespaces, ", "), ex.Expires, ex.Owner), "extend expires or delete the exemption"))
				continue
			}
			if expires.Sub(now) <= warn {
				line, col := in.doc.locate(append(base, "expires"), false)
				days := int(expires.Sub(now).Hours() / 24)
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s:%d:%d: exemption for %s (owner %s) expires on %s, in %d days", in.File, line, col, strings.Join(ex.Policies, ", "), ex.Owner, ex.Expires, days))
			}
			for j, ref := range ex.Policies {
				res, ok := byRef[ref]
				if !ok {
					errs = append(errs, in.doc.errorAt(append(base, "policies", fmt.Sprint(j)), fmt.Sprintf("exemption names unknown reference %q", ref), suggest(ref, refs)))
					continue
				}
				res.Exemptions = append(res.Exemptions, ex)
				res.Match.ExcludedNamespaces = appendUnique(res.Match.ExcludedNamespaces, ex.Namespaces...)
			}
		}
	}
	return plan, errs.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, l := range list {
			if l == a {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

// mergeMatch overwrites, field by field, what over sets.
func mergeMatch(dst *Match, over *Match) {
	if over == nil {
		return
	}
	if over.Kinds != nil {
		dst.Kinds = over.Kinds
	}
	if over.Scope != "" {
		dst.Scope = over.Scope
	}
	if over.Namespaces != nil {
		dst.Namespaces = over.Namespaces
	}
	if over.ExcludedNamespaces != nil {
		dst.ExcludedNamespaces = append([]string(nil), over.ExcludedNamespaces...)
	}
	if over.LabelSelector != nil {
		dst.LabelSelector = over.LabelSelector
	}
	if over.NamespaceSelector != nil {
		dst.NamespaceSelector = over.NamespaceSelector
	}
	if over.Name != "" {
		dst.Name = over.Name
	}
	if over.Source != "" {
		dst.Source = over.Source
	}
}

// Names of the parameters edict adds to policies that honour exclusions.
const (
	paramExcludedImages     = "excludedImages"
	paramExcludedContainers = "excludedContainers"
)

func supports(p *Policy, exclusion string) bool {
	for _, e := range p.Spec.Exclusions {
		if e == exclusion {
			return true
		}
	}
	return false
}

func applyExclusions(res *Resolved, ex *Exclusions) {
	if ex.Images != nil && supports(res.Policy, "images") {
		res.Parameters[paramExcludedImages] = toAnyList(ex.Images)
	}
	if ex.Containers != nil && supports(res.Policy, "containers") {
		res.Parameters[paramExcludedContainers] = toAnyList(ex.Containers)
	}
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ParameterSchema is the constraint parameter schema the template declares:
// the policy's own parameters plus those of the exclusions it honours.
func ParameterSchema(p *Policy) map[string]any {
	schema := deepCopy(p.Spec.Parameters)
	if schema == nil {
		schema = map[string]any{"type": "object"}
	}
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	strList := func(desc string) map[string]any {
		return map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string"}}
	}
	if supports(p, "images") {
		props[paramExcludedImages] = strList("Images the policy ignores; a trailing * matches any image with that prefix.")
	}
	if supports(p, "containers") {
		props[paramExcludedContainers] = strList("Container names the policy ignores.")
	}
	if len(props) > 0 {
		schema["properties"] = props
	}
	return schema
}

func parameterSchema(p *Policy, name string) (map[string]any, bool) {
	props, _ := ParameterSchema(p)["properties"].(map[string]any)
	s, ok := props[name].(map[string]any)
	return s, ok
}

func parameterNames(p *Policy) []string {
	props, _ := ParameterSchema(p)["properties"].(map[string]any)
	return sortedKeys(props)
}

// parameterDefaults collects the default of every top-level parameter.
func parameterDefaults(p *Policy) map[string]any {
	out := map[string]any{}
	props, _ := p.Spec.Parameters["properties"].(map[string]any)
	for name, s := range props {
		if m, ok := s.(map[string]any); ok {
			if d, ok := m["default"]; ok {
				out[name] = deepCopyValue(d)
			}
		}
	}
	return out
}

// validateValue checks one parameter value against its OpenAPI schema,
// treated as JSON Schema (structural schemas are a subset).
func validateValue(d *document, field []string, schema map[string]any, value any) error {
	raw, err := json.Marshal(schema)
	if err != nil {
		return ErrorList{d.errorAt(field, "parameter schema: "+err.Error(), "")}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return ErrorList{d.errorAt(field, "parameter schema: "+err.Error(), "")}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource("param.json", doc); err != nil {
		return ErrorList{d.errorAt(field, "parameter schema: "+err.Error(), "")}
	}
	s, err := c.Compile("param.json")
	if err != nil {
		return ErrorList{d.errorAt(field, "parameter schema: "+err.Error(), "")}
	}
	known := func(p []string) []string {
		n := schema
		for _, seg := range p[len(field):] {
			if props, ok := n["properties"].(map[string]any); ok {
				if next, ok := props[seg].(map[string]any); ok {
					n = next
					continue
				}
			}
			if items, ok := n["items"].(map[string]any); ok {
				n = items
				continue
			}
			return nil
		}
		props, _ := n["properties"].(map[string]any)
		return sortedKeys(props)
	}
	if err := schemaErrors(d, field, s.Validate(normalize(value)), known); err != nil {
		if l, ok := err.(ErrorList); ok {
			return l
		}
		if e, ok := err.(*Error); ok {
			return ErrorList{e}
		}
		return ErrorList{d.errorAt(field, err.Error(), "")}
	}
	return nil
}

// normalize makes decoded JSON numbers acceptable to the validator.
func normalize(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return v
	}
	return out
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopyValue(m).(map[string]any)
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopyValue(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopyValue(x)
		}
		return out
	}
	return v
}
