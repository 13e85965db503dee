package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/atomicwrite"
	"github.com/edict-policy/edict/compile"
)

func newInitCmd() *cobra.Command {
	var from, file string
	var force bool
	cmd := &cobra.Command{
		Use:   "init NAME --from INITIATIVE",
		Short: "Write a starter initiative that duplicates a built-in one",
		Long: `Init writes NAME.yaml: an initiative that extends INITIATIVE and lists every
policy it contains with its effect and every parameter at its current value,
so that overriding starts from a complete file. Delete what you do not change.`,
		Example: `  edict init contoso-prod --from pod-security-baseline
  edict init contoso-prod --from pod-security-restricted -f initiatives/prod.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if from == "" {
				return withExit(ExitUsage, errors.New("--from is required: the built-in initiative to start from"))
			}
			cat, err := compile.NewCatalog(nil, ".")
			if err != nil {
				return err
			}
			text, err := compile.StarterInitiative(name, from, cat)
			if err != nil {
				return err
			}
			if file == "" {
				file = name + ".yaml"
			}
			if _, err := os.Stat(file); err == nil && !force {
				return withExit(ExitUsage, fmt.Errorf("%s already exists; pass --force to overwrite", file))
			}
			if err := atomicwrite.File(file, text, 0o644); err != nil {
				return withExit(ExitIO, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (extends %s)\n", file, from)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "built-in initiative to duplicate")
	cmd.Flags().StringVarP(&file, "file", "f", "", "file to write (default NAME.yaml)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
