package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// outputOptions is the --output flag shared by commands with machine-readable output.
type outputOptions struct {
	format string
}

func (o *outputOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "output", "text", "output format: text or json")
}

func (o *outputOptions) validate() error {
	switch o.format {
	case "text", "json":
		return nil
	}
	return withExit(ExitUsage, fmt.Errorf("--output %q: expected text or json", o.format))
}

func (o *outputOptions) json() bool { return o.format == "json" }
