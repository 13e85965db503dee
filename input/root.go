package input

import (
	"os"
	"path/filepath"
)

// rootMarkers are the entries that mark the root of a policy repository.
var rootMarkers = []struct {
	name   string
	anyDir bool // any kind of entry counts (.git is a file in a git worktree)
}{{"policies", false}, {"initiatives", false}, {".git", true}}

// FindRoot returns the repository root of the file or folder at path: the
// nearest folder, from the path's own folder upwards, that holds policies/,
// initiatives/ or .git. When none does, found is false and root is the
// path's own folder: never the current folder, which may be a home or
// temporary folder full of unrelated files. The result is absolute.
func FindRoot(path string) (root string, found bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false, err
	}
	start := abs
	if info, err := os.Stat(abs); err != nil || !info.IsDir() {
		start = filepath.Dir(abs)
	}
	for dir := start; ; {
		for _, m := range rootMarkers {
			info, err := os.Stat(filepath.Join(dir, m.name))
			if err == nil && (m.anyDir || info.IsDir()) {
				return dir, true, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return start, false, nil
		}
		dir = parent
	}
}
