package bundle

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

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

// writeTree writes files (slash paths) into a fresh folder and moves it to
// dir. Writers of folders in one parent are serialised by a lock on the
// parent, and each first recovers from a writer that died mid-swap (see
// recoverSwap). check, when set, vets the existing dir under that lock.
func writeTree(dir string, files map[string][]byte, check func(dir string) error) error {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return &WriteError{Dir: dir, Err: err}
	}
	unlock, err := lockDir(filepath.Dir(dir))
	if err != nil {
		return &WriteError{Dir: dir, Err: fmt.Errorf("lock the output folder: %w", err)}
	}
	defer unlock()
	if err := recoverSwap(dir); err != nil {
		return &WriteError{Dir: dir, Err: err}
	}
	if check != nil {
		if err := check(dir); err != nil {
			return err
		}
	}
	if err := writeTreeLocked(dir, files); err != nil {
		var we *WriteError
		if errors.As(err, &we) {
			return err
		}
		return &WriteError{Dir: dir, Err: err}
	}
	return nil
}

// Leftover names of an interrupted swap of dir, beside it in its parent.
func tmpPrefix(dir string) string { return "." + filepath.Base(dir) + ".tmp-" }
func oldPrefix(dir string) string { return "." + filepath.Base(dir) + ".old-" }

// recoverSwap finishes what a writer killed mid-swap left. The swap renames
// dir to an .old- folder and then a complete .tmp- folder to dir; killed in
// between, dir is missing and the previous bundle is in .old-, which is put
// back. Every other leftover (.tmp- folders of any stage, .old- folders
// once dir exists) is removed. Called with the parent locked, so no live
// writer owns them.
func recoverSwap(dir string) error {
	parent := filepath.Dir(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	var olds, tmps []string
	for _, e := range entries {
		switch n := e.Name(); {
		case strings.HasPrefix(n, oldPrefix(dir)):
			olds = append(olds, filepath.Join(parent, n))
		case strings.HasPrefix(n, tmpPrefix(dir)):
			tmps = append(tmps, filepath.Join(parent, n))
		}
	}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) && len(olds) > 0 {
		// Only one swap runs at a time, so there is at most one .old-.
		if err := os.Rename(olds[0], dir); err != nil {
			return fmt.Errorf("restore %s from %s: %w", dir, olds[0], err)
		}
		olds = olds[1:]
	}
	for _, p := range append(olds, tmps...) {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove leftover %s: %w", p, err)
		}
	}
	return nil
}

func writeTreeLocked(dir string, files map[string][]byte) (err error) {
	parent := filepath.Dir(dir)
	tmp, err := os.MkdirTemp(parent, tmpPrefix(dir))
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
	old, err := os.MkdirTemp(parent, oldPrefix(dst))
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
