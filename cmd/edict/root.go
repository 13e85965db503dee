package main

import (
	"sort"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/version"
)

// constructors holds every subcommand. Each command lives in its own file and
// registers itself from init, so adding a command never touches a shared list.
var constructors []func() *cobra.Command

func register(newCmd func() *cobra.Command) { constructors = append(constructors, newCmd) }

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
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExit(ExitUsage, err) })
	cmds := make([]*cobra.Command, 0, len(constructors))
	for _, c := range constructors {
		cmds = append(cmds, c())
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	root.AddCommand(cmds...)
	return root
}
