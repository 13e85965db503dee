package bundle

import (
	"bytes"
	"strings"
	"testing"
)

// Pulled archives come from registries and disks edict
// does not control: any bytes must give a value or an error, never a panic,
// and an accepted archive must hold only clean relative paths.

func FuzzReadArchive(f *testing.F) {
	var good bytes.Buffer
	if err := ArchiveFiles(&good, map[string][]byte{"kustomization.yaml": []byte("resources: []\n"), "templates/a.yaml": []byte("a: 1\n")}); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := ReadArchive(bytes.NewReader(data), Limits{MaxBytes: 1 << 20, MaxFiles: 100})
		if err != nil {
			return
		}
		for name := range files {
			if unsafePath(name) || strings.Contains(name, `\`) {
				t.Fatalf("accepted unsafe path %q", name)
			}
		}
	})
}

func unsafePath(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
