package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/lint"
)

// strictOptions is the --strict flag of the commands that lint.
type strictOptions struct {
	strict bool
}

func (o *strictOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.strict, "strict", false, "treat every lint finding that is not acknowledged as an error (exit 2)")
}

// lintTargets resolves every target with its root's builder and lints it.
// Findings name files as the user sees them.
func lintTargets(builders map[string]*compile.Builder, targets []buildTarget) ([]*lint.Report, error) {
	out := make([]*lint.Report, 0, len(targets))
	for _, t := range targets {
		b := builders[t.root]
		var plan *compile.Plan
		var err error
		if name, isBuiltin := strings.CutPrefix(t.file, "builtin:"); isBuiltin {
			plan, err = b.ResolveBuiltin(name)
		} else {
			plan, err = b.Resolve(t.file)
		}
		if err != nil {
			return nil, prefixRoot(t.root, err)
		}
		fs, err := lint.Check(plan, lint.Options{})
		if err != nil {
			return nil, prefixRoot(t.root, err)
		}
		for i := range fs {
			fs[i].File = underRoot(t.root, fs[i].File)
			if a := fs[i].Acknowledged; a != nil {
				a.File = underRoot(t.root, a.File)
			}
		}
		rep := &lint.Report{}
		rep.Add(fs)
		out = append(out, rep)
	}
	return out, nil
}

func underRoot(root, file string) string {
	if root == "" || root == "." || file == "" || strings.HasPrefix(file, "builtin:") {
		return file
	}
	return filepath.Join(root, file)
}

// lintGate decides whether findings stop the command: errors always, open
// warnings with --strict.
func lintGate(rep *lint.Report, strict bool) error {
	e, w, _ := rep.Count()
	if e == 0 && (!strict || w == 0) {
		return nil
	}
	why := ""
	if strict && w > 0 {
		why = " (--strict)"
	}
	return withExit(ExitUsage, fmt.Errorf("%s%s; acknowledge intended findings in the initiative's spec.acknowledgements", strings.TrimPrefix(rep.Summary(), "lint: "), why))
}

// findingError is a lint finding as a positioned input error.
func findingError(f lint.Finding) *input.Error {
	msg := f.Rule + ": "
	if len(f.References) > 0 {
		msg += strings.Join(f.References, ", ") + ": "
	}
	return &input.Error{File: f.File, Line: f.Line, Column: f.Column, Msg: msg + f.Message, Hint: f.Hint}
}

// printRules writes the rule table of `edict lint --list-rules`.
func printRules(w io.Writer) error {
	var b strings.Builder
	for _, r := range lint.Rules() {
		fmt.Fprintf(&b, "%-36s %-8s %s\n", r.ID, r.Severity, r.Summary)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// lintBuild lints the initiatives being built, one report per target, and
// prints open findings to stderr. It refuses the build (before anything
// is written) on errors, or on any open finding with --strict.
func lintBuild(cmd *cobra.Command, builders map[string]*compile.Builder, targets []buildTarget, strict bool) ([]*lint.Report, error) {
	reports, err := lintTargets(builders, targets)
	if err != nil {
		return nil, err
	}
	all := &lint.Report{}
	for _, r := range reports {
		all.Add(r.Findings)
	}
	gate := lintGate(all, strict)
	// Findings that stop the build are its errors, positioned like every
	// other input error (and so in machine-readable diagnostics); the rest
	// are printed as warnings.
	var failing input.ErrorList
	for _, f := range all.Open() {
		if gate != nil && (strict || f.Severity == lint.Error) {
			failing = append(failing, findingError(f))
			continue
		}
		fmt.Fprintln(cmd.ErrOrStderr(), f.String())
	}
	if gate != nil {
		return nil, withExit(ExitUsage, fmt.Errorf("%w\n%v; no bundle was written", failing, gate))
	}
	return reports, nil
}
