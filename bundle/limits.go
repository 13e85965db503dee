package bundle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// ReadLimits bound what one operation (a push, sign, verify or pull) reads
// from a registry or OCI layout, so that a hostile registry cannot make edict
// allocate or loop without end: a signature manifest listing thousands of
// large layers, a referrers list that pages forever, a manifest that points
// at gigabytes. The archive's own limits (size and files once unpacked) are
// in Limits.
type ReadLimits struct {
	// Bytes is the total of manifests and blobs read, artifact layer included.
	Bytes int64
	// Signatures is how many signature layers and signature referrers are
	// read for one artifact.
	Signatures int
	// Pages is how many pages of a referrers or tags list are read.
	Pages int
	// Manifests is how many manifests are read.
	Manifests int
}

// DefaultReadLimits are far above what an edict artifact and its
// signatures need (one manifest, one layer of a few MiB, a signature or
// two per key), and far below what would hurt a CI runner.
var DefaultReadLimits = ReadLimits{Bytes: 256 << 20, Signatures: 64, Pages: 32, Manifests: 256}

// maxMetadataBytes bounds one manifest or signature blob read from a registry.
const maxMetadataBytes = 4 << 20

// LimitError reports a read limit a registry or an archive made edict hit.
// It is a refusal of hostile or broken content, like a failed verification.
type LimitError struct {
	What  string // what was being read, e.g. "signature manifest sha256-….sig"
	Limit string // the limit and its value, e.g. "64 signatures"
	Flag  string // the flag that raises it, if any
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("read limit reached: %s exceeds the limit of %s", e.What, e.Limit)
	if e.Flag != "" {
		s += " (raise it with " + e.Flag + ")"
	}
	return s
}

// IsLimitError reports whether err is a hit read limit.
func IsLimitError(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

func (l ReadLimits) withDefaults() ReadLimits {
	if l.Bytes <= 0 {
		l.Bytes = DefaultReadLimits.Bytes
	}
	if l.Signatures <= 0 {
		l.Signatures = DefaultReadLimits.Signatures
	}
	if l.Pages <= 0 {
		l.Pages = DefaultReadLimits.Pages
	}
	if l.Manifests <= 0 {
		l.Manifests = DefaultReadLimits.Manifests
	}
	return l
}

// budget is what is left of the read limits in one attempt of an operation.
// Every read from a registry goes through it; it is checked before the read,
// from the size the descriptor announces, so nothing over the limit is
// allocated, and content.FetchAll then holds the registry to that size.
type budget struct {
	lim       ReadLimits
	bytes     int64
	manifests int
}

func (r *Remote) newBudget() *budget {
	return &budget{lim: r.Limits.withDefaults()}
}

func (b *budget) fetch(ctx context.Context, t content.Fetcher, desc ocispec.Descriptor, what string, limit int64) ([]byte, error) {
	if desc.Size < 0 {
		return nil, &VerifyError{Reason: fmt.Sprintf("%s %s has a negative size", what, desc.Digest)}
	}
	if desc.Size > limit {
		return nil, &LimitError{What: fmt.Sprintf("%s %s (%d bytes)", what, desc.Digest, desc.Size), Limit: fmt.Sprintf("%d bytes", limit), Flag: limitFlag(limit)}
	}
	if isManifestType(desc.MediaType) {
		if b.manifests >= b.lim.Manifests {
			return nil, &LimitError{What: "the number of manifests read", Limit: fmt.Sprintf("%d manifests", b.lim.Manifests), Flag: "--max-manifests"}
		}
		b.manifests++
	}
	if b.bytes+desc.Size > b.lim.Bytes {
		return nil, &LimitError{What: fmt.Sprintf("reading %s %s (%d bytes after %d already read)", what, desc.Digest, desc.Size, b.bytes), Limit: fmt.Sprintf("%d bytes per operation", b.lim.Bytes), Flag: "--max-read-bytes"}
	}
	b.bytes += desc.Size
	data, err := content.FetchAll(ctx, t, desc)
	if err != nil {
		return nil, contentError(what, desc, err)
	}
	return data, nil
}

func limitFlag(limit int64) string {
	if limit == maxMetadataBytes {
		return ""
	}
	return "--max-size"
}

// signatures checks a count of signature layers or referrers.
func (b *budget) signatures(n int, what string) error {
	if n > b.lim.Signatures {
		return &LimitError{What: fmt.Sprintf("%s (%d signatures)", what, n), Limit: fmt.Sprintf("%d signatures", b.lim.Signatures), Flag: "--max-signatures"}
	}
	return nil
}

// tooManyPages turns oras' page limit into a LimitError.
func (b *budget) tooManyPages(err error, what string) error {
	if errors.Is(err, errdef.ErrTooManyPages) {
		return &LimitError{What: fmt.Sprintf("the %s list (more than %d pages)", what, b.lim.Pages), Limit: fmt.Sprintf("%d pages", b.lim.Pages), Flag: "--max-pages"}
	}
	return err
}

func isManifestType(mt string) bool {
	switch mt {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex,
		"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json":
		return true
	}
	return false
}

// contentError turns content that does not match its descriptor (wrong
// digest, wrong size, trailing bytes) into a failed verification: the
// registry served something other than what the signed manifest names.
func contentError(what string, desc ocispec.Descriptor, err error) error {
	if errors.Is(err, content.ErrMismatchedDigest) || errors.Is(err, content.ErrTrailingData) ||
		errors.Is(err, content.ErrInvalidDescriptorSize) ||
		strings.Contains(err.Error(), "mismatch Content-Length") {
		return &VerifyError{Reason: fmt.Sprintf("%s %s does not match its descriptor: %v", what, desc.Digest, err)}
	}
	return err
}
