// Package policytest runs edict's tests: Rego unit tests, gator-format
// example suites and initiative tests, all evaluated the way Gatekeeper
// evaluates them.
//
// Entry point:
//
//	repo, err := input.OpenRoot(".") // nothing outside it can be read
//	report, err := policytest.Run(ctx, repo, []string{"."}, policytest.Options{})
//	// report.ExitCode(): 0 all passed, 1 a test failed, 2 bad input
//
// Run discovers, under each path of fsys (folders are walked; hidden folders
// and folders named testdata below a given path are skipped):
//
//   - policy folders (a policy.yaml of kind Policy) and any folder holding
//     *_test.rego files: all .rego files of the folder are compiled together
//     with the shared libraries (the built-in library's lib/ and the lib/
//     folder at the root of fsys), in isolation from other folders, and run
//     with OPA's tester. Line coverage of the folder's non-test Rego is
//     reported per folder; Options.CoverageMin turns it into a gate.
//   - gator suites (kind Suite, test.gatekeeper.sh): each test's template and
//     constraint are loaded into Gatekeeper's engine (package engine) and
//     every case's object is reviewed with gator verify's semantics
//     (inventory, AdmissionReview objects, expansion, violations yes|no|N,
//     message regexes, invalid, skip). A test's template may also name an
//     edict policy (its policy.yaml or folder), rendered in memory.
//   - initiative tests (kind InitiativeTest, schemas/initiativetest.schema.json):
//     the initiative is resolved and rendered by package compile, and each
//     object's outcome (allowed, or denied/warned/audited by reference) is
//     compared with the expectation.
//
// With Options.Library the built-in library (library.FS()) is tested too.
//
// Each template is compiled once per run and reused by every suite and case
// that names it; suites, policy folders and initiative tests run in parallel.
// Problems with inputs (missing files, invalid YAML, unknown fields,
// templates that do not compile) become results with StatusError rather
// than ending the run, so every other test still runs and is reported.
package policytest

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/library"
)

// Options control a run.
type Options struct {
	// Run keeps only tests whose full name (Result.FullName: group, then
	// test and case names, joined by "/") matches this regular expression.
	Run string
	// Library also tests the built-in library.
	Library bool
	// CoverageMin, when above zero, fails every unit-tested folder whose Rego
	// line coverage is below this percentage.
	CoverageMin float64
	// DisableCEL evaluates templates that carry both CEL and Rego with Rego.
	// By default CEL is preferred, as gator and Gatekeeper do.
	DisableCEL bool
	// Parallel is the number of tests run at once; 0 means GOMAXPROCS.
	Parallel int
	// Compile is passed to the compiler for initiative tests.
	Compile compile.Options
	// UnitTimeout bounds one Rego unit test; 0 means CaseTimeout.
	UnitTimeout time.Duration
	// CaseTimeout bounds the evaluation of one suite or initiative test
	// case; 0 means DefaultCaseTimeout.
	CaseTimeout time.Duration
	// MaxMemory stops every evaluation in flight when the heap grows past
	// this many bytes; 0 means DefaultMaxMemory.
	MaxMemory int64
}

// Source is a file tree with the paths to test in it. Root is the repository
// root inside FS ("" or "." for FS itself): shared Rego is read from its lib/
// folder and initiatives find their policies under it. Paths under Root are
// shown in results as Prefix followed by the path relative to Root; other
// paths of FS are shown as Base followed by the path.
//
// Nothing outside FS is ever read: a suite or initiative test path that
// leads above it ("../..") is an input error naming the field. Give an FS
// from input.OpenRoot so that symlinks leading out of it are refused too.
type Source struct {
	FS     fs.FS
	Root   string
	Paths  []string
	Prefix string
	Base   string
}

// Run tests paths of fsys (default ".") and, with opts.Library, the built-in
// library. The error is reserved for unusable options; everything about the
// tests themselves is in the Report.
func Run(ctx context.Context, fsys fs.FS, paths []string, opts Options) (*Report, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	return RunSources(ctx, []Source{{FS: fsys, Paths: paths}}, opts)
}

// LibraryPrefix marks built-in library paths in results.
const LibraryPrefix = "library:"

// RunSources is Run over several trees at once, sharing one template cache
// and one worker pool.
func RunSources(ctx context.Context, sources []Source, opts Options) (*Report, error) {
	r, err := newRunner(opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, sources)
}

func (r *runner) run(ctx context.Context, sources []Source) (*Report, error) {
	start := time.Now()
	opts := r.opts
	var srcs []*source
	for i, s := range sources {
		if len(s.Paths) == 0 {
			continue
		}
		root := path.Clean(s.Root)
		if s.Root == "" {
			root = "."
		}
		srcs = append(srcs, &source{id: strconv.Itoa(i), fsys: s.FS, root: root, prefix: s.Prefix, base: s.Base, paths: s.Paths})
	}
	if opts.Library {
		srcs = append(srcs, r.builtinLib)
	}
	f := discover(srcs)
	rep := &Report{Results: append([]Result(nil), f.errs...)}
	defer r.guard.start()()

	type job struct {
		run func() ([]Result, *Coverage)
	}
	var jobs []job
	for _, u := range f.units {
		u := u
		jobs = append(jobs, job{func() ([]Result, *Coverage) { return r.runUnit(ctx, u) }})
	}
	for _, s := range f.suites {
		s := s
		jobs = append(jobs, job{func() ([]Result, *Coverage) { return r.runSuite(ctx, s), nil }})
	}
	for _, it := range f.inits {
		it := it
		jobs = append(jobs, job{func() ([]Result, *Coverage) { return r.runInitiativeTest(ctx, it), nil }})
	}
	results := make([][]Result, len(jobs))
	covs := make([]*Coverage, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < r.parallel; w++ {
		wg.Go(func() {
			for i := range next {
				results[i], covs[i] = jobs[i].run()
			}
		})
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range jobs {
		rep.Results = append(rep.Results, results[i]...)
		if c := covs[i]; c != nil {
			rep.Coverage = append(rep.Coverage, *c)
			if opts.CoverageMin > 0 && c.Total > 0 {
				rep.Results = append(rep.Results, coverageGate(c, opts.CoverageMin))
			}
		}
	}
	rep.finish()
	rep.Duration = time.Since(start)
	return rep, nil
}

func coverageGate(c *Coverage, min float64) Result {
	res := Result{Kind: KindCoverage, Group: c.Group, Name: "coverage", Status: StatusPass,
		Message: fmt.Sprintf("%.1f%% of %d lines covered", c.Percent, c.Total)}
	if c.Percent < min {
		res.Status = StatusFail
		res.Message = fmt.Sprintf("coverage %.1f%% (%d/%d lines) is below the minimum %.1f%%", c.Percent, c.Covered, c.Total, min)
		if len(c.Files) > 0 {
			res.File = c.Files[0].File
		}
	}
	return res
}

// runner holds what one run shares across its workers.
type runner struct {
	opts        Options
	filter      *nameFilter
	parallel    int
	unitTimeout time.Duration
	guard       *guard
	engineOpts  []engine.Option
	templates   *templateCache
	files       objectCache
	builtinLib  *source

	libsMu sync.Mutex
	libs   map[*source]*libSet

	initMu   sync.Mutex
	inits    map[string]*initiativeEnv
	builders map[*source]*compile.Builder
}

func newRunner(opts Options) (*runner, error) {
	r := &runner{
		opts:        opts,
		parallel:    opts.Parallel,
		unitTimeout: opts.UnitTimeout,
		libs:        map[*source]*libSet{},
		inits:       map[string]*initiativeEnv{},
		builders:    map[*source]*compile.Builder{},
		builtinLib:  &source{id: "library", fsys: library.FS(), root: ".", prefix: LibraryPrefix, paths: []string{"."}},
	}
	filter, err := newNameFilter(opts.Run)
	if err != nil {
		return nil, fmt.Errorf("--run: %w", err)
	}
	r.filter = filter
	if r.parallel <= 0 {
		r.parallel = runtime.GOMAXPROCS(0)
	}
	r.guard = newGuard(opts.CaseTimeout, opts.MaxMemory)
	if r.unitTimeout <= 0 {
		r.unitTimeout = r.guard.timeout
	}
	if opts.DisableCEL {
		r.engineOpts = append(r.engineOpts, engine.WithCEL(false))
	}
	r.templates = newTemplateCache(r.engineOpts, 2*r.parallel)
	return r, nil
}
