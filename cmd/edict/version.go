package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// the module version from the build info is used.
var version = ""

func edictVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func init() { register(newVersionCmd) }

func newVersionCmd() *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the edict version",
		Example: "  edict version\n  edict version --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if out.json() {
				b, _ := json.Marshal(map[string]string{"version": edictVersion()})
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), "edict", edictVersion())
			return nil
		},
	}
	out.addFlags(cmd)
	return cmd
}
