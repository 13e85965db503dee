package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/rendered"
)

type verifyOptions struct {
	key      string
	maxSize  int64
	registry registryOptions
	out      outputOptions
}

func newVerifyCmd() *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify REF|LAYOUT|BUNDLE --key PUB",
		Short: "Check the signature, digest and every file of an artifact or bundle folder",
		Long: `Verify checks, against a cosign public key:
  - a registry artifact (oci://host/repository:tag, @digest, or :tag@digest to also
    prove the tag has not moved) or an OCI layout folder[:tag]: a cosign signature
    (legacy or Sigstore bundle) over the manifest digest, the layer digest, and
    every file against the sha256 list in bundle.json;
  - a bundle folder: bundle.sig over bundle.json, then every file against it.
It exits 1 and says why when anything does not match: unsigned, wrong key,
tampered file, or a tag that moved.`,
		Example: `  edict verify oci://ghcr.io/contoso/policies:2.3.0 --key cosign.pub
  edict verify oci://ghcr.io/contoso/policies:2.3.0@sha256:... --key cosign.pub --output json
  edict verify dist/contoso-prod --key cosign.pub`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runVerify(cmd, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.key, "key", "", "public key (PEM, e.g. cosign.pub)")
	cmd.Flags().Int64Var(&o.maxSize, "max-size", bundle.DefaultLimits.MaxBytes, "refuse artifacts whose content is larger than this many bytes")
	_ = cmd.MarkFlagRequired("key")
	o.registry.addFlags(cmd)
	o.out.addFlags(cmd)
	return cmd
}

func runVerify(cmd *cobra.Command, o verifyOptions, target string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if err := o.registry.validate(); err != nil {
		return err
	}
	if err := validateMaxSize(o.maxSize); err != nil {
		return err
	}
	v, err := bundle.LoadPublicKey(o.key)
	if err != nil {
		return err
	}
	var res *bundle.VerifyResult
	if isBundleFolder(target) {
		res, err = bundle.VerifyFolder(target, v)
	} else {
		var loc *bundle.Location
		loc, err = bundle.ParseLocation(target)
		if err != nil {
			return err
		}
		if !loc.IsRegistry() {
			if _, serr := os.Stat(filepath.Join(loc.Path, "oci-layout")); serr != nil {
				return withExit(ExitUsage, fmt.Errorf("%s is neither a bundle folder (no %s) nor an OCI layout; registry references start with %s", target, bundle.IndexFile, bundle.Scheme))
			}
		}
		ctx, cancel := o.registry.context(cmd)
		defer cancel()
		var f *bundle.Fetched
		f, err = o.registry.remote().Fetch(ctx, loc, v, bundle.Limits{MaxBytes: o.maxSize})
		if f != nil {
			res = &f.VerifyResult
		}
		err = o.registry.explain(ctx, err)
	}
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if o.out.json() {
		return writeJSON(w, res)
	}
	fmt.Fprintf(w, "verified %s\n", res.Reference)
	if res.Digest != "" {
		fmt.Fprintf(w, "  digest     %s\n", res.Digest)
	}
	what := "bundle   "
	if res.Contents == rendered.ContentsTemplates {
		what = "templates"
	}
	fmt.Fprintf(w, "  %s  %s %s, %d files match bundle.json\n", what, res.Name, res.Version, res.Files)
	fmt.Fprintf(w, "  needs      Gatekeeper %s or newer\n", orUnknown(res.Gatekeeper))
	fmt.Fprintf(w, "  built by   edict %s\n", orUnknown(res.EdictVersion))
	for _, s := range res.Signatures {
		fmt.Fprintf(w, "  signature  %s (%s)\n", s.Reference, s.Format)
	}
	return nil
}

// orUnknown stands in for what bundles from before it was recorded lack.
func orUnknown(s string) string {
	if s == "" {
		return "(not recorded)"
	}
	return s
}
