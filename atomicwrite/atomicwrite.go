// Package atomicwrite writes files and folders so that a reader, or a
// process killed half-way, sees either the old content or the new, never a
// mix. Every output edict writes (bundles, signatures, keys, reports,
// generated docs, release layouts) goes through it.
package atomicwrite

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Error is a failure to write: the disk's fault or the caller's
// permissions, never the content. Callers map it to their I/O exit code.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("write %s: %v", e.Path, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// File replaces name with data: it is written to a synced temporary file
// beside name, given mode (whatever the umask), and renamed over name.
// Missing parent folders are created.
func File(name string, data []byte, mode fs.FileMode) error {
	if err := writeFile(name, data, mode); err != nil {
		return &Error{Path: name, Err: err}
	}
	return nil
}

func writeFile(name string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp)
	if err := createSynced(tmp, data, mode); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// Tree replaces the folder dir with exactly files (slash-separated paths
// relative to dir), through Dir.
func Tree(dir string, files map[string][]byte, check func(dir string) error) error {
	for p := range files {
		if !fs.ValidPath(p) || p == "." {
			return fmt.Errorf("write %s: invalid file path %q", dir, p)
		}
	}
	return Dir(dir, check, func(tmp string) error {
		dirs := map[string]bool{".": true}
		paths := slices.Sorted(maps.Keys(files))
		for _, p := range paths {
			if err := mkdirs(tmp, path.Dir(p), dirs); err != nil {
				return err
			}
			if err := injected("write " + p); err != nil {
				return err
			}
			if err := create(filepath.Join(tmp, filepath.FromSlash(p)), files[p], 0o644); err != nil {
				return err
			}
		}
		if err := injected("sync"); err != nil {
			return err
		}
		// Nothing is renamed into place before every file and folder is on
		// disk. A bundle is thousands of small files, and one fsync each
		// cost seconds; syncTree flushes them together where it can.
		return syncTree(tmp, paths, slices.Sorted(maps.Keys(dirs)))
	})
}

// syncFiles fsyncs each of the files and folders under root, for systems
// without a call that flushes a whole filesystem.
func syncFiles(root string, files, dirs []string) error {
	for _, p := range files {
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if err := syncDir(filepath.Join(root, filepath.FromSlash(d))); err != nil {
			return err
		}
	}
	return nil
}

// Dir replaces the folder dir with what fill writes into a fresh temporary
// folder beside it. Writers of folders in one parent are serialised by a
// lock on the parent, and each first recovers what a writer killed
// mid-swap left behind (see recoverSwap). check, when set, vets the
// existing dir under that lock; its error is returned as it is, so callers
// can tell a refusal from a failed write (which is an *Error).
func Dir(dir string, check func(dir string) error, fill func(tmp string) error) error {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return &Error{Path: dir, Err: err}
	}
	unlock, err := lockDir(filepath.Dir(dir))
	if err != nil {
		return &Error{Path: dir, Err: fmt.Errorf("lock the output folder: %w", err)}
	}
	defer unlock()
	if err := recoverSwap(dir); err != nil {
		return &Error{Path: dir, Err: err}
	}
	if check != nil {
		if err := check(dir); err != nil {
			return err
		}
	}
	if err := fillAndSwap(dir, fill); err != nil {
		return &Error{Path: dir, Err: err}
	}
	return nil
}

// Leftover names of an interrupted swap of dir, beside it in its parent.
func tmpPrefix(dir string) string { return "." + filepath.Base(dir) + ".tmp-" }
func oldPrefix(dir string) string { return "." + filepath.Base(dir) + ".old-" }

// recoverSwap finishes what a writer killed mid-swap left. The swap renames
// dir to an .old- folder and then a complete .tmp- folder to dir; killed in
// between, dir is missing and the previous content is in .old-, which is
// put back. Every other leftover (.tmp- folders of any stage, .old- folders
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

// fault, set only by tests, is called before each step of a folder write
// that can fail on a real disk (full, read-only, a race); its error makes
// that step fail, so tests can prove that a failure at any step leaves the
// destination as it was and nothing behind.
var fault func(step string) error

func injected(step string) error {
	if fault == nil {
		return nil
	}
	return fault(step)
}

func fillAndSwap(dir string, fill func(tmp string) error) (err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), tmpPrefix(dir))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	// MkdirTemp creates 0700; what edict writes is meant to be shared.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
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
	if err := injected("mkdir " + d); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
		return err
	}
	made[d] = true
	return nil
}

// createSynced creates name (which must not exist) with data and mode and
// syncs it to disk.
func createSynced(name string, data []byte, mode fs.FileMode) error {
	if err := create(name, data, mode); err != nil {
		return err
	}
	return syncFiles("", []string{name}, nil)
}

// create creates name (which must not exist) with data and mode; the
// caller syncs it.
func create(name string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	// The umask may have narrowed the mode.
	if err := f.Chmod(mode); err != nil {
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
		if err := injected("rename into place"); err != nil {
			return fmt.Errorf("move into place: %w", err)
		}
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("move into place: %w", err)
		}
		// The content is in place and complete: past this point a failure
		// must not be reported as a failed write.
		_ = syncDir(parent)
		return nil
	case err != nil:
		return err
	case !info.IsDir():
		return errors.New("exists and is not a folder")
	}
	old, err := os.MkdirTemp(parent, oldPrefix(dst))
	if err != nil {
		return err
	}
	// MkdirTemp only reserved the name; rename needs it gone (rename over an
	// empty directory works on Linux, but not everywhere).
	if err := os.Remove(old); err != nil {
		return err
	}
	if err := injected("rename aside"); err != nil {
		return fmt.Errorf("move the old content aside: %w", err)
	}
	if err := os.Rename(dst, old); err != nil {
		return fmt.Errorf("move the old content aside: %w", err)
	}
	err = injected("rename into place")
	if err == nil {
		err = os.Rename(src, dst)
	}
	if err != nil {
		if rerr := os.Rename(old, dst); rerr != nil {
			return fmt.Errorf("move into place: %w (and restoring the old content from %s failed: %v)", err, old, rerr)
		}
		return fmt.Errorf("move into place: %w", err)
	}
	// The new content is in place and complete: a failure from here on is
	// not a failed write (the caller would report a write that happened as
	// failed). The old content stays in .old- until the parent's entries
	// are durable; the next writer removes a leftover .old- (recoverSwap),
	// since dst exists.
	if injected("sync parent") != nil || syncDir(parent) != nil {
		return nil
	}
	if injected("remove old") == nil {
		_ = os.RemoveAll(old)
	}
	return nil
}
