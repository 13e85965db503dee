package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/atomicwrite"
	"github.com/edict-policy/edict/audit"
	"github.com/edict-policy/edict/audit/report"
	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

type auditOptions struct {
	baseline string
	formats  []string
	outputs  []string
	failOn   string
	failNew  bool
	key      string
	root     string
	workers  int
	registry registryOptions
}

func newAuditCmd() *cobra.Command {
	var o auditOptions
	cmd := &cobra.Command{
		Use:   "audit POLICY RESOURCES...",
		Short: "Review Kubernetes manifests or a cluster snapshot against policy, offline",
		Long: `Audit answers "what will this policy break?": every object of RESOURCES is
reviewed by Gatekeeper's own engine against the bundles POLICY names, exactly as
Gatekeeper's audit and gator test judge it - constraint matching (kinds,
namespaces, label and namespace selectors, scope), exemptions, and the bundle's
ExpansionTemplates, so a Deployment is judged through the Pod it would create and
reported at the Deployment. Namespaces (and, for templates that read it,
data.inventory) come from RESOURCES.

POLICY is an initiative file, a policy repository folder (every initiative), a
built-in initiative name, a built bundle folder, oci://host/repo:tag or an OCI
layout folder (verified with --key), or git:REV[:PATH] - the same at a revision of
the current git repository (PATH defaults to POLICY's path when it is local, else
the current folder).

RESOURCES are files, folders (walked recursively; a folder holding a
kustomization is rendered with kustomize), and - for standard input: multi-
document YAML, JSON, and kind: List snapshots from kubectl get -o yaml.
Objects that cannot be reviewed are listed as skipped; invalid YAML is reported
with its file and line, the rest is still audited, and the exit code is 2.

With --baseline OLD (a second POLICY, typically git:origin/main) every result is
marked new, unchanged or fixed. --fail-on sets which results fail the run (exit 1):
deny (default), warn (deny or warn), any, or none; --fail-on-new counts only new
results. Several --format/--output pairs write several reports from one run; a
format without an --output goes to standard output.`,
		Example: `  # What does the restricted profile do to a cluster snapshot?
  kubectl get namespaces,pods,deployments,daemonsets,statefulsets,jobs,cronjobs -A -o yaml > snapshot.yaml
  edict audit pod-security-restricted snapshot.yaml

  # In a pull request: what does this change newly deny in the GitOps repository?
  edict audit . clusters/prod --baseline git:origin/main --fail-on-new \
      --format sarif --output audit.sarif --format markdown --output audit.md

  # A published, signed bundle against rendered Helm output
  helm template my-chart | edict audit oci://ghcr.io/contoso/policies:2.3.0 - --key release.pub`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return runAudit(cmd, o, args[0], args[1:]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.baseline, "baseline", "", "a second POLICY to compare with (git:REV[:PATH], bundle folder, oci://...); marks results new, unchanged or fixed")
	f.StringArrayVar(&o.formats, "format", nil, "report format: "+strings.Join(report.Formats, ", ")+" (repeatable; default text)")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "file for the report of the --format at the same position (repeatable; written atomically)")
	f.StringVar(&o.failOn, "fail-on", "deny", "results that fail the run: deny, warn (deny or warn), any, none")
	f.BoolVar(&o.failNew, "fail-on-new", false, "with --baseline, only new results fail the run")
	f.StringVar(&o.key, "key", "", "public key OCI artifacts and signed bundle folders must be signed with")
	f.StringVar(&o.root, "root", "", "repository root for initiative files (default: the nearest folder above the file holding policies/, initiatives/ or .git) and kustomize (default: the current folder)")
	f.IntVarP(&o.workers, "jobs", "j", 0, "parallel reviews (default: the number of CPUs)")
	o.registry.addFlags(cmd)
	return cmd
}

type reportTarget struct {
	format string
	file   string // "" for standard output
}

func (o auditOptions) targets() ([]reportTarget, error) {
	formats := o.formats
	if len(formats) == 0 {
		formats = []string{"text"}
	}
	if len(o.outputs) > len(formats) {
		return nil, fmt.Errorf("%d --output flags for %d --format flags; give a --format for each --output", len(o.outputs), len(formats))
	}
	var out []reportTarget
	stdout := 0
	for i, f := range formats {
		if !slices.Contains(report.Formats, f) {
			return nil, fmt.Errorf("--format %q: expected one of %s", f, strings.Join(report.Formats, ", "))
		}
		t := reportTarget{format: f}
		if i < len(o.outputs) && o.outputs[i] != "-" {
			t.file = o.outputs[i]
		} else {
			stdout++
		}
		out = append(out, t)
	}
	if stdout > 1 {
		return nil, errors.New("several formats would go to standard output; give each but one an --output file")
	}
	return out, nil
}

func runAudit(cmd *cobra.Command, o auditOptions, policyArg string, inputs []string) error {
	ctx := cmd.Context()
	targets, err := o.targets()
	if err != nil {
		return withExit(ExitUsage, err)
	}
	failOn, err := audit.ParseFailOn(o.failOn)
	if err != nil {
		return withExit(ExitUsage, err)
	}
	if o.failNew && o.baseline == "" {
		return withExit(ExitUsage, errors.New("--fail-on-new needs --baseline"))
	}
	opts := source.Options{Root: o.root, Remote: o.registry.remote()}
	if o.key != "" {
		var v signature.Verifier
		if v, err = bundle.LoadPublicKey(o.key); err != nil {
			return err
		}
		opts.Verifier = v
	}
	bundles, err := source.Resolve(ctx, policyArg, opts)
	if err != nil {
		return err
	}
	policy, err := audit.Load(ctx, bundles)
	if err != nil {
		return err
	}
	runOpts := audit.Options{Workers: o.workers}
	var baseBundles []*source.Bundle
	if o.baseline != "" {
		bopts := opts
		if kind, kerr := source.Classify(policyArg); kerr == nil && (kind == source.KindInitiative || kind == source.KindRepository) {
			// git:REV alone means POLICY as it was at REV.
			bopts.GitPath = policyArg
		}
		if baseBundles, err = source.Resolve(ctx, o.baseline, bopts); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		if runOpts.Baseline, err = audit.Load(ctx, baseBundles); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	in, err := resources.Open(inputs, cmd.InOrStdin(), resources.Options{Root: o.root})
	if err != nil {
		return err
	}
	defer in.Close()
	collect := audit.NewCollector(bundles, baseBundles)
	if err := audit.Run(ctx, policy, in, runOpts, collect.Add); err != nil {
		return withExit(ExitIO, err)
	}
	rep := collect.Report()
	for _, t := range targets {
		var buf bytes.Buffer
		if err := report.Write(&buf, t.format, rep); err != nil {
			return err
		}
		if t.file == "" {
			if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
				return withExit(ExitIO, err)
			}
			continue
		}
		if err := atomicwrite.File(t.file, buf.Bytes(), 0o644); err != nil {
			return withExit(ExitIO, err)
		}
	}
	s := rep.Summary
	if s.Errors > 0 {
		return withExit(ExitUsage, fmt.Errorf("%s could not be read (see the report); the other inputs were audited", plural(s.Errors, "input", "inputs")))
	}
	gate := audit.Gate{FailOn: failOn, OnlyNew: o.failNew}
	if n := gate.Check(rep); n > 0 {
		what := "results"
		if o.failNew {
			what = "new results"
		}
		return withExit(ExitFailure, fmt.Errorf("%d %s at --fail-on %s", n, what, failOn))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
