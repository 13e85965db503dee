package policytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
)

// regoFile is one parsed Rego file.
type regoFile struct {
	name   string // display path; also the module's location file
	module *ast.Module
	test   bool
}

func (f *regoFile) pkg() string { return f.module.Package.Path.String() }

// parseRego parses Rego v1 and falls back to v0, so that folders written for
// older Gatekeeper releases (v0 templates) can be unit-tested as they are.
// When neither parses, the v1 error is the one worth showing.
func parseRego(name string, src []byte) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err == nil {
		return m, nil
	}
	if m0, err0 := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV0}); err0 == nil {
		return m0, nil
	}
	return nil, err
}

// readRegoDir parses the .rego files directly in dir.
func readRegoDir(src *source, dir string) ([]*regoFile, error) {
	entries, err := fs.ReadDir(src.fsys, dir)
	if err != nil {
		return nil, err
	}
	var files []*regoFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") {
			continue
		}
		p := path.Join(dir, e.Name())
		data, err := input.ReadFile(src.fsys, p)
		if err != nil {
			return nil, err
		}
		m, err := parseRego(src.display(p), data)
		if err != nil {
			return nil, err
		}
		files = append(files, &regoFile{name: src.display(p), module: m, test: strings.HasSuffix(e.Name(), "_test.rego")})
	}
	return files, nil
}

// libSet is the shared Rego a folder's tests compile with.
type libSet struct {
	once  sync.Once
	files []*regoFile
	err   error
}

func (r *runner) libsFor(ctx context.Context, src *source) ([]*regoFile, error) {
	builtin, err := r.loadLibs(r.builtinLib)
	if err != nil {
		return nil, err
	}
	if src == r.builtinLib {
		return builtin, nil
	}
	own, err := r.loadLibs(src)
	if err != nil {
		return nil, err
	}
	// As when rendering a template, a built-in library package wins over a
	// repository's package of the same name.
	have := map[string]bool{}
	for _, f := range builtin {
		have[f.pkg()] = true
	}
	out := append([]*regoFile(nil), builtin...)
	for _, f := range own {
		if !have[f.pkg()] {
			out = append(out, f)
		}
	}
	return out, nil
}

// loadLibs parses the non-test files of src's lib/ folder once per run.
func (r *runner) loadLibs(src *source) ([]*regoFile, error) {
	r.libsMu.Lock()
	ls, ok := r.libs[src]
	if !ok {
		ls = &libSet{}
		r.libs[src] = ls
	}
	r.libsMu.Unlock()
	ls.once.Do(func() {
		lib := path.Join(src.root, "lib")
		if info, err := fs.Stat(src.fsys, lib); err != nil || !info.IsDir() {
			return
		}
		files, err := readRegoDir(src, lib)
		if err != nil {
			ls.err = err
			return
		}
		for _, f := range files {
			if !f.test {
				ls.files = append(ls.files, f)
			}
		}
	})
	return ls.files, ls.err
}

// capabilities is Gatekeeper's set: a unit test calling http.send or
// net.lookup_ip_addr would pass here (reaching the network from a
// pull-request job) and the template would fail in the cluster.
var capabilities = engine.Capabilities()

// runUnit runs the Rego unit tests of one folder, compiled in isolation with
// the shared libraries, as Gatekeeper compiles each template on its own.
func (r *runner) runUnit(ctx context.Context, u unitDir) ([]Result, *Coverage) {
	group := u.src.display(u.dir)
	start := time.Now()
	errResult := func(err error) []Result {
		ie := asInputError(group, err)
		return []Result{{Kind: KindRego, Group: group, Status: StatusError, File: ie.File, Line: ie.Line, Message: ie.Msg, Duration: time.Since(start)}}
	}
	files, err := readRegoDir(u.src, u.dir)
	if err != nil {
		return errResult(regoErr(group, err)), nil
	}
	libs, err := r.libsFor(ctx, u.src)
	if err != nil {
		return errResult(regoErr(group, err)), nil
	}
	own := map[string]bool{}
	modules := map[string]*ast.Module{}
	covered := map[string]*ast.Module{}
	for _, f := range files {
		own[f.pkg()] = true
		modules[f.name] = f.module
		if !f.test {
			covered[f.name] = f.module
		}
	}
	for _, f := range libs {
		// The folder's own definition of a package (the lib folder itself)
		// replaces the shared one.
		if _, dup := modules[f.name]; !dup && !own[f.pkg()] {
			modules[f.name] = f.module
		}
	}
	cov := cover.New()
	compiler := ast.NewCompiler().
		WithCapabilities(capabilities).
		WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetModules(modules).
		SetCoverageQueryTracer(cov).
		SetCoverageRuns(nil).
		CapturePrintOutput(true).
		SetParallel(1).
		SetTimeout(r.unitTimeout)
	ctx, release := r.guard.watchMemory(ctx)
	defer release()
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return errResult(regoErr(group, err)), nil
	}
	var results []Result
	failed := map[string]int{} // test's full name -> index in results
	for tr := range ch {
		res := Result{Kind: KindRego, Group: group, Name: tr.Name, Duration: tr.Duration}
		if tr.Location != nil {
			res.File, res.Line = tr.Location.File, tr.Location.Row
		}
		switch {
		case tr.Skip:
			res.Status = StatusSkip
		case tr.Error != nil:
			res.Status, res.Message = StatusFail, "error: "+tr.Error.Error()
			if errors.Is(context.Cause(ctx), errMemory) {
				res.Status, res.Message = StatusError, r.guard.explain(ctx, tr.Error).Error()
			} else if tr.Duration >= r.unitTimeout || (isCancel(tr.Error) && ctx.Err() == nil) {
				res.Status, res.Message = StatusError, fmt.Sprintf("stopped after %s, the per-test timeout (raise it with --case-timeout): %v", r.unitTimeout, tr.Error)
			}
		case tr.Fail:
			res.Status = StatusFail
			res.Message = "failed"
		default:
			res.Status = StatusPass
		}
		if len(tr.Output) > 0 && res.Status != StatusPass {
			res.Message += "\nprint output:\n" + strings.TrimRight(string(tr.Output), "\n")
		}
		if !r.filter.match("", res.Group, res.Name) {
			continue
		}
		if tr.Fail {
			failed[tr.Package+"."+tr.Name] = len(results)
		}
		results = append(results, res)
	}
	if len(failed) > 0 {
		// Tracing slows every test down, so only the failing ones run
		// again, traced, to say which expression failed with which values.
		for name, detail := range r.explainFailures(ctx, modules, failed) {
			results[failed[name]].Message = detail + strings.TrimPrefix(results[failed[name]].Message, "failed")
		}
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].File != results[j].File {
			return results[i].File < results[j].File
		}
		return results[i].Line < results[j].Line
	})
	return results, coverageOf(group, cov.Report(covered), covered)
}

// explainFailures runs the named tests again with tracing and returns, per
// test, where it failed: the last expression that failed in the test's own
// query, with the values of its variables (as opa test --var-values shows).
func (r *runner) explainFailures(ctx context.Context, modules map[string]*ast.Module, failed map[string]int) map[string]string {
	names := make([]string, 0, len(failed))
	for n := range failed {
		names = append(names, regexp.QuoteMeta(n))
	}
	sort.Strings(names)
	compiler := ast.NewCompiler().WithCapabilities(capabilities).WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetModules(modules).
		EnableTracing(true).
		CapturePrintOutput(true).
		SetParallel(1).
		SetTimeout(r.unitTimeout).
		Filter("^(" + strings.Join(names, "|") + ")$")
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for tr := range ch {
		if !tr.Fail {
			continue
		}
		if detail := failureDetail(tr.Trace); detail != "" {
			out[tr.Package+"."+tr.Name] = detail
		}
	}
	return out
}

// failureDetail finds the failing expression in a test's trace: the last
// failure inside a query (an every's body rather than the every itself).
func failureDetail(trace []*topdown.Event) string {
	for _, e := range slices.Backward(trace) {
		if e.Op != topdown.FailOp || e.Location == nil || e.QueryID == 0 {
			continue
		}
		if expr, ok := e.Node.(*ast.Expr); ok {
			if _, every := expr.Terms.(*ast.Every); every {
				continue
			}
		}
		var buf bytes.Buffer
		if err := topdown.PrettyEvent(&buf, e, topdown.PrettyEventOpts{PrettyVars: true}); err != nil {
			return ""
		}
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		for i, l := range lines {
			lines[i] = "  " + strings.TrimPrefix(l, "\t")
		}
		return fmt.Sprintf("failed at %s:%d:\n%s", e.Location.File, e.Location.Row, strings.Join(lines, "\n"))
	}
	return ""
}

func coverageOf(group string, rep cover.Report, modules map[string]*ast.Module) *Coverage {
	c := &Coverage{Group: group}
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fc := FileCoverage{File: n}
		if fr := rep.Files[n]; fr != nil {
			fc.Covered, fc.Total = fr.CoveredLines, fr.CoveredLines+fr.NotCoveredLines
			for _, rg := range fr.NotCovered {
				// Adjacent lines read better as one range.
				if n := len(fc.Uncovered); n > 0 && rg.Start.Row <= fc.Uncovered[n-1].End+1 {
					fc.Uncovered[n-1].End = max(fc.Uncovered[n-1].End, rg.End.Row)
					continue
				}
				fc.Uncovered = append(fc.Uncovered, LineRange{Start: rg.Start.Row, End: rg.End.Row})
			}
		}
		c.Covered += fc.Covered
		c.Total += fc.Total
		c.Files = append(c.Files, fc)
	}
	if c.Total > 0 {
		c.Percent = 100 * float64(c.Covered) / float64(c.Total)
	} else {
		c.Percent = 100
	}
	return c
}

// regoErr turns parser and compiler errors into a positioned input.Error.
func regoErr(group string, err error) error {
	if errs, ok := err.(ast.Errors); ok && len(errs) > 0 {
		first := errs[0]
		msgs := make([]string, 0, len(errs))
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		ie := &input.Error{File: group, Msg: strings.Join(msgs, "\n")}
		if first.Location != nil {
			ie.File, ie.Line = first.Location.File, first.Location.Row
			if len(errs) == 1 {
				ie.Msg = first.Message
			}
		}
		return ie
	}
	return err
}

// isCancel reports whether a test stopped because its evaluation was
// cancelled. With the run itself still going, only the per-test timeout
// cancels one test; the duration the tester records can fall a little
// short of the timeout on a loaded machine, so it alone cannot tell.
func isCancel(err error) bool {
	var te *topdown.Error
	return errors.As(err, &te) && te.Code == topdown.CancelErr
}
