package main

import (
	"fmt"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/policytest"
)

// loadSigner loads the key that signs bundle.json; the password comes from
// the environment or stdin, as for `edict sign`.
func loadSigner(cmd *cobra.Command, path string) (signature.Signer, error) {
	return loadSignerVerifier(cmd, path)
}

// runPreBuildTests runs `edict test` over every repository being built (and
// the built-in library when a built-in initiative is built), and refuses the
// build when anything fails. The report goes to stderr so that stdout stays
// the build's own output.
func runPreBuildTests(cmd *cobra.Command, targets []buildTarget, eval evalOptions) error {
	roots := map[string]bool{}
	library := false
	var order []string
	for _, t := range targets {
		if strings.HasPrefix(t.file, "builtin:") {
			library = true
			if t.root == "" {
				continue
			}
		}
		if !roots[t.root] {
			roots[t.root] = true
			order = append(order, t.root)
		}
	}
	var sources []policytest.Source
	for _, r := range order {
		prefix := ""
		if r != "." {
			prefix = r
		}
		// Confined to the repository: suites and samples may not lead out of it.
		fsys, err := input.OpenRoot(r)
		if err != nil {
			return withExit(ExitUsage, err)
		}
		sources = append(sources, policytest.Source{FS: fsys, Paths: []string{"."}, Prefix: prefix, Base: prefix})
	}
	opts := policytest.Options{Library: library}
	eval.apply(&opts)
	rep, err := policytest.RunSources(cmd.Context(), sources, opts)
	if err != nil {
		return withExit(ExitUsage, err)
	}
	if code := rep.ExitCode(); code != policytest.ExitOK {
		if werr := policytest.WriteText(cmd.ErrOrStderr(), rep, policytest.TextOptions{}); werr != nil {
			return werr
		}
		return withExit(code, fmt.Errorf("tests failed; no bundle was written"))
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "tests: %s\n", rep.Summary())
	return nil
}
