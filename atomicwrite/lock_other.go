//go:build !unix

package atomicwrite

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockDir serialises writers with a lock file where folders cannot be
// locked; a lock older than staleLock is taken to be a crashed writer's.
func lockDir(dir string) (unlock func(), err error) {
	const staleLock = 10 * time.Minute
	name := filepath.Join(dir, ".edict-write.lock")
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(name) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if info, serr := os.Stat(name); serr == nil && time.Since(info.ModTime()) > staleLock {
			os.Remove(name)
			continue
		}
		time.Sleep(50 * time.Millisecond)
	}
}
