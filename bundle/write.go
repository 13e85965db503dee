package bundle

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/edict-policy/edict/atomicwrite"
	"github.com/edict-policy/edict/rendered"
)

// WriteOption changes what Write puts in the bundle folder.
type WriteOption func(*writeConfig)

type writeConfig struct {
	signer signature.Signer
}

// WithSigner makes Write also write bundle.sig, a signature over bundle.json
// in the form `cosign verify-blob --signature` reads.
func WithSigner(s signature.Signer) WriteOption {
	return func(c *writeConfig) { c.signer = s }
}

// Write puts the bundle b into dir: every file of b, bundle.json and, when
// signing, bundle.sig. The bundle is assembled in a temporary folder beside
// dir and swapped in by rename, so a failed write leaves any earlier bundle
// at dir untouched and no half-written bundle behind.
func Write(dir string, b *rendered.Bundle, opts ...WriteOption) error {
	var cfg writeConfig
	for _, o := range opts {
		o(&cfg)
	}
	if b == nil {
		return errors.New("bundle: nothing to write")
	}
	idx, err := b.Index()
	if err != nil {
		return err
	}
	indexBytes, err := idx.Marshal()
	if err != nil {
		return err
	}
	files := b.FileMap()
	files[IndexFile] = indexBytes
	// A fast refusal before signing; writeTree checks again under its lock.
	if err := checkBundleDir(dir); err != nil {
		return err
	}
	if cfg.signer != nil {
		sig, err := SignBlob(cfg.signer, indexBytes)
		if err != nil {
			return err
		}
		files[SignatureFile] = sig
	}
	return writeTree(dir, files, checkBundleDir)
}

// SignBlob signs data and returns the base64 signature as cosign sign-blob
// writes it, the form cosign verify-blob --signature accepts.
func SignBlob(s signature.Signer, data []byte) ([]byte, error) {
	raw, err := s.SignMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", IndexFile, err)
	}
	return []byte(base64.StdEncoding.EncodeToString(raw)), nil
}

// WriteError reports a bundle that could not be written to disk.
type WriteError struct {
	Dir string
	Err error
}

func (e *WriteError) Error() string { return fmt.Sprintf("write bundle %s: %v", e.Dir, e.Err) }
func (e *WriteError) Unwrap() error { return e.Err }

// writeTree replaces dir with exactly files, atomically and serialised
// with other writers (see atomicwrite.Tree). check, when set, vets the
// existing dir under the writers' lock.
func writeTree(dir string, files map[string][]byte, check func(dir string) error) error {
	err := atomicwrite.Tree(dir, files, check)
	if we := (*atomicwrite.Error)(nil); errors.As(err, &we) {
		return &WriteError{Dir: filepath.Clean(dir), Err: we.Err}
	}
	return err
}
