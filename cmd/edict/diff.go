package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/diff"
	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

// Errors of the source package (an unknown POLICY argument, an unreadable
// git revision) are classified where the audit command registers them.

type diffOptions struct {
	failOn      string
	root        string
	against     []string
	impactLimit int
	out         reportOptions
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
without touching the working tree; OLD git:REV alone means NEW's path as it
was at REV.

With --against RESOURCES (files, folders, kustomize folders, - for standard
input; as for edict audit), both sides audit the same objects with
Gatekeeper's engine and the report adds, per reference, the objects newly
denied, warned or audited and those no longer, with counts and the first
--impact-limit objects of each list.

Exit code 0; with --fail-on tightening, 1 when a change tightens or, with
--against, when an object is newly denied, warned or audited; 2 when an input
is bad (the report is still written when only some --against inputs could
not be read).`,
		Example: `  # In a pull request: what does this branch change against main?
  edict diff git:origin/main . --output markdown > diff.md

  # Two built bundles, failing the job when policy gets stricter
  edict diff dist-old/contoso-prod dist/contoso-prod --fail-on tightening

  # A published release against the working tree
  edict diff oci://ghcr.io/contoso/policies:2.3.0 initiatives/contoso-prod.yaml

  # What the change does to the GitOps manifests, as a pull-request comment
  edict diff git:origin/main . --against clusters/prod --output markdown > diff.md`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.validate(); err != nil {
				return err
			}
			if o.failOn != "tightening" && o.failOn != "none" {
				return withExit(ExitUsage, fmt.Errorf("--fail-on %q: expected tightening or none", o.failOn))
			}
			if o.impactLimit <= 0 {
				return withExit(ExitUsage, fmt.Errorf("--impact-limit %d: expected a positive number of objects", o.impactLimit))
			}
			ctx := cmd.Context()
			var sides [2]diff.Side
			var loaded [2][]*source.Bundle
			for i, arg := range args {
				opts := source.Options{Root: o.root}
				if kind, kerr := source.Classify(args[1]); i == 0 && kerr == nil && (kind == source.KindInitiative || kind == source.KindRepository) {
					// git:REV alone means NEW as it was at REV, as for audit --baseline.
					opts.GitPath = args[1]
				}
				bundles, err := source.Resolve(ctx, arg, opts)
				if err != nil {
					return err
				}
				loaded[i] = bundles
				sides[i].Origin = arg
				for _, b := range bundles {
					sides[i].Bundles = append(sides[i].Bundles, b.Output)
				}
			}
			report := diff.Compare(sides[0], sides[1])
			if len(o.against) > 0 {
				in, err := resources.Open(o.against, cmd.InOrStdin(), resources.Options{Root: o.root})
				if err != nil {
					return err
				}
				defer in.Close()
				err = diff.AuditImpact(ctx, report, loaded[0], loaded[1], in, diff.ImpactOptions{Limit: o.impactLimit, Inputs: o.against})
				if err != nil {
					return withExit(ExitIO, err)
				}
			}
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
			if a := report.Against; a != nil && len(a.Errors) > 0 {
				for _, e := range a.Errors {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				return withExit(ExitUsage, fmt.Errorf("%s could not be read; the other inputs were audited", plural(len(a.Errors), "input", "inputs")))
			}
			if o.failOn == "tightening" && report.Tightens() {
				if report.Verdict != diff.VerdictTightening {
					return withExit(ExitFailure, errors.New("the change reports objects of --against that were admitted before (see the impact)"))
				}
				return withExit(ExitFailure, fmt.Errorf("the change tightens policy (%s bump)", report.Bump))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.failOn, "fail-on", "none", "exit 1 when the change is: tightening, or none to always exit 0")
	cmd.Flags().StringArrayVar(&o.against, "against", nil, "resources both sides are audited against (files, folders, kustomize folders, - for stdin; repeatable)")
	cmd.Flags().IntVar(&o.impactLimit, "impact-limit", diff.DefaultImpactLimit, "objects named per impact list (the counts are always complete)")
	cmd.Flags().StringVar(&o.root, "root", "", "repository root in which initiative files find their policies (default: the nearest folder above the file holding policies/, initiatives/ or .git)")
	o.out.addFlags(cmd)
	return cmd
}
