package bundle

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/sigstore/sigstore/pkg/signature"

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
	return writeTree(dir, files)
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

// writeTree writes files (slash paths) into a fresh folder and moves it to dir.
func writeTree(dir string, files map[string][]byte) (err error) {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write bundle %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("write bundle %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	// MkdirTemp creates 0700; a bundle folder is meant to be shared.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write bundle %s: %w", dir, err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	dirs := map[string]bool{".": true}
	for _, p := range paths {
		if err := mkdirs(tmp, path.Dir(p), dirs); err != nil {
			return fmt.Errorf("write bundle %s: %w", dir, err)
		}
		if err := writeFileSync(filepath.Join(tmp, filepath.FromSlash(p)), files[p]); err != nil {
			return fmt.Errorf("write bundle %s: %w", dir, err)
		}
	}
	for d := range dirs {
		if err := syncDir(filepath.Join(tmp, filepath.FromSlash(d))); err != nil {
			return fmt.Errorf("write bundle %s: %w", dir, err)
		}
	}
	return replaceDir(tmp, dir)
}

func mkdirs(root, d string, made map[string]bool) error {
	if made[d] {
		return nil
	}
	if err := mkdirs(root, path.Dir(d), made); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
		return err
	}
	made[d] = true
	return nil
}

func writeFileSync(name string, data []byte) error {
	return writeFileSyncMode(name, data, 0o644)
}

func writeFileSyncMode(name string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	// The umask may have narrowed the mode; bundles are always 0644.
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(name string) error {
	d, err := os.Open(name)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some filesystems cannot fsync a directory; the data is already synced.
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// checkBundleDir refuses to let a bundle replace a folder that is not one:
// an existing dir must be empty or hold an edict bundle.json. Anything else
// (a source folder such as ./policies, unrelated files) would be deleted.
func checkBundleDir(dir string) error {
	info, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	if !info.IsDir() {
		return &InvalidError{Reason: fmt.Sprintf("output %s exists and is not a folder; refusing to replace it", dir)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	raw, err := readBounded(filepath.Join(dir, IndexFile), maxIndexSize)
	if err == nil {
		if _, perr := rendered.ParseIndex(raw); perr == nil {
			return nil
		}
	}
	return &InvalidError{Reason: fmt.Sprintf("output folder %s is not empty and holds no edict bundle (no valid %s); refusing to replace it: choose another -o or remove the folder yourself", dir, IndexFile)}
}

// maxIndexSize bounds how much of an existing bundle.json is read to
// recognise a bundle folder.
const maxIndexSize = 16 << 20

// readBounded reads a regular file of at most limit bytes.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() || info.Size() > limit {
		return nil, fmt.Errorf("%s is not a regular file of at most %d bytes", name, limit)
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

// replaceDir moves the complete folder src to dst. An existing dst is first
// renamed aside and only removed once src is in place, and is restored if
// the final rename fails.
func replaceDir(src, dst string) error {
	parent := filepath.Dir(dst)
	info, err := os.Lstat(dst)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("move bundle into %s: %w", dst, err)
		}
		return syncDir(parent)
	case err != nil:
		return fmt.Errorf("write bundle %s: %w", dst, err)
	case !info.IsDir():
		return fmt.Errorf("write bundle %s: exists and is not a folder", dst)
	}
	old, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".old-")
	if err != nil {
		return fmt.Errorf("write bundle %s: %w", dst, err)
	}
	// MkdirTemp only reserved the name; rename needs it gone (rename over an
	// empty directory works on Linux, but not everywhere).
	if err := os.Remove(old); err != nil {
		return fmt.Errorf("write bundle %s: %w", dst, err)
	}
	if err := os.Rename(dst, old); err != nil {
		return fmt.Errorf("move old bundle %s aside: %w", dst, err)
	}
	if err := os.Rename(src, dst); err != nil {
		if rerr := os.Rename(old, dst); rerr != nil {
			return fmt.Errorf("move bundle into %s: %w (and restoring the old bundle from %s failed: %v)", dst, err, old, rerr)
		}
		return fmt.Errorf("move bundle into %s: %w", dst, err)
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("remove old bundle %s: %w", old, err)
	}
	return nil
}
