package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/atomicwrite"
	"github.com/edict-policy/edict/azureimport"
	"github.com/edict-policy/edict/input"
)

type importOptions struct {
	outDir        string
	owner         string
	defaultExpiry string
	force         bool
	out           outputOptions
}

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "import",
		Short:   "Import policy from another system into an edict repository",
		Example: `  edict import azure set.json assignments.json exemptions.json -o policies --owner team-platform`,
	}
	cmd.AddCommand(newImportAzureCmd())
	return cmd
}

func newImportAzureCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "azure FILE... -o DIR",
		Short: "Turn Azure Policy for Kubernetes set definitions, assignments and exemptions into an edict repository",
		Long: `Import azure reads Azure Policy JSON as the portal, the Azure CLI or an
infrastructure-as-code repository holds it: policy set definitions (initiatives),
policy assignments, policy exemptions and custom Kubernetes policy definitions,
one resource, a list of them or an ARM template per file. It writes DIR as an
edict policy repository:

  initiatives/<name>.yaml    one Initiative per assignment (or per set nobody assigns)
  tests/<name>_test.yaml     an InitiativeTest: per reference an object it reports and one it does not
  policies/<name>/           a custom definition with an embedded template: policy.yaml, Rego v1, a suite
  IMPORT.md                  every item read, mapped exactly, with a caveat, or not at all

Built-in definitions map to edict's library through its Azure mapping table.
Parameter expressions ([parameters('x')], member access, if/equals, concat) are
evaluated against the set's parameters, the assignment's values and the
defaults; enforcementMode DoNotEnforce becomes audit, and policyEffect overrides
become per-reference effects. An exemption needs an owner (its metadata, else
--owner) and an expiry (expiresOn, else --default-expiry from today).

Exit codes: 0 everything mapped (caveats included), 1 something was not mapped
(the rest is written, the report says what and why), 2 an input file could not
be read or bad usage, 3 the output could not be written.`,
		Example: `  # Export a setup with the Azure CLI and import it
  az policy set-definition show --name a8640138-9b0a-4a28-b8cb-1666c838647d > baseline.json
  az policy assignment list --scope "$CLUSTER_RG" > assignments.json
  az policy exemption list --scope "$CLUSTER_RG" > exemptions.json
  edict import azure baseline.json assignments.json exemptions.json -o policies --owner team-platform

  # Then build and test what was imported
  edict build policies --test

  # The report as JSON, for CI
  edict import azure *.json -o imported --owner team-platform --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportAzure(cmd, o, args)
		},
	}
	cmd.Flags().StringVarP(&o.outDir, "out-dir", "o", "", "folder to write the repository into (required)")
	cmd.Flags().StringVar(&o.owner, "owner", "", "owner of exemptions whose metadata names none")
	cmd.Flags().StringVar(&o.defaultExpiry, "default-expiry", "90d", "expiry given to exemptions without expiresOn, from today: days (90d) or a duration (2160h)")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace DIR even when it holds files an earlier import did not write")
	_ = cmd.MarkFlagRequired("out-dir")
	o.out.addFlags(cmd)
	return cmd
}

func runImportAzure(cmd *cobra.Command, o importOptions, args []string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	expiry, err := parseExpiry(o.defaultExpiry)
	if err != nil {
		return withExit(ExitUsage, fmt.Errorf("--default-expiry %q: %v", o.defaultExpiry, err))
	}
	var files []azureimport.File
	var unreadable input.ErrorList
	for _, a := range args {
		// The files are the user's own, named on the command line, so any
		// folder may hold them; the read itself is the repository's: a
		// regular file (a FIFO would block), bounded in size.
		data, err := input.ReadFile(os.DirFS(filepath.Dir(a)), filepath.Base(a))
		if err != nil {
			var ie *input.Error
			if errors.As(err, &ie) {
				ie.File = a
				unreadable = append(unreadable, ie)
			} else {
				unreadable = append(unreadable, &input.Error{File: a, Msg: err.Error()})
			}
			continue
		}
		files = append(files, azureimport.File{Name: a, Data: data})
	}
	res, err := azureimport.Import(cmd.Context(), files, azureimport.Options{Owner: o.owner, DefaultExpiry: expiry})
	if err != nil {
		return err
	}
	unreadable = append(unreadable, res.Unreadable...)
	if err := atomicwrite.Tree(o.outDir, res.Files, func(dir string) error { return checkImportDir(dir, o.force) }); err != nil {
		var ae *atomicwrite.Error
		if errors.As(err, &ae) {
			return withExit(ExitIO, err)
		}
		return withExit(ExitUsage, err)
	}
	if o.out.json() {
		if err := res.Report.WriteJSON(cmd.OutOrStdout()); err != nil {
			return withExit(ExitIO, err)
		}
	} else {
		if err := res.Report.WriteText(cmd.OutOrStdout()); err != nil {
			return withExit(ExitIO, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (see %s)\n", o.outDir, filepath.Join(o.outDir, "IMPORT.md"))
	}
	switch {
	case len(unreadable) > 0:
		return withExit(ExitUsage, unreadable.Err())
	case !res.Report.OK():
		return withExit(ExitFailure, fmt.Errorf("%d item(s) were not mapped; see %s", res.Report.NotMapped, filepath.Join(o.outDir, "IMPORT.md")))
	}
	return nil
}

// parseExpiry reads a number of days (90d) or a Go duration (2160h).
func parseExpiry(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, errors.New("expected days such as 90d or a duration such as 2160h")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("expected days such as 90d or a duration such as 2160h")
		}
	}
	if d < 24*time.Hour || d > 5*365*24*time.Hour {
		return 0, errors.New("must be between one day and five years")
	}
	return d, nil
}

// checkImportDir refuses to replace a folder that holds work of its own: only
// an empty folder or an earlier import (it has IMPORT.md) is replaced
// without --force.
func checkImportDir(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 || force {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "IMPORT.md")); err == nil {
		return nil
	}
	return fmt.Errorf("%s exists and was not written by edict import (no IMPORT.md); choose another folder or pass --force to replace it", dir)
}
