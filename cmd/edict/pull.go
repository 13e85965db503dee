package main

import (
	"fmt"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
)

type pullOptions struct {
	outDir    string
	verifyKey string
	maxSize   int64
	registry  registryOptions
	out       outputOptions
}

func newPullCmd() *cobra.Command {
	var o pullOptions
	cmd := &cobra.Command{
		Use:   "pull REF -o DIR",
		Short: "Download a bundle artifact, verify it, and unpack it",
		Long: `Pull downloads the artifact at REF (oci://host/repository:tag or @digest, or an OCI
layout folder[:tag]), checks its signature when --verify-key is given, checks
every file against bundle.json, and only then writes the bundle to DIR - through a
temporary folder and a rename, so a failed pull leaves nothing behind. Archives with
absolute paths, "..", links or device files, or larger than --max-size, are refused.
DIR may be missing, empty, or an earlier bundle; any other folder is left alone.`,
		Example: `  edict pull oci://ghcr.io/contoso/policies:2.3.0 -o review/contoso-prod --verify-key cosign.pub`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return runPull(cmd, o, args[0]) },
	}
	cmd.Flags().StringVarP(&o.outDir, "out-dir", "o", "", "folder to write the bundle to")
	cmd.Flags().StringVar(&o.verifyKey, "verify-key", "", "public key the artifact must be signed with")
	cmd.Flags().Int64Var(&o.maxSize, "max-size", bundle.DefaultLimits.MaxBytes, "refuse artifacts whose content is larger than this many bytes")
	_ = cmd.MarkFlagRequired("out-dir")
	o.registry.addFlags(cmd)
	o.out.addFlags(cmd)
	return cmd
}

func runPull(cmd *cobra.Command, o pullOptions, ref string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if err := o.registry.validate(); err != nil {
		return err
	}
	if err := validateMaxSize(o.maxSize); err != nil {
		return err
	}
	loc, err := bundle.ParseLocation(ref)
	if err != nil {
		return err
	}
	var v signature.Verifier
	if o.verifyKey != "" {
		if v, err = bundle.LoadPublicKey(o.verifyKey); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: no --verify-key: the signature is not checked (file hashes still are)")
	}
	ctx, cancel := o.registry.context(cmd)
	defer cancel()
	f, err := o.registry.remote().Pull(ctx, loc, o.outDir, v, bundle.Limits{MaxBytes: o.maxSize})
	if err != nil {
		return o.registry.explain(ctx, err)
	}
	w := cmd.OutOrStdout()
	if o.out.json() {
		return writeJSON(w, struct {
			bundle.VerifyResult
			Dir string `json:"dir"`
		}{f.VerifyResult, o.outDir})
	}
	state := "unverified signature"
	if f.Signed {
		state = "signature verified"
	}
	fmt.Fprintf(w, "pulled %s -> %s (%s %s, %d files, %s)\n", f.Reference, o.outDir, f.Name, f.Version, f.Files, state)
	return nil
}
