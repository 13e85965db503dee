package compile

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
)

// Lib is a shared Rego library module (package lib.<name>).
type Lib struct {
	Package string // e.g. lib.pods
	File    string
	Source  string
	BuiltIn bool // from the embedded library
	module  *ast.Module
}

// loadLibs reads every non-test .rego file in dir of fsys as a library.
func loadLibs(fsys fs.FS, dir string) (map[string]*Lib, error) {
	libs := map[string]*Lib{}
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return libs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read libraries %s: %w", dir, err)
	}
	var errs input.ErrorList
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") || strings.HasSuffix(e.Name(), "_test.rego") {
			continue
		}
		file := path.Join(dir, e.Name())
		src, err := input.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read library %s: %w", file, err)
		}
		m, err := parseRego(file, string(src))
		if err != nil {
			errs = append(errs, err.(input.ErrorList)...)
			continue
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !strings.HasPrefix(pkg, "lib.") {
			line, col := locOf(m.Package.Location)
			errs = append(errs, &input.Error{File: file, Line: line, Column: col, Field: "package", Msg: fmt.Sprintf("library package %q must be under lib. (Gatekeeper only links libraries named lib.<name>)", pkg), Hint: "rename it to package lib." + path.Base(strings.TrimSuffix(e.Name(), ".rego"))})
			continue
		}
		if bad := forbiddenCalls(m, file); len(bad) > 0 {
			errs = append(errs, bad...)
			continue
		}
		if prev, dup := libs[pkg]; dup {
			errs = append(errs, &input.Error{File: file, Field: "package", Msg: fmt.Sprintf("package %s is also defined in %s", pkg, prev.File)})
			continue
		}
		libs[pkg] = &Lib{Package: pkg, File: file, Source: string(src), module: m}
	}
	return libs, errs.Err()
}

func parseRego(file, src string) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(file, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
	if err != nil {
		errs := regoErrors(file, err)
		// Policies written for older Gatekeeper releases are Rego v0: say so
		// once, with the formatter that rewrites them, rather than leave the
		// user to decode v1's complaints about missing keywords.
		if _, v0err := ast.ParseModuleWithOpts(file, src, ast.ParserOptions{RegoVersion: ast.RegoV0}); v0err == nil && len(errs) > 0 {
			errs[0].Hint = fmt.Sprintf("this is Rego v0 and edict needs Rego v1: `opa fmt --v0-v1 -w %s` rewrites it, adding import rego.v1 and the if and contains keywords", file)
		}
		return nil, errs
	}
	if m == nil {
		return nil, input.ErrorList{{File: file, Line: 1, Msg: "empty Rego file; expected a package declaration"}}
	}
	return m, nil
}

func locOf(l *ast.Location) (int, int) {
	if l == nil {
		return 0, 0
	}
	return l.Row, l.Col
}

// regoErrors converts OPA's parse and compile errors to positioned Errors.
func regoErrors(file string, err error) input.ErrorList {
	var out input.ErrorList
	var astErrs ast.Errors
	if errors.As(err, &astErrs) {
		for _, e := range astErrs {
			f, line, col := file, 0, 0
			if e.Location != nil {
				line, col = e.Location.Row, e.Location.Col
				if e.Location.File != "" {
					f = e.Location.File
				}
			}
			out = append(out, &input.Error{File: f, Line: line, Column: col, Msg: "rego: " + e.Message})
		}
		return out
	}
	return input.ErrorList{{File: file, Msg: "rego: " + err.Error()}}
}

// CompiledPolicy is a policy whose Rego passed OPA's compiler and the
// Gatekeeper contract, with the libraries it needs.
type CompiledPolicy struct {
	*Policy
	Libs   []*Lib // sorted by package, only those the policy imports (transitively)
	module *ast.Module
	// inventoryAt is the first data.inventory reference of the policy's
	// own module (line, column), zero when it reads no inventory.
	inventoryAt [2]int
}

// compileRego parses and compiles a policy's Rego together with the
// libraries, then enforces Gatekeeper's contract: a violation rule, only
// data.lib.* and data.inventory references, no forbidden builtins.
func compileRego(p *Policy, libs map[string]*Lib) (*CompiledPolicy, error) {
	file := path.Join(p.Dir, "policy.rego")
	m, err := parseRego(file, p.Rego)
	if err != nil {
		return nil, err
	}
	var errs input.ErrorList
	own := m.Package.Path.String()
	if strings.HasPrefix(own, "data.lib.") || own == "data.lib" {
		line, col := locOf(m.Package.Location)
		errs = append(errs, &input.Error{File: file, Line: line, Column: col, Field: "package", Msg: "a policy's package must not be under lib. (that namespace is for shared libraries)"})
	}
	for _, imp := range m.Imports {
		_, ok := imp.Path.Value.(ast.Ref)
		s := imp.Path.String()
		if ok && (strings.HasPrefix(s, "data.lib.") || strings.HasPrefix(s, "future.keywords") || s == "rego.v1") {
			if s == "rego.v1" {
				line, col := locOf(imp.Location)
				errs = append(errs, &input.Error{File: file, Line: line, Column: col, Field: "import", Msg: "import rego.v1 is not allowed in Gatekeeper Rego v1 templates", Hint: "remove it; edict renders templates with version v1"})
			}
			continue
		}
		line, col := locOf(imp.Location)
		errs = append(errs, &input.Error{File: file, Line: line, Column: col, Field: "import", Msg: fmt.Sprintf("import %s is not allowed; Gatekeeper templates may import only data.lib.*", s)})
	}
	hasViolation := false
	for _, r := range m.Rules {
		if r.Head.Name.String() == "violation" || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.String() == "violation") {
			hasViolation = true
			if r.Head.RuleKind() != ast.MultiValue {
				line, col := locOf(r.Location)
				errs = append(errs, &input.Error{File: file, Line: line, Column: col, Field: "violation", Msg: "violation must be a partial set rule", Hint: `write: violation contains {"msg": msg} if { ... }`})
			}
		}
	}
	if !hasViolation {
		errs = append(errs, &input.Error{File: file, Line: 1, Column: 1, Msg: "no violation rule; Gatekeeper calls violation[{\"msg\": msg}]", Hint: `add: violation contains {"msg": msg} if { ... }`})
	}
	errs = append(errs, forbiddenCalls(m, file)...)
	if len(errs) > 0 {
		return nil, errs.Err()
	}

	needed, err := neededLibs(m, libs, file)
	if err != nil {
		return nil, err
	}
	modules := map[string]*ast.Module{file: m}
	for _, l := range needed {
		modules[l.File] = l.module.Copy()
	}
	c := ast.NewCompiler().WithCapabilities(engine.Capabilities())
	c.Compile(modules)
	if c.Failed() {
		return nil, regoErrors(file, c.Errors).Err()
	}
	// After compilation every reference is fully qualified, so data
	// references can be checked against Gatekeeper's allow-list.
	compiled := c.Modules[file]
	var inventoryAt [2]int
	ast.WalkRefs(compiled, func(r ast.Ref) bool {
		if !r.HasPrefix(ast.DefaultRootRef) {
			return false
		}
		s := r.String()
		if strings.HasPrefix(s, "data.inventory") && inventoryAt == [2]int{} {
			line, col := locOf(r[0].Location)
			inventoryAt = [2]int{line, col}
		}
		if strings.HasPrefix(s, own+".") || s == own || strings.HasPrefix(s, "data.lib.") || strings.HasPrefix(s, "data.inventory") {
			return false
		}
		line, col := locOf(r[0].Location)
		errs = append(errs, &input.Error{File: file, Line: line, Column: col, Msg: fmt.Sprintf("reference %s is not allowed; Gatekeeper templates may read only data.lib.* and data.inventory", s), Hint: "pass values through input.parameters instead"})
		return false
	})
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return &CompiledPolicy{Policy: p, Libs: needed, module: m, inventoryAt: inventoryAt}, nil
}

// forbiddenCalls reports every call of a builtin Gatekeeper does not offer
// (engine.ForbiddenBuiltins), in a policy or a library alike.
func forbiddenCalls(m *ast.Module, file string) input.ErrorList {
	var errs input.ErrorList
	flag := func(name string, loc *ast.Location) {
		if why, bad := engine.ForbiddenBuiltins[name]; bad {
			line, col := locOf(loc)
			errs = append(errs, &input.Error{File: file, Line: line, Column: col, Msg: fmt.Sprintf("builtin %s is not allowed: %s", name, why)})
		}
	}
	walkCalls(m, flag)
	return errs
}

// walkCalls calls fn for every function call in m, with the function's
// name and the call's location. Calls appear both as expressions (f(x))
// and as terms inside them (y := f(x)).
func walkCalls(m *ast.Module, fn func(name string, loc *ast.Location)) {
	ast.WalkExprs(m, func(e *ast.Expr) bool {
		if e.IsCall() {
			fn(e.Operator().String(), e.Location)
		}
		return false
	})
	ast.WalkTerms(m, func(t *ast.Term) bool {
		if call, ok := t.Value.(ast.Call); ok && len(call) > 0 {
			fn(call[0].String(), t.Location)
		}
		return false
	})
}

// neededLibs follows data.lib.* references from m through the libraries,
// so each template carries exactly the libraries it uses.
func neededLibs(m *ast.Module, libs map[string]*Lib, file string) ([]*Lib, error) {
	pkgs := make([]string, 0, len(libs))
	for p := range libs {
		pkgs = append(pkgs, p)
	}
	// Longest package first so data.lib.a.b.rule resolves to lib.a.b before lib.a.
	sort.Slice(pkgs, func(i, j int) bool { return len(pkgs[i]) > len(pkgs[j]) })
	found := map[string]*Lib{}
	var missing input.ErrorList
	var visit func(mod *ast.Module, from string)
	visit = func(mod *ast.Module, from string) {
		refs := map[string]*ast.Location{}
		for _, imp := range mod.Imports {
			refs[imp.Path.String()] = imp.Location
		}
		ast.WalkRefs(mod, func(r ast.Ref) bool {
			if r.HasPrefix(ast.DefaultRootRef) {
				refs[r.String()] = r[0].Location
			}
			return false
		})
		names := make([]string, 0, len(refs))
		for r := range refs {
			names = append(names, r)
		}
		sort.Strings(names)
		for _, r := range names {
			if !strings.HasPrefix(r, "data.lib.") {
				continue
			}
			target := strings.TrimPrefix(r, "data.")
			var hit *Lib
			for _, p := range pkgs {
				if target == p || strings.HasPrefix(target, p+".") || strings.HasPrefix(p, target+".") {
					hit = libs[p]
					break
				}
			}
			if hit == nil {
				line, col := locOf(refs[r])
				missing = append(missing, &input.Error{File: from, Line: line, Column: col, Msg: fmt.Sprintf("%s: no library provides it", r), Hint: input.Suggest(target, pkgs)})
				continue
			}
			if _, seen := found[hit.Package]; !seen {
				found[hit.Package] = hit
				visit(hit.module, hit.File)
			}
		}
	}
	visit(m, file)
	if len(missing) > 0 {
		return nil, missing.Err()
	}
	out := make([]*Lib, 0, len(found))
	for _, l := range found {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out, nil
}
