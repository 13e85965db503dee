package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
)

func newKeygenCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "keygen [PREFIX]",
		Short: "Create a cosign-compatible signing key pair",
		Long: `Keygen writes PREFIX.key, an ECDSA P-256 private key encrypted the way cosign
encrypts it (ENCRYPTED SIGSTORE PRIVATE KEY, scrypt and secretbox, mode 0600), and
PREFIX.pub, its public key. PREFIX defaults to cosign. cosign, Flux and edict
read both files. The password comes from EDICT_KEY_PASSWORD, COSIGN_PASSWORD or
stdin (asked twice on a terminal); it is never a flag.`,
		Example: `  # Prompted for the password
  edict keygen release

  # In a pipeline
  EDICT_KEY_PASSWORD="$KEY_PASSWORD" edict keygen release`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			prefix := "cosign"
			if len(args) == 1 {
				prefix = args[0]
			}
			pw, err := keyPassword(cmd)(true)
			if err != nil {
				return err
			}
			keyPath, pubPath, err := bundle.WriteKeyPair(prefix, pw, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "private key %s (keep it secret)\npublic key  %s\n", keyPath, pubPath)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing key files")
	return cmd
}
