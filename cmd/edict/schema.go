package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/schemas"
)

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema [KIND]",
		Short: "Print the JSON Schema of an edict file kind",
		Long: `Schema prints the JSON Schema edict validates a file kind against, for editors
(for example the YAML language server) and other tools. Without KIND it lists the kinds.
The initiative schema includes the parameters of every built-in policy, with the typed
formats (Kubernetes quantities, image prefixes, absolute paths, capability and sysctl
names, seccomp and AppArmor profiles...) as patterns, so editors flag them as you type.`,
		Example: `  edict schema                     # list kinds
  edict schema initiative > .schemas/initiative.json
  # in an initiative file, for the YAML language server:
  # yaml-language-server: $schema=.schemas/initiative.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), strings.Join(schemas.Kinds(), "\n"))
				return nil
			}
			if _, err := schemas.Get(args[0]); err != nil {
				return withExit(ExitUsage, err)
			}
			b, err := compile.PublishedSchema(args[0])
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
}
