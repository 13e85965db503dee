package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/describe"
)

func newLibraryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "library",
		Short: "List and describe the built-in policies and initiatives",
		Example: `  edict library list
  edict library show host-filesystem
  edict library list --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newLibraryListCmd(), newLibraryShowCmd())
	return cmd
}

type policySummary struct {
	Name           string   `json:"name"`
	Version        string   `json:"version"`
	Title          string   `json:"title"`
	ConstraintKind string   `json:"constraintKind"`
	Effect         string   `json:"effect"`
	Controls       []string `json:"controls,omitempty"`
	Dir            string   `json:"dir"`
}

func newLibraryListCmd() *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the built-in policies and initiatives",
		Example: "  edict library list\n  edict library list --output json | jq -r '.policies[].name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cat, err := compile.NewCatalog(nil, ".")
			if err != nil {
				return err
			}
			var list []policySummary
			for _, p := range cat.Policies() {
				list = append(list, policySummary{Name: p.Metadata.Name, Version: p.Spec.Version, Title: p.Spec.Title, ConstraintKind: p.Spec.ConstraintKind, Effect: string(p.Spec.Effect.OrDefault()), Controls: p.Spec.Controls, Dir: p.Dir})
			}
			inits := compile.BuiltinInitiatives()
			w := cmd.OutOrStdout()
			if out.json() {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"policies": list, "initiatives": inits})
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "POLICY\tVERSION\tEFFECT\tTITLE")
			for _, p := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Effect, p.Title)
			}
			tw.Flush()
			fmt.Fprintf(w, "\nINITIATIVES\n  %s\n", strings.Join(inits, "\n  "))
			return nil
		},
	}
	out.addFlags(cmd)
	return cmd
}

func newLibraryShowCmd() *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Describe a built-in policy or initiative: parameters, defaults and an example",
		Example: `  edict library show allowed-capabilities
  edict library show pod-security-baseline`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cat, err := compile.NewCatalog(nil, ".")
			if err != nil {
				return err
			}
			name := args[0]
			w := cmd.OutOrStdout()
			if p, ok := cat.Policy(name); ok {
				d := describe.DescribePolicy(p)
				if out.json() {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(d)
				}
				fmt.Fprint(w, describe.PolicyMarkdown(d))
				return nil
			}
			if isBuiltinInitiative(name) {
				plan, err := compile.ResolveBuiltin(name, cat)
				if err != nil {
					return err
				}
				format := "markdown"
				if out.json() {
					format = "json"
				}
				// The same description as edict explain NAME --output markdown.
				return writeExplanations(w, []*describe.Initiative{describe.Explain(plan)}, format)
			}
			all := append(cat.Names(), compile.BuiltinInitiatives()...)
			return withExit(ExitUsage, fmt.Errorf("no built-in policy or initiative %q%s", name, didYouMean(name, all)))
		},
	}
	out.addFlags(cmd)
	return cmd
}

func didYouMean(name string, options []string) string {
	if s := compile.Suggest(name, options); s != "" {
		return "; " + s
	}
	return ""
}
