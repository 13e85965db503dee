package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/version"
)

// edictVersion is the version alone, for user agents and bundle metadata.
func edictVersion() string { return version.Get().Short() }

func newVersionCmd() *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the edict version and the commit it was built from",
		Long: `Version prints the module version and commit of this binary. Release binaries
carry both from the linker; a go install module@version build records the version,
and a build from a checkout records the commit (marked modified when the checkout
had uncommitted changes).`,
		Example: "  edict version\n  edict --version\n  edict version --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			info := version.Get()
			if out.json() {
				b, err := json.Marshal(info)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), info)
			return nil
		},
	}
	out.addFlags(cmd)
	return cmd
}
