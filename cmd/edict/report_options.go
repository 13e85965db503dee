package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// reportOptions is the --output flag of commands whose report also reads
// well as a pull-request comment.
type reportOptions struct {
	format string
}

func (o *reportOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.format, "output", "o", "text", "output format: text, json or markdown")
}

func (o *reportOptions) validate() error {
	switch o.format {
	case "text", "json", "markdown":
		return nil
	}
	return withExit(ExitUsage, fmt.Errorf("--output %q: expected text, json or markdown", o.format))
}
