package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/describe"
	"github.com/edict-policy/edict/source"
)

type explainOptions struct {
	root string
	out  reportOptions
}

func newExplainCmd() *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain INITIATIVE [REFERENCE...]",
		Short: "Show what an initiative resolves to and where each value came from",
		Long: `Explain resolves an initiative and prints every reference: its policy and
version, effect and enforcement action, match, exemptions and every parameter
value, each with where it was set: the policy's default, a parent initiative's
defaults or reference (by name and file:line), the initiative's own defaults,
or the reference itself. Settings that a later level overrode are listed under
the value that replaced them, so a child's defaults.effect re-enabling a
parent's disabled reference is visible. Disabled references are listed too.

INITIATIVE is an initiative file (policies looked up under --root, default the
nearest folder above it holding policies/, initiatives/ or .git), a repository folder (every initiative in it) or the name of a
built-in initiative. REFERENCE limits the output to those references.`,
		Example: `  # Where does every value of my initiative come from?
  edict explain initiatives/contoso-prod.yaml

  # Only two references, as markdown for a pull-request comment
  edict explain initiatives/contoso-prod.yaml host-namespaces allowed-capabilities --output markdown

  # A built-in initiative, as JSON
  edict explain pod-security-restricted --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.validate(); err != nil {
				return err
			}
			docs, err := explainTarget(args[0], o.root)
			if err != nil {
				return err
			}
			for _, d := range docs {
				if missing, ok := d.Only(args[1:]); !ok {
					return withExit(ExitUsage, fmt.Errorf("initiative %s has no reference %q%s", d.Name, missing, didYouMean(missing, d.RefNames())))
				}
			}
			return writeExplanations(cmd.OutOrStdout(), docs, o.out.format)
		},
	}
	cmd.Flags().StringVar(&o.root, "root", "", "repository root in which an initiative file finds its policies (default: the nearest folder above the file holding policies/, initiatives/ or .git)")
	o.out.addFlags(cmd)
	return cmd
}

// explainTarget resolves what INITIATIVE names into explanations.
func explainTarget(arg, root string) ([]*describe.Initiative, error) {
	info, statErr := os.Stat(arg)
	if statErr != nil {
		cat, err := compile.NewCatalog(nil, ".")
		if err != nil {
			return nil, err
		}
		if !isBuiltinInitiative(arg) {
			return nil, withExit(ExitUsage, fmt.Errorf("%s: not an initiative file, repository folder or built-in initiative%s", arg, didYouMean(arg, compile.BuiltinInitiatives())))
		}
		plan, err := compile.ResolveBuiltin(arg, cat)
		if err != nil {
			return nil, err
		}
		return []*describe.Initiative{describe.Explain(plan)}, nil
	}
	var repoDir string
	var files []string
	if info.IsDir() {
		repoDir = arg
		if root != "" {
			repoDir = root
		}
		var err error
		if files, err = source.InitiativeFiles(os.DirFS(arg)); err != nil {
			return nil, withExit(ExitIO, err)
		}
		if len(files) == 0 {
			return nil, withExit(ExitUsage, fmt.Errorf("%s: no Initiative files found (YAML files with kind: Initiative)", arg))
		}
		if repoDir != arg {
			for i, f := range files {
				files[i] = filepath.ToSlash(filepath.Join(arg, f))
			}
		}
	} else {
		dir, rel, err := source.FileRoot(arg, root)
		if err != nil {
			return nil, err
		}
		repoDir, files = dir, []string{rel}
	}
	repo := os.DirFS(repoDir)
	cat, err := compile.NewCatalog(repo, ".")
	if err != nil {
		return nil, err
	}
	var out []*describe.Initiative
	for _, f := range files {
		plan, err := compile.Resolve(repo, f, cat, compile.Options{})
		if err != nil {
			return nil, err
		}
		out = append(out, describe.Explain(plan))
	}
	return out, nil
}

func writeExplanations(w io.Writer, docs []*describe.Initiative, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if len(docs) == 1 {
			return enc.Encode(docs[0])
		}
		return enc.Encode(docs)
	case "markdown":
		var pages []string
		for _, d := range docs {
			pages = append(pages, describe.InitiativePage(d, describe.MarkdownOptions{}))
		}
		_, err := io.WriteString(w, strings.Join(pages, "\n"))
		return err
	}
	for i, d := range docs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := describe.Text(w, d); err != nil {
			return err
		}
	}
	return nil
}
