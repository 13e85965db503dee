package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/edict-policy/edict/bundle"
)

type signOptions struct {
	key      string
	format   string
	registry registryOptions
	out      outputOptions
}

func newSignCmd() *cobra.Command {
	var o signOptions
	cmd := &cobra.Command{
		Use:   "sign REF|BUNDLE --key KEY",
		Short: "Sign a pushed artifact or a bundle folder",
		Long: `Sign signs an artifact already in a registry (oci://host/repository:tag or @digest)
or an OCI layout folder with cosign's formats, or a bundle folder by writing
bundle.sig, a signature over bundle.json that cosign verify-blob accepts. Since
bundle.json records the sha256 of every file, the signature covers the bundle.

A valid signature by the same key is not duplicated; other keys' signatures are
kept (in bundle.sig, one line per key; cosign verify-blob reads a single line).
The key password comes from EDICT_KEY_PASSWORD, COSIGN_PASSWORD or stdin.`,
		Example: `  edict sign oci://ghcr.io/contoso/policies:2.3.0 --key cosign.key
  edict sign oci://ghcr.io/contoso/policies@sha256:... --key cosign.key --signature-format both
  edict sign dist/contoso-prod --key cosign.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.key, "key", "", "private key (cosign key file or PKCS#8 PEM)")
	cmd.Flags().StringVar(&o.format, "signature-format", "legacy", "for artifacts: legacy, bundle or both")
	_ = cmd.MarkFlagRequired("key")
	o.registry.addFlags(cmd)
	o.out.addFlags(cmd)
	return cmd
}

func runSign(cmd *cobra.Command, o signOptions, target string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if err := o.registry.validate(); err != nil {
		return err
	}
	format, err := bundle.ParseSignatureFormat(o.format)
	if err != nil {
		return err
	}
	sv, err := loadSignerVerifier(cmd, o.key)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if isBundleFolder(target) {
		added, err := bundle.SignFolder(target, sv)
		if err != nil {
			return err
		}
		sig := filepath.Join(target, bundle.SignatureFile)
		if o.out.json() {
			return writeJSON(w, map[string]any{"bundle": target, "signature": sig, "existing": !added})
		}
		if !added {
			fmt.Fprintf(w, "already signed %s by this key (%s)\n", target, sig)
			return nil
		}
		fmt.Fprintf(w, "signed %s -> %s\n", target, sig)
		return nil
	}
	loc, err := bundle.ParseLocation(target)
	if err != nil {
		return err
	}
	prog := newProgress(cmd.ErrOrStderr())
	ctx, cancel := o.registry.context(cmd)
	defer cancel()
	res, err := o.registry.remote().Sign(ctx, loc, sv, format, prog.update)
	prog.done()
	if err != nil {
		return o.registry.explain(ctx, err)
	}
	if o.out.json() {
		return writeJSON(w, res)
	}
	fmt.Fprintf(w, "signed %s\n", res.Reference)
	for _, s := range res.Signatures {
		state := "signature"
		if s.Existing {
			state = "already signed"
		}
		fmt.Fprintf(w, "  %-15s %s (%s)\n", state, s.Reference, s.Format)
	}
	return nil
}

func isBundleFolder(p string) bool {
	_, err := os.Stat(filepath.Join(p, bundle.IndexFile))
	return err == nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// loadSignerVerifier reads a private key, asking for its password only if
// the key is encrypted.
func loadSignerVerifier(cmd *cobra.Command, path string) (signature.SignerVerifier, error) {
	sv, err := bundle.LoadPrivateKey(path, keyPassword(cmd))
	if err != nil {
		return nil, err
	}
	for _, w := range bundle.PrivateKeyWarnings(path) {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	return sv, nil
}

// keyPassword reads a key password from EDICT_KEY_PASSWORD, COSIGN_PASSWORD,
// the terminal (without echo) or piped stdin - never from a flag. The value
// is read once and reused.
func keyPassword(cmd *cobra.Command) bundle.PassFunc {
	var cached []byte
	var read bool
	return func(confirm bool) ([]byte, error) {
		if read {
			return cached, nil
		}
		pw, err := readPassword(cmd, confirm)
		if err != nil {
			return nil, err
		}
		cached, read = pw, true
		return pw, nil
	}
}

func readPassword(cmd *cobra.Command, confirm bool) ([]byte, error) {
	for _, env := range []string{"EDICT_KEY_PASSWORD", "COSIGN_PASSWORD"} {
		if v, ok := os.LookupEnv(env); ok {
			return []byte(v), nil
		}
	}
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		errw := cmd.ErrOrStderr()
		fmt.Fprint(errw, "Enter password for private key: ")
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(errw)
		if err != nil {
			return nil, err
		}
		if confirm {
			fmt.Fprint(errw, "Enter password again: ")
			again, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(errw)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(pw, again) {
				return nil, withExit(ExitUsage, errors.New("passwords do not match"))
			}
		}
		return pw, nil
	}
	pw, err := io.ReadAll(io.LimitReader(in, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("read password from stdin: %w", err)
	}
	// `echo secret | edict ...` adds a newline that is not part of the password.
	pw = bytes.TrimSuffix(pw, []byte("\n"))
	pw = bytes.TrimSuffix(pw, []byte("\r"))
	return pw, nil
}
