package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/docgen"
)

func newDocsCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Write the markdown reference of the built-in policies and initiatives",
		Long: `Docs writes the markdown reference of the built-in library: an index
(README.md), one page per policy (policies/NAME.md) and one per built-in
initiative (initiatives/NAME.md), generated from the policy and initiative
files. The folder is replaced as a whole, so pages of removed policies go
away; it must be empty or a reference written by edict docs before.`,
		Example: `  # Refresh the checked-in reference
  edict docs

  # Write it somewhere else
  edict docs -o /tmp/edict-reference`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := compile.NewCatalog(nil, ".")
			if err != nil {
				return err
			}
			files, err := docgen.Generate(cat)
			if err != nil {
				return err
			}
			if err := docgen.WriteDir(dir, files); err != nil {
				if errors.Is(err, docgen.ErrNotReference) {
					return withExit(ExitUsage, err)
				}
				return withExit(ExitIO, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d pages to %s\n", len(files), dir)
			return nil
		},
	}
	cmd.Flags().StringVarP(&dir, "out-dir", "o", "docs/reference", "folder to write the reference into (replaced as a whole)")
	return cmd
}
