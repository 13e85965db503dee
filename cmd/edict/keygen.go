package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
)

func newKeygenCmd() *cobra.Command {
	var force, noPassword bool
	cmd := &cobra.Command{
		Use:   "keygen [PREFIX]",
		Short: "Create a cosign-compatible signing key pair",
		Long: `Keygen writes PREFIX.key, an ECDSA P-256 private key encrypted the way cosign
encrypts it (ENCRYPTED SIGSTORE PRIVATE KEY, scrypt and secretbox, mode 0600), and
PREFIX.pub, its public key. PREFIX defaults to cosign. cosign, Flux and edict
read both files. The password comes from EDICT_KEY_PASSWORD, COSIGN_PASSWORD or
stdin (asked twice on a terminal); it is never a flag. An empty password makes
the key as good as unencrypted, so it is refused unless --no-password says
that is meant.`,
		Example: `  # Prompted for the password
  edict keygen release

  # In a pipeline
  EDICT_KEY_PASSWORD="$KEY_PASSWORD" edict keygen release

  # A throwaway key for tests, on purpose without a password
  edict keygen test-only --no-password`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			prefix := "cosign"
			if len(args) == 1 {
				prefix = args[0]
			}
			pw, err := keygenPassword(cmd, noPassword)
			if err != nil {
				return err
			}
			keyPath, pubPath, err := bundle.WriteKeyPair(prefix, pw, force)
			if err != nil {
				return err
			}
			if noPassword {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s has no password: anyone who can read the file can sign as you\n", keyPath)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "private key %s (keep it secret)\npublic key  %s\n", keyPath, pubPath)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing key files")
	cmd.Flags().BoolVar(&noPassword, "no-password", false, "write a key with an empty password (anyone who can read it can sign)")
	return cmd
}

// keygenPassword reads the new key's password. An empty one is a mistake
// (an unset variable in a pipeline, Enter pressed twice) unless --no-password
// asks for it; a password given together with --no-password is refused
// rather than ignored.
func keygenPassword(cmd *cobra.Command, noPassword bool) ([]byte, error) {
	if noPassword {
		for _, env := range []string{"EDICT_KEY_PASSWORD", "COSIGN_PASSWORD"} {
			if os.Getenv(env) != "" {
				return nil, withExit(ExitUsage, fmt.Errorf("--no-password, but %s holds a password: unset it or drop --no-password", env))
			}
		}
		return []byte{}, nil
	}
	pw, err := keyPassword(cmd)(true)
	if err != nil {
		return nil, err
	}
	if len(pw) == 0 {
		return nil, withExit(ExitUsage, errors.New("empty password: the key would be as good as unencrypted; set EDICT_KEY_PASSWORD (or pipe one on stdin), or pass --no-password if that is meant"))
	}
	return pw, nil
}
