package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/policytest"
)

type testOptions struct {
	format         string
	run            string
	root           string
	coverageMin    float64
	coverageReport bool
	library        bool
	verbose        bool
	cel            bool
	parallel       int
	allowEmpty     bool
	eval           evalOptions
}

func newTestCmd() *cobra.Command {
	var o testOptions
	cmd := &cobra.Command{
		Use:   "test [PATH...]",
		Short: "Run Rego unit tests, gator suites and initiative tests",
		Long: `Test runs, under each PATH (default: the current folder):

  - the Rego unit tests (*_test.rego) of every policy folder and Rego folder,
    each folder compiled on its own with the shared lib/ libraries, with line
    coverage per folder;
  - every gator suite (kind: Suite, test.gatekeeper.sh/v1alpha1), evaluated by
    Gatekeeper's own engine with gator verify's semantics; a test's template
    may be a ConstraintTemplate file or an edict policy (policy.yaml or its
    folder), rendered in memory;
  - every InitiativeTest (edict.dev/v1alpha1), checking which references of
    the resolved initiative deny, warn or audit each object.

Folders are walked recursively (gator's PATH/... form means the same);
hidden folders and folders named testdata below a PATH are skipped (name them
directly to test them). As for build, a
folder PATH is a repository root: shared Rego is read from its lib/ folder
and its initiatives find their policies under it. --root sets one root for
every PATH instead (files are always read relative to the current folder).
--library tests the built-in library; given alone it tests only the library.

Nothing outside the repository root is read: the current folder (or
--root, or a folder PATH outside the current folder). A suite, initiative
test or sample path that leads out of it with "..", or through a symlink,
is refused as bad input naming the file, line and field.

Exit code: 0 when everything passes, 1 when a test fails (or coverage is
below --coverage-min, or no test is found without --allow-empty), 2 when an input is bad (missing file, invalid YAML,
unknown field, template that does not compile); other tests still run.`,
		Example: `  # Everything under the current folder
  edict test

  # One policy folder, with uncovered lines, failing under 80% coverage
  edict test policies/required-labels --coverage-report --coverage-min 80

  # A checkout of gatekeeper-library, as gator verify would
  edict test ../gatekeeper-library/library

  # Only cases whose name mentions "privileged", as JUnit for CI
  edict test --run privileged --format junit > junit.xml

  # gator's forms: a recursive path, and a TEST//CASE filter
  edict test ./library/... --run 'required-labels//missing'

  # The built-in library's own tests
  edict test --library`,
		RunE: func(cmd *cobra.Command, args []string) error { return runTest(cmd, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output format: text, json or junit")
	f.StringVar(&o.run, "run", "", "only run tests whose full name (group/test/case) matches this regular expression, or gator's TEST//CASE form")
	f.StringVar(&o.root, "root", ".", "one repository root for every PATH (default: each folder PATH is its own root)")
	f.Float64Var(&o.coverageMin, "coverage-min", 0, "fail when a folder's Rego line coverage is below this percentage")
	f.BoolVar(&o.coverageReport, "coverage-report", false, "list uncovered Rego lines")
	f.BoolVar(&o.library, "library", false, "also test the built-in library")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "list passing and skipped tests too")
	f.BoolVar(&o.cel, "cel", true, "evaluate templates that carry CEL with the CEL engine, as Gatekeeper does")
	f.IntVar(&o.parallel, "parallel", 0, "tests run at once (default: number of CPUs)")
	f.BoolVar(&o.allowEmpty, "allow-empty", false, "succeed when no test is found (by default that is a failure)")
	o.eval.addFlags(cmd)
	return cmd
}

func runTest(cmd *cobra.Command, o testOptions, args []string) error {
	switch o.format {
	case "text", "json", "junit":
	default:
		return withExit(ExitUsage, fmt.Errorf("--format %q: expected text, json or junit", o.format))
	}
	if o.coverageMin < 0 || o.coverageMin > 100 {
		return withExit(ExitUsage, fmt.Errorf("--coverage-min %v: expected a percentage between 0 and 100", o.coverageMin))
	}
	if err := o.eval.validate(); err != nil {
		return err
	}
	if len(args) == 0 && !o.library {
		args = []string{"."}
	}
	for i, a := range args {
		args[i] = trimRecursive(a)
	}
	sources, err := testSources(o.root, cmd.Flags().Changed("root"), args)
	if err != nil {
		return withExit(ExitUsage, err)
	}
	popts := policytest.Options{
		Run:         o.run,
		Library:     o.library,
		CoverageMin: o.coverageMin,
		DisableCEL:  !o.cel,
		Parallel:    o.parallel,
	}
	o.eval.apply(&popts)
	rep, err := policytest.RunSources(cmd.Context(), sources, popts)
	if err != nil {
		return withExit(ExitUsage, err)
	}
	out := cmd.OutOrStdout()
	switch o.format {
	case "json":
		err = policytest.WriteJSON(out, rep)
	case "junit":
		err = policytest.WriteJUnit(out, rep)
	default:
		err = policytest.WriteText(out, rep, policytest.TextOptions{Verbose: o.verbose, CoverageReport: o.coverageReport})
	}
	if err != nil {
		return withExit(ExitIO, err)
	}
	switch code := rep.ExitCode(); code {
	case policytest.ExitBadInput:
		return withExit(ExitUsage, fmt.Errorf("%d test(s) could not run because of bad input", rep.Errors))
	case policytest.ExitFailure:
		return withExit(ExitFailure, fmt.Errorf("%d of %d test(s) failed", rep.Failed, rep.Passed+rep.Failed))
	}
	if rep.Passed+rep.Failed+rep.Errors+rep.Skipped == 0 {
		// A misspelt kind or a --run that matches nothing must not pass
		// as a green run.
		if !o.allowEmpty {
			return withExit(ExitFailure, errors.New("no tests found (pass --allow-empty if that is expected)"))
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "edict: no tests found")
	}
	return nil
}

// trimRecursive accepts gator's (and go's) PATH/... form: folders are always
// walked recursively, so "library/..." is "library" and "..." is ".".
func trimRecursive(p string) string {
	if p == "..." {
		return "."
	}
	if rest, ok := strings.CutSuffix(p, "/..."); ok {
		if rest == "" {
			return "/"
		}
		return rest
	}
	return p
}

// testSources maps command-line paths onto file trees, each confined to a
// repository root: nothing a suite, initiative test or sample names may
// resolve outside it, by ".." or by a symlink, so a pull request cannot make
// edict read (and print) the runner's files.
//
// With --root, every path belongs to that one root and must lie inside it.
// Otherwise paths inside the current folder are read within it (a folder
// PATH is still a repository root of its own for lib/ and initiatives, and
// its suites may use gator's "../" paths to files elsewhere in the current
// folder); a folder PATH outside the current folder is confined to itself,
// and a file PATH outside it needs --root.
func testSources(root string, rootSet bool, args []string) ([]policytest.Source, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(absRoot); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("--root %s: not a folder", root)
	}
	rootFS, err := input.OpenRoot(absRoot)
	if err != nil {
		return nil, err
	}
	// base shows paths of the root's tree the way the user reaches them.
	base := ""
	if cwd, err := os.Getwd(); err != nil || filepath.Clean(cwd) != absRoot {
		base = filepath.ToSlash(filepath.Clean(root)) + "/"
	}
	main := policytest.Source{FS: rootFS, Root: ".", Prefix: base, Base: base}
	var sources []policytest.Source
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, err
		}
		info, statErr := os.Stat(abs)
		isDir := statErr == nil && info.IsDir()
		rel, inside := within(absRoot, abs)
		switch {
		case !inside && errors.Is(statErr, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file or folder", a)
		case !inside && (rootSet || !isDir):
			flag := "the current folder"
			if rootSet {
				flag = "--root " + root
			}
			return nil, fmt.Errorf("%s is outside the repository root (%s); tests read only files inside it (pass --root with a folder that holds it, or run edict from there)", a, flag)
		case !inside:
			// A folder elsewhere is a repository of its own, confined to itself.
			fsys, err := input.OpenRoot(abs)
			if err != nil {
				return nil, err
			}
			prefix := filepath.ToSlash(filepath.Clean(a)) + "/"
			sources = append(sources, policytest.Source{FS: fsys, Root: ".", Paths: []string{"."}, Prefix: prefix, Base: prefix})
		case !rootSet && isDir && rel != ".":
			sources = append(sources, policytest.Source{FS: rootFS, Root: rel, Paths: []string{rel}, Prefix: filepath.ToSlash(filepath.Clean(a)) + "/", Base: base})
		default:
			main.Paths = append(main.Paths, rel)
		}
	}
	return append(sources, main), nil
}

// within returns target relative to root, as a slash path, when it lies
// inside root.
func within(root, target string) (string, bool) {
	rel, err := filepath.Rel(root, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
