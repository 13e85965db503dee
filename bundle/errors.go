package bundle

import (
	"errors"
	"fmt"
	"strings"

	"github.com/edict-policy/edict/rendered"
)

// InvalidError reports input that is not a usable bundle, key or reference:
// the caller's mistake rather than a failed check. It is the model's error,
// so a bad bundle.json is the same error whoever reads it.
type InvalidError = rendered.InvalidError

// VerifyError reports a failed verification: unsigned, wrong key, a tampered
// file, or a tag that no longer points at the signed digest.
type VerifyError struct {
	Reason   string
	Problems []string
}

func (e *VerifyError) Error() string {
	if len(e.Problems) == 0 {
		return "verification failed: " + e.Reason
	}
	return "verification failed: " + e.Reason + ":\n  " + strings.Join(e.Problems, "\n  ")
}

// RegistryError reports a registry that could not be reached or refused the
// request, naming the registry so users know which credentials to fix.
type RegistryError struct {
	Registry string
	Op       string
	Err      error
}

func (e *RegistryError) Error() string {
	return fmt.Sprintf("registry %s: %s: %v", e.Registry, e.Op, e.Err)
}

func (e *RegistryError) Unwrap() error { return e.Err }

// IsVerifyError reports whether err is a failed verification.
func IsVerifyError(err error) bool {
	var ve *VerifyError
	return errors.As(err, &ve)
}
