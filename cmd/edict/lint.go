package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/lint"
)

type lintOptions struct {
	root             string
	output           string
	listRules        bool
	showAcknowledged bool
	strict           strictOptions
}

func newLintCmd() *cobra.Command {
	var o lintOptions
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Warn about settings that can lock up a cluster or switch a control off",
		Long: `Lint resolves each initiative (extends, defaults, overrides, exemptions) and
reports settings that are valid and build, yet deny every Pod, reach
kube-system, or quietly switch a control off: effect deny on system
namespaces, a child dropping its parent's system-namespace exclusions, empty
image allow-lists, wildcards in allow-lists, exemptions for every namespace or
for years, disabled controls, inverted ranges. Each finding has a rule id, the
file:line:column of the setting that decides it, and a hint.

An intended finding is acknowledged in the initiative:

  spec:
    acknowledgements:
      - {rule: exemption-long-lived, references: [privileged-containers], reason: ...}

Exit codes: 0 when nothing is open (warnings are printed), 2 when a finding of
severity error is open, or any open finding with --strict. PATH is an
initiative file, a repository folder or a built-in initiative, as for build.`,
		Example: `  # Lint every initiative of a repository
  edict lint .

  # In CI: fail on any finding, and annotate the pull request
  edict lint . --strict --output sarif > lint.sarif

  # The rules and their ids
  edict lint --list-rules

  # What has been acknowledged, and why
  edict lint initiatives/prod.yaml --show-acknowledged`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, o, args)
		},
	}
	cmd.Flags().StringVar(&o.root, "root", "", "repository root searched for policies (default: PATH if a folder, else .)")
	cmd.Flags().StringVar(&o.output, "output", "text", "output format: text, json or sarif")
	cmd.Flags().BoolVar(&o.listRules, "list-rules", false, "print every rule with its id and severity, and exit")
	cmd.Flags().BoolVar(&o.showAcknowledged, "show-acknowledged", false, "also print acknowledged findings with their reason (text output)")
	o.strict.addFlags(cmd)
	return cmd
}

func runLint(cmd *cobra.Command, o lintOptions, args []string) error {
	switch o.output {
	case "text", "json", "sarif":
	default:
		return withExit(ExitUsage, fmt.Errorf("--output %q: expected text, json or sarif", o.output))
	}
	w := cmd.OutOrStdout()
	if o.listRules {
		if len(args) > 0 {
			return withExit(ExitUsage, fmt.Errorf("--list-rules takes no PATH"))
		}
		if o.output == "json" {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(lint.Rules())
		}
		return printRules(w)
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	targets, err := findTargets(args, o.root)
	if err != nil {
		return err
	}
	builders := map[string]*compile.Builder{}
	for _, t := range targets {
		if _, ok := builders[t.root]; ok {
			continue
		}
		b, err := newRootBuilder(t.root)
		if err != nil {
			return err
		}
		builders[t.root] = b
	}
	reports, err := lintTargets(builders, targets)
	if err != nil {
		return err
	}
	rep := &lint.Report{}
	for _, r := range reports {
		rep.Add(r.Findings)
	}
	switch o.output {
	case "json":
		err = lint.WriteJSON(w, rep)
	case "sarif":
		err = lint.WriteSARIF(w, rep)
	default:
		err = lint.WriteText(w, rep, o.showAcknowledged)
	}
	if err != nil {
		return withExit(ExitIO, err)
	}
	return lintGate(rep, o.strict.strict)
}

// newRootBuilder opens a repository root ("" for built-ins only) for
// resolution.
func newRootBuilder(root string) (*compile.Builder, error) {
	if root == "" {
		return compile.NewBuilder(nil, ".", compile.Options{})
	}
	repo, err := input.OpenRoot(root)
	if err != nil {
		return nil, withExit(ExitIO, err)
	}
	b, err := compile.NewBuilder(repo, ".", compile.Options{})
	if err != nil {
		return nil, prefixRoot(root, err)
	}
	return b, nil
}
