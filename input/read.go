package input

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// MaxFileSize bounds every file read from a repository: policy files are
// small, and a bound keeps a stray binary or generated blob from stalling a
// run or exhausting memory.
const MaxFileSize = 8 << 20

// OpenRoot opens the folder dir as a repository. Every path read through the
// returned file system stays inside dir: ".." and absolute paths are
// refused, and so is a symlink whose target resolves outside dir (one that
// stays inside is followed).
func OpenRoot(dir string) (fs.FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	return r.FS(), nil
}

// ReadFile reads one input file: a regular file (not a folder, FIFO or
// device, which could block or never end) of at most MaxFileSize bytes.
// Problems with the file itself are *Errors naming it; a missing file keeps
// fs.ErrNotExist in its chain.
func ReadFile(fsys fs.FS, name string) ([]byte, error) {
	// Stat first: opening a FIFO would block until someone writes to it.
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, statError(name, err)
	}
	if err := checkRegular(name, info); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, statError(name, err)
	}
	defer f.Close()
	// The file may have been swapped between Stat and Open.
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(name, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, sizeError(name, int64(len(data)))
	}
	return data, nil
}

func checkRegular(name string, info fs.FileInfo) error {
	switch {
	case info.IsDir():
		return &Error{File: name, Msg: "is a folder; expected a file"}
	case !info.Mode().IsRegular():
		return &Error{File: name, Msg: fmt.Sprintf("is not a regular file (%s); only regular files are read", describeMode(info.Mode()))}
	case info.Size() > MaxFileSize:
		return sizeError(name, info.Size())
	}
	return nil
}

func sizeError(name string, size int64) error {
	return &Error{File: name, Msg: fmt.Sprintf("file is %d bytes or more; input files are limited to %d bytes", size, MaxFileSize)}
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return m.Type().String()
}

// Stat is fs.Stat with a path that leaves the repository (a symlink whose
// target is outside the root of an OpenRoot file system) reported as an
// input *Error naming it.
func Stat(fsys fs.FS, name string) (fs.FileInfo, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, statError(name, err)
	}
	return info, nil
}

// OutsideHint is the fix suggested for a path that leaves the repository.
const OutsideHint = "keep the file inside the repository, or make the symlink point inside it"

// statError turns a path that leaves the repository into an input error
// and keeps every other error as it is.
func statError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	if escapes(err) {
		return &Error{File: name, Msg: "resolves outside the repository (a symlink or path leading out of it); only files inside it are read", Hint: OutsideHint}
	}
	return err
}

// escapes recognises os.Root's refusal of a path that leaves the root.
func escapes(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "path escapes from parent") || errors.Is(err, fs.ErrInvalid))
}

// IsYAML reports whether name is a YAML file by its extension.
func IsYAML(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml":
		return true
	}
	return false
}
