package main

import (
	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/version"
)

// commands is every subcommand of edict, in the order `edict --help` lists
// them. Adding a command means adding it here: the list is the one place
// that says what the binary can do.
func commands() []*cobra.Command {
	return []*cobra.Command{
		newAuditCmd(),
		newBuildCmd(),
		newDiffCmd(),
		newDocsCmd(),
		newExplainCmd(),
		newGitopsCmd(),
		newImportCmd(),
		newInitCmd(),
		newKeygenCmd(),
		newLibraryCmd(),
		newLintCmd(),
		newPullCmd(),
		newPushCmd(),
		newSchemaCmd(),
		newSignCmd(),
		newTestCmd(),
		newVerifyCmd(),
		newVersionCmd(),
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "edict",
		Short: "Build, test, sign and publish Kubernetes admission policy for OPA Gatekeeper",
		Long: `edict turns declarative initiative files (named groups of policies with parameters
and effects) into tested Gatekeeper ConstraintTemplates and Constraints, and publishes
them as signed OCI artifacts that Flux or Argo CD sync into clusters.`,
		Example: `  # Build the example repository into dist/
  edict build examples/contoso -o dist

  # Start a new initiative from a built-in one
  edict init contoso-prod --from pod-security-baseline

  # Run every policy, suite and initiative test
  edict test .`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.Get().String(),
	}
	// --version prints the same line as `edict version`.
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(commands()...)
	return root
}
