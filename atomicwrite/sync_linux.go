package atomicwrite

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncTree flushes the filesystem that holds root with one syncfs(2): it
// writes every file and folder edict just created (and whatever else is
// dirty there) in one journal commit instead of one per file. Since Linux
// 5.8 it also reports write-back errors of that filesystem.
func syncTree(root string, files, dirs []string) error {
	d, err := os.Open(root)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return &os.PathError{Op: "syncfs", Path: root, Err: err}
	}
	return nil
}
