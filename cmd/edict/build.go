package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/lint"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/source"
	"github.com/edict-policy/edict/target"
)

type buildOptions struct {
	outDir  string
	root    string
	test    bool
	signKey string
	// gatekeeper overrides the initiatives' spec.gatekeeper target.
	gatekeeper string
	// templatesBundle is NAME:VERSION of a templates bundle to make from
	// the built initiatives (several initiatives in one cluster).
	templatesBundle string
	// serves are bundles (folders, OCI references, repositories, git
	// revisions) the templates bundle must serve; registry reaches them.
	serves   []string
	registry registryOptions
	out      outputOptions
	eval     evalOptions
	lint     strictOptions
}

func newBuildCmd() *cobra.Command {
	var o buildOptions
	cmd := &cobra.Command{
		Use:   "build [PATH...]",
		Short: "Render initiatives into Gatekeeper ConstraintTemplates and Constraints",
		Long: `Build resolves each initiative (extends, defaults, per-reference overrides,
exemptions), compiles its Rego against the Gatekeeper contract, renders
ConstraintTemplates and Constraints with kustomizations and a bundle.json index,
and proves the result with Gatekeeper's engine and kustomize.

PATH is an initiative file, a repository folder (every Initiative in it is built)
or the name of a built-in initiative. Policies are looked up in the built-in
library and under --root: by default a folder PATH itself, and for a file the
nearest folder above it that holds policies/, initiatives/ or .git (else the
file's own folder), wherever edict runs from.
Output goes to OUT/<initiative>/, written atomically: a failed build leaves any
earlier bundle untouched. With --output json, stdout holds the list of built
bundles, or on failure {"ok": false, "diagnostics": [...]} with the file, line,
column, field, message and hint of every error.

Build runs ` + "`edict lint`" + ` on every initiative and prints its findings as
warnings; with --strict an open finding fails the build (exit 2) and nothing is
written. A finding of severity error always fails it.

Bundles are built for a Gatekeeper release: --gatekeeper, else the
initiative's spec.gatekeeper, else ` + target.Default.String() + `. Releases from ` + target.Oldest.String() + ` to
` + target.Newest.String() + ` are supported; before ` + target.RegoV1.Since.String() + ` the Rego is written as Rego v0 (OPA's
import rego.v1 form), and a builtin the release's OPA lacks is an error.
bundle.json records the oldest release the bundle runs on.

Several initiatives in one cluster: each bundle carries the templates its
constraints need, so two bundles synced side by side would both own them.
--templates-bundle NAME:VERSION also writes OUT/NAME/, a templates bundle
holding every ConstraintTemplate and ExpansionTemplate of the initiatives
built, once; push it like any bundle and wire the cluster with
` + "`edict gitops flux|argo --templates REF BUNDLE-REF...`" + `, which syncs the
templates bundle first and only the constraints of each initiative bundle.
A policy's template must then be the same in every initiative built (one
repository version, one --gatekeeper); a policy from version 2.0.0 on names
its constraint kind after its major version (K8sFooV2), so a templates bundle
can serve two majors while initiatives move. --serve BUNDLE proves with
Gatekeeper's engine that the templates bundle accepts the constraints of a
bundle clusters already run (a folder, oci:// reference, repository or
git:REV[:PATH]), and fails the build otherwise.`,
		Example: `  # Build every initiative of a policy repository into dist/
  edict build examples/contoso

  # Build one initiative file, policies looked up in the repository it is in
  edict build initiatives/prod.yaml -o out

  # Build a built-in initiative as it is
  edict build pod-security-baseline

  # Run the tests first and sign bundle.json (password from EDICT_KEY_PASSWORD)
  edict build . --test --sign-key cosign.key

  # Refuse to write bundles while any lint finding is open
  edict build . --strict

  # Build for a cluster still on Gatekeeper 3.18 (Rego v0 templates)
  edict build . --gatekeeper 3.18

  # Several initiatives for one cluster: their shared templates as one bundle,
  # proved to serve a team's bundle already in the clusters
  edict build . --templates-bundle policy-templates:1.4.0 --serve oci://ghcr.io/contoso/team-a:1.1.0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runBuild(cmd, o, args)
			if err != nil && o.out.json() {
				// CI reads stdout: a failed build is JSON there too.
				if werr := writeJSON(cmd.OutOrStdout(), failureReport(err)); werr != nil {
					return withExit(ExitIO, werr)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&o.outDir, "out-dir", "o", "dist", "folder that receives one bundle folder per initiative")
	cmd.Flags().StringVar(&o.root, "root", "", "repository root searched for policies (default: PATH if a folder, else the nearest folder above the file holding policies/, initiatives/ or .git)")
	cmd.Flags().BoolVar(&o.test, "test", false, "run `edict test` on the repository first and refuse to write failing bundles")
	cmd.Flags().StringVar(&o.signKey, "sign-key", "", "private key (cosign or PKCS#8 PEM) to sign bundle.json into bundle.sig")
	cmd.Flags().StringVar(&o.gatekeeper, "gatekeeper", "", "Gatekeeper release to build for, "+target.Oldest.String()+" to "+target.Newest.String()+" (default: the initiative's spec.gatekeeper, else "+target.Default.String()+")")
	cmd.Flags().StringVar(&o.templatesBundle, "templates-bundle", "", "also write a templates bundle NAME:VERSION holding the template of every policy, for clusters that sync several initiatives")
	cmd.Flags().StringArrayVar(&o.serves, "serve", nil, "with --templates-bundle: a bundle already in clusters (folder, oci:// reference, repository or git:REV[:PATH]) whose constraints the templates bundle must accept; repeatable")
	o.registry.addFlags(cmd)
	o.out.addFlags(cmd)
	o.eval.addFlags(cmd)
	o.lint.addFlags(cmd)
	return cmd
}

// buildTarget is one initiative to build: a file inside a repository root.
type buildTarget struct {
	root    string // folder on disk; "" for a built-in initiative built alone
	file    string // slash path relative to root; "builtin:<name>" for built-ins
	guessed bool   // root was found from the file's location, not given
}

type buildResult struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Dir         string `json:"dir"`
	Templates   int    `json:"templates"`
	Constraints int    `json:"constraints"`
	Signed      bool   `json:"signed"`
	// Contents is "templates" for the templates bundle (--templates-bundle),
	// and Serves the --serve bundles it was proved to serve.
	Contents string   `json:"contents,omitempty"`
	Serves   []string `json:"serves,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Lint holds the lint findings no acknowledgement accepts.
	Lint []lint.Finding `json:"lint,omitempty"`
}

func runBuild(cmd *cobra.Command, o buildOptions, args []string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	var copts compile.Options
	if o.gatekeeper != "" {
		g, err := target.Parse(o.gatekeeper)
		if err != nil {
			return usageErr(fmt.Errorf("--gatekeeper: %w", err))
		}
		copts.Gatekeeper = g
	}
	targets, err := findTargets(args, o.root)
	if err != nil {
		return err
	}
	if o.test {
		if err := o.eval.validate(); err != nil {
			return err
		}
		if err := runPreBuildTests(cmd, targets, o.eval); err != nil {
			return err
		}
	}
	var writeOpts []bundle.WriteOption
	if o.signKey != "" {
		signer, err := loadSigner(cmd, o.signKey)
		if err != nil {
			return err
		}
		writeOpts = append(writeOpts, bundle.WithSigner(signer))
	}

	// Build everything before writing anything, so one bad initiative does
	// not leave a mix of new and old bundles behind.
	builders := map[string]*compile.Builder{}
	for _, t := range targets {
		if _, ok := builders[t.root]; ok {
			continue
		}
		var repo fs.FS
		if t.root != "" {
			if repo, err = input.OpenRoot(t.root); err != nil {
				return withExit(ExitIO, err)
			}
		}
		b, err := compile.NewBuilder(repo, ".", copts)
		if err != nil {
			return err
		}
		builders[t.root] = b
	}
	// Initiatives are built concurrently, and reported in the order given,
	// so the output and the error shown do not depend on which finished first.
	built := make([]struct {
		out *rendered.Bundle
		err error
	}, len(targets))
	var wg sync.WaitGroup
	slots := make(chan struct{}, compile.Workers())
	for i, t := range targets {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			b := builders[t.root]
			if name, isBuiltin := strings.CutPrefix(t.file, "builtin:"); isBuiltin {
				built[i].out, built[i].err = b.BuildBuiltin(cmd.Context(), name)
			} else {
				built[i].out, built[i].err = b.Build(cmd.Context(), t.file)
			}
		}()
	}
	wg.Wait()
	var outputs []*rendered.Bundle
	seen := map[string]string{}
	for i, t := range targets {
		out, err := built[i].out, built[i].err
		if err != nil {
			if t.guessed {
				adviseRoot(t.root, err)
			}
			return prefixRoot(t.root, err)
		}
		if prev, dup := seen[out.Name]; dup {
			return withExit(ExitUsage, fmt.Errorf("initiative %q is defined twice (%s and %s); bundle folders are named after initiatives", out.Name, prev, filepath.Join(t.root, t.file)))
		}
		seen[out.Name] = filepath.Join(t.root, t.file)
		outputs = append(outputs, out)
	}

	if err := compile.CheckCollisions(outputs); err != nil {
		return err
	}
	var served []string // what --serve proved the templates bundle serves
	if len(o.serves) > 0 && o.templatesBundle == "" {
		return usageErr(fmt.Errorf("--serve checks a templates bundle: give --templates-bundle NAME:VERSION too"))
	}
	if o.templatesBundle != "" {
		name, ver, ok := strings.Cut(o.templatesBundle, ":")
		if !ok {
			return usageErr(fmt.Errorf("--templates-bundle %q: expected NAME:VERSION, for example policy-templates:1.4.0", o.templatesBundle))
		}
		if prev, dup := seen[name]; dup {
			return usageErr(fmt.Errorf("--templates-bundle %s: an initiative has that name (%s); bundle folders are named after bundles", name, prev))
		}
		// Every policy of each repository, not only those the initiatives
		// built here use: the templates bundle must also serve initiatives
		// built from earlier versions of the repository.
		var libs []*rendered.Bundle
		for _, root := range slices.Sorted(maps.Keys(builders)) {
			lib, err := builders[root].LibraryTemplates(cmd.Context(), copts.Gatekeeper)
			if err != nil {
				return prefixRoot(root, err)
			}
			libs = append(libs, lib)
		}
		shared, err := compile.SharedTemplates(name, ver, outputs, libs...)
		if err != nil {
			return withExit(ExitUsage, fmt.Errorf("--templates-bundle %s: %w", o.templatesBundle, err))
		}
		if served, err = checkServes(cmd, o, shared); err != nil {
			return err
		}
		outputs = append(outputs, shared)
	}
	lints, err := lintBuild(cmd, builders, targets, o.lint.strict)
	if err != nil {
		return err
	}

	var results []buildResult
	for i, out := range outputs {
		var open []lint.Finding
		if i < len(lints) {
			open = lints[i].Open()
		}
		dir := filepath.Join(o.outDir, out.Name)
		if err := bundle.Write(dir, out, writeOpts...); err != nil {
			var ie *bundle.InvalidError
			if errors.As(err, &ie) {
				return withExit(ExitUsage, err)
			}
			return withExit(ExitIO, fmt.Errorf("write %s: %w", dir, err))
		}
		res := buildResult{Name: out.Name, Version: out.Version, Dir: dir, Signed: o.signKey != "", Contents: out.Contents, Warnings: out.Warnings, Lint: open}
		if out.Contents == rendered.ContentsTemplates {
			res.Serves = served
		}
		res.Constraints = len(out.Constraints)
		res.Templates = len(out.Templates) + len(out.Expansions)
		for _, w := range out.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
		}
		results = append(results, res)
	}
	w := cmd.OutOrStdout()
	if o.out.json() {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	for _, r := range results {
		signed := ""
		if r.Signed {
			signed = ", signed"
		}
		if r.Contents == rendered.ContentsTemplates {
			fmt.Fprintf(w, "built templates bundle %s %s -> %s (%d templates%s)\n", r.Name, r.Version, r.Dir, r.Templates, signed)
			for _, s := range r.Serves {
				fmt.Fprintf(w, "  serves %s\n", s)
			}
			continue
		}
		fmt.Fprintf(w, "built %s %s -> %s (%d templates, %d constraints%s)\n", r.Name, r.Version, r.Dir, r.Templates, r.Constraints, signed)
	}
	return nil
}

// diagnostic is one error of a failed build, for --output json.
type diagnostic struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// buildFailure is what build --output json prints when the build fails.
type buildFailure struct {
	OK          bool         `json:"ok"`
	Diagnostics []diagnostic `json:"diagnostics"`
}

// failureReport lists every positioned error of err, or err itself when it
// has no position (a folder that cannot be written, a key that cannot be read).
func failureReport(err error) buildFailure {
	var ds []diagnostic
	input.Each(err, func(e *input.Error) {
		ds = append(ds, diagnostic{File: e.File, Line: e.Line, Column: e.Column, Field: e.Field, Message: e.Msg, Hint: e.Hint})
	})
	if len(ds) == 0 {
		ds = append(ds, diagnostic{Message: err.Error()})
	}
	return buildFailure{Diagnostics: ds}
}

// adviseRoot tells the user which root an unknown policy was looked up
// under when edict chose it, and how to choose another.
func adviseRoot(root string, err error) {
	input.Each(err, func(e *input.Error) {
		if e.Code != input.CodeUnknownPolicy {
			return
		}
		advice := fmt.Sprintf("policies were looked up under %s, found from the file's location; pass --root to name the repository", displayPath(root))
		if e.Hint != "" {
			advice = e.Hint + "; " + advice
		}
		e.Hint = advice
	})
}

// displayPath shows p relative to the current folder when it is inside it.
func displayPath(p string) string {
	if cwd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(cwd, p); err == nil && filepath.IsLocal(rel) {
			return rel
		}
		if filepath.Clean(p) == filepath.Clean(cwd) {
			return "."
		}
	}
	return p
}

// prefixRoot makes positioned errors name files as the user sees them.
func prefixRoot(root string, err error) error {
	if root == "." || root == "" {
		return err
	}
	input.Each(err, func(e *input.Error) {
		if !strings.HasPrefix(e.File, "builtin:") && e.File != "" {
			e.File = filepath.Join(root, e.File)
		}
	})
	return err
}

// findTargets expands PATH arguments into initiative files.
func findTargets(args []string, root string) ([]buildTarget, error) {
	var targets []buildTarget
	for _, arg := range args {
		info, statErr := os.Stat(arg)
		switch {
		case statErr == nil && info.IsDir():
			r := arg
			if root != "" {
				r = root
			}
			found, err := initiativeFiles(arg)
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				return nil, withExit(ExitUsage, fmt.Errorf("%s: no Initiative files found (YAML files with kind: Initiative)", arg))
			}
			for _, f := range found {
				rel, err := relSlash(r, f)
				if err != nil {
					return nil, err
				}
				targets = append(targets, buildTarget{root: r, file: rel})
			}
		case statErr == nil:
			r, guessed := root, false
			if r == "" {
				// The repository is the one the file is in, wherever edict
				// runs from: never a walk of the current folder.
				found, _, err := input.FindRoot(arg)
				if err != nil {
					return nil, withExit(ExitIO, err)
				}
				r, guessed = displayPath(found), true
			}
			rel, err := relSlash(r, arg)
			if err != nil {
				return nil, err
			}
			targets = append(targets, buildTarget{root: r, file: rel, guessed: guessed})
		default:
			if isBuiltinInitiative(arg) {
				// A built-in uses built-in policies only, unless --root names
				// a repository whose policies it should see.
				targets = append(targets, buildTarget{root: root, file: "builtin:" + arg})
				continue
			}
			hint := ""
			if names := compile.BuiltinInitiatives(); len(names) > 0 {
				hint = " (built-in initiatives: " + strings.Join(names, ", ") + ")"
			}
			return nil, withExit(ExitUsage, fmt.Errorf("%s: no such file, folder or built-in initiative%s", arg, hint))
		}
	}
	return targets, nil
}

func isBuiltinInitiative(name string) bool {
	for _, n := range compile.BuiltinInitiatives() {
		if n == name {
			return true
		}
	}
	return false
}

func relSlash(root, p string) (string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	absP, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absRoot, absP)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", withExit(ExitUsage, fmt.Errorf("%s is outside the repository root %s; pass --root", p, root))
	}
	return filepath.ToSlash(rel), nil
}

// initiativeFiles finds YAML files with kind: Initiative under dir, walking
// the repository as every command does.
func initiativeFiles(dir string) ([]string, error) {
	repo, err := input.OpenRoot(dir)
	if err != nil {
		return nil, withExit(ExitIO, err)
	}
	found, err := input.FilesOfKind(repo, ".", "Initiative")
	if err != nil {
		if input.IsInputError(err) {
			return nil, prefixRoot(dir, err)
		}
		return nil, withExit(ExitIO, fmt.Errorf("scan %s: %w", dir, err))
	}
	for i, f := range found {
		found[i] = filepath.Join(dir, filepath.FromSlash(f))
	}
	return found, nil
}

// checkServes proves with Gatekeeper's engine that the templates bundle
// accepts the constraints of every bundle --serve names, typically the
// initiative bundles clusters already run, built from earlier versions of
// the repository.
func checkServes(cmd *cobra.Command, o buildOptions, shared *rendered.Bundle) ([]string, error) {
	if len(o.serves) == 0 {
		return nil, nil
	}
	if err := o.registry.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := o.registry.context(cmd)
	defer cancel()
	var bundles []*rendered.Bundle
	var served []string
	for _, arg := range o.serves {
		found, err := source.Resolve(ctx, arg, source.Options{Remote: o.registry.remote()})
		if err != nil {
			return nil, o.registry.explain(ctx, fmt.Errorf("--serve %s: %w", arg, err))
		}
		for _, b := range found {
			bundles = append(bundles, b.Output)
			served = append(served, fmt.Sprintf("%s %s (%s)", b.Output.Name, b.Output.Version, b.Origin))
		}
	}
	if err := compile.CheckServes(ctx, shared, bundles...); err != nil {
		return nil, withExit(ExitUsage, err)
	}
	return served, nil
}
