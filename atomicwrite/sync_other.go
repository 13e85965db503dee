//go:build !linux

package atomicwrite

// syncTree fsyncs every file and folder written under root.
func syncTree(root string, files, dirs []string) error {
	return syncFiles(root, files, dirs)
}
