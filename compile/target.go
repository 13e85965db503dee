package compile

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/target"
)

// chooseTarget decides the Gatekeeper release a build is for: the
// --gatekeeper flag (opts), else spec.gatekeeper of the nearest initiative
// of the chain that sets it, else target.Default.
func chooseTarget(chain []*Initiative, opts Options) (target.Gatekeeper, *input.Error) {
	if !opts.Gatekeeper.IsZero() {
		return opts.Gatekeeper, nil
	}
	for _, in := range slices.Backward(chain) {
		if in.Spec.Gatekeeper == "" {
			continue
		}
		g, err := target.Parse(in.Spec.Gatekeeper)
		if err != nil {
			e := &input.Error{File: in.File, Field: "spec.gatekeeper", Msg: err.Error(), Hint: fmt.Sprintf("write a release from %s to %s, such as %q", target.Oldest, target.Newest, target.Default.String())}
			if in.doc != nil {
				e = in.doc.ErrorAt([]string{"spec", "gatekeeper"}, err.Error(), e.Hint)
			}
			return target.Gatekeeper{}, e
		}
		return g, nil
	}
	return target.Default, nil
}

// regoFor is the policy's Rego and its libraries' as the target runs them:
// as written (Rego v1) from the release that has Rego v1 templates, else
// formatted by OPA in its v1-compatible Rego v0 form. That form imports
// rego.v1, which Gatekeeper refuses (a template may import only data.lib
// and future keywords), so the import becomes future.keywords: the same
// keywords, without the stricter v1 checks the policy already passed.
func regoFor(cp *CompiledPolicy, t target.Gatekeeper) (rego string, libs []string, err error) {
	rego = cp.Rego
	for _, l := range cp.Libs {
		libs = append(libs, l.Source)
	}
	if t.Has(target.RegoV1) {
		return rego, libs, nil
	}
	v0 := func(file, src string) (string, error) {
		out, err := format.SourceWithOpts(file, []byte(src), format.Opts{
			RegoVersion:   ast.RegoV0CompatV1,
			ParserOptions: &ast.ParserOptions{RegoVersion: ast.RegoV1},
		})
		if err != nil {
			return "", fmt.Errorf("format %s as Rego v0 for Gatekeeper %s: %w", file, t, err)
		}
		text := strings.Replace(string(out), "\nimport rego.v1\n", "\nimport future.keywords\n", 1)
		// The translation must parse as the target parses a template
		// without source.version (Rego v0), importing only what Gatekeeper
		// allows.
		m, err := ast.ParseModuleWithOpts(file, text, ast.ParserOptions{RegoVersion: ast.RegoV0})
		if err != nil {
			return "", fmt.Errorf("the Rego v0 form of %s does not parse as Rego v0: %w", file, err)
		}
		for _, imp := range m.Imports {
			if p := imp.Path.String(); p == "rego.v1" {
				return "", fmt.Errorf("the Rego v0 form of %s still imports %s", file, p)
			}
		}
		return text, nil
	}
	if rego, err = v0(cp.regoFile(), cp.Rego); err != nil {
		return "", nil, err
	}
	for i, l := range cp.Libs {
		if libs[i], err = v0(l.File, l.Source); err != nil {
			return "", nil, err
		}
	}
	return rego, libs, nil
}

// checkTarget reports every builtin the policy or its libraries call that
// the target's OPA lacks, at the call, naming the first release that has
// it. It returns the oldest release the policy's builtins allow.
func checkTarget(cp *CompiledPolicy, t target.Gatekeeper) (target.Gatekeeper, input.ErrorList) {
	have, err := t.Builtins()
	if err != nil {
		return target.Gatekeeper{}, input.ErrorList{{File: cp.File(), Msg: err.Error()}}
	}
	needs := target.Oldest
	var errs input.ErrorList
	check := func(m *ast.Module, file string) {
		for _, c := range builtinCalls(m) {
			since, known := target.BuiltinSince(c.name)
			if !known {
				// edict's OPA is newer than any supported Gatekeeper's: a
				// builtin it compiles may still be one no cluster has.
				if engineBuiltins()[c.name] {
					line, col := locOf(c.loc)
					errs = append(errs, &input.Error{File: file, Line: line, Column: col,
						Msg:  fmt.Sprintf("builtin %s is in no supported Gatekeeper release's OPA (the newest, %s, runs OPA %s)", c.name, target.Newest, target.Newest.OPA()),
						Hint: "do without " + c.name})
				}
				continue // otherwise a function of the policy's own
			}
			needs = target.Max(needs, since)
			if have[c.name] {
				continue
			}
			line, col := locOf(c.loc)
			errs = append(errs, &input.Error{File: file, Line: line, Column: col,
				Msg:  fmt.Sprintf("builtin %s needs Gatekeeper %s or newer (OPA %s); the target is Gatekeeper %s (OPA %s)", c.name, since, since.OPA(), t, t.OPA()),
				Hint: fmt.Sprintf("target Gatekeeper %s or newer (--gatekeeper or spec.gatekeeper), or do without %s", since, c.name)})
		}
	}
	check(cp.module, cp.regoFile())
	for _, l := range cp.Libs {
		check(l.module, l.File)
	}
	return needs, errs
}

type call struct {
	name string
	loc  *ast.Location
}

// builtinCalls lists the calls in m by operator name, first call of each
// name only (one error per builtin and file is enough).
func builtinCalls(m *ast.Module) []call {
	var out []call
	seen := map[string]bool{}
	walkCalls(m, func(name string, loc *ast.Location) {
		if !seen[name] {
			seen[name] = true
			out = append(out, call{name, loc})
		}
	})
	slices.SortFunc(out, func(a, b call) int {
		la, _ := locOf(a.loc)
		lb, _ := locOf(b.loc)
		return la - lb
	})
	return out
}

// regoFile is the path of the policy's Rego, for positions in errors.
func (p *Policy) regoFile() string { return path.Join(p.Dir, "policy.rego") }

// engineBuiltins is the set of builtins edict's compiler accepts.
var engineBuiltins = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, b := range engine.Capabilities().Builtins {
		m[b.Name] = true
	}
	return m
})
