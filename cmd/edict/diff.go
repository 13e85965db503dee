package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/diff"
	"github.com/edict-policy/edict/source"
)

// Errors of the source package (an unknown POLICY argument, an unreadable
// git revision) are classified where the audit command registers them.

type diffOptions struct {
	failOn string
	root   string
	out    reportOptions
}

func newDiffCmd() *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "What a policy change changes: tightening, loosening and the version bump it needs",
		Long: `Diff compares two versions of policy semantically, per initiative and reference:
references added and removed, policy version changes, effect changes, parameter
changes item by item, match, exclusion and exemption changes, and template
changes (the Rego or CEL source as a unified diff, the parameter schema). Each
change is classified as tightening (something admitted before may now be
reported or denied), loosening, or changed when edict cannot tell; a list
parameter's direction comes from x-edict-direction (allowlist or denylist) in
its policy's parameter schema.

The verdict line names the semantic-version bump the bundle needs: major when a
change may deny what was admitted, minor when it only adds audit or warn
findings, patch otherwise; a warning says when NEW's version does not carry it.

OLD and NEW are anything edict loads: an initiative file, a repository folder,
a built-in initiative, a built bundle folder, oci://host/repo:tag, an OCI
layout folder, or git:REV (git:REV:PATH) of the current repository, read
without touching the working tree. Exit code 0; with --fail-on tightening, 1
when a change tightens.`,
		Example: `  # In a pull request: what does this branch change against main?
  edict diff git:origin/main . --output markdown > diff.md

  # Two built bundles, failing the job when policy gets stricter
  edict diff dist-old/contoso-prod dist/contoso-prod --fail-on tightening

  # A published release against the working tree
  edict diff oci://ghcr.io/contoso/policies:2.3.0 initiatives/contoso-prod.yaml`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.validate(); err != nil {
				return err
			}
			if o.failOn != "tightening" && o.failOn != "none" {
				return withExit(ExitUsage, fmt.Errorf("--fail-on %q: expected tightening or none", o.failOn))
			}
			ctx := cmd.Context()
			var sides [2]diff.Side
			for i, arg := range args {
				bundles, err := source.Resolve(ctx, arg, source.Options{Root: o.root})
				if err != nil {
					return err
				}
				sides[i].Origin = arg
				for _, b := range bundles {
					sides[i].Bundles = append(sides[i].Bundles, b.Output)
				}
			}
			report := diff.Compare(sides[0], sides[1])
			w := cmd.OutOrStdout()
			var err error
			switch o.out.format {
			case "json":
				err = diff.JSON(w, report)
			case "markdown":
				err = diff.Markdown(w, report)
			default:
				err = diff.Text(w, report)
			}
			if err != nil {
				return withExit(ExitIO, err)
			}
			if o.failOn == "tightening" && report.Tightens() {
				return withExit(ExitFailure, fmt.Errorf("the change tightens policy (%s bump)", report.Bump))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.failOn, "fail-on", "none", "exit 1 when the change is: tightening, or none to always exit 0")
	cmd.Flags().StringVar(&o.root, "root", "", "repository root in which initiative files find their policies (default: the nearest folder above the file holding policies/, initiatives/ or .git)")
	o.out.addFlags(cmd)
	return cmd
}
