package atomicwrite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
)

var errInjected = errors.New("injected failure")

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// fuzzFiles turns fuzz bytes into a file set: NUL-separated name, content,
// name, content..., at most 16 files. Names may be anything, so invalid
// and conflicting paths (a file that is also a folder) are tried too.
func fuzzFiles(data []byte) map[string][]byte {
	parts := bytes.Split(data, []byte{0})
	files := map[string][]byte{}
	for i := 0; i+1 < len(parts) && len(files) < 16; i += 2 {
		files[string(parts[i])] = parts[i+1]
	}
	return files
}

// FuzzTree writes a fuzzed file set with Tree over a previous folder (or
// none), with a failure injected at one step of the write (or none). A
// failed write leaves the parent folder exactly as it was: no half-written
// destination, no leftovers. A successful one makes the destination exactly
// the file set and writes nothing else beside it, except that a failure
// after the swap may leave the old copy for the next writer, which removes
// it.
func FuzzTree(f *testing.F) {
	seeds := [][]byte{
		[]byte("bundle.json\x00{}\n\x00kustomization.yaml\x00resources: []\n\x00templates/a.yaml\x00a: 1\n\x00templates/deep/b.yaml\x00b\n"),
		[]byte("a\x00x\x00a/b\x00y"),
		[]byte("../escape\x00x"),
		[]byte("/abs\x00x"),
		[]byte("."),
		{},
	}
	// 0 and 0x80 inject nothing; 0x80 writes over a previous folder.
	for step := range uint8(14) {
		for _, s := range seeds {
			f.Add(s, step)
			f.Add(s, 0x80|step)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, failAt uint8) {
		files := fuzzFiles(data)
		parent := t.TempDir()
		dest := filepath.Join(parent, "out")
		if err := os.WriteFile(filepath.Join(parent, "sentinel"), []byte("beside"), 0o644); err != nil {
			t.Fatal(err)
		}
		if failAt&0x80 != 0 {
			if err := Tree(dest, map[string][]byte{"old.yaml": []byte("old\n"), "templates/old.yaml": []byte("t\n")}, nil); err != nil {
				t.Fatal(err)
			}
		}
		before := golden.Snapshot(t, parent)
		var steps []string
		hit := ""
		fault = func(step string) error {
			steps = append(steps, step)
			if len(steps) == int(failAt&0x7f) {
				hit = step
				return errInjected
			}
			return nil
		}
		err := Tree(dest, files, nil)
		fault = nil
		after := golden.Snapshot(t, parent)
		if err != nil {
			if !sameSnapshot(before, after) {
				t.Fatalf("failed write (%v, injected at %q) changed the folder:\nbefore %v\nafter  %v", err, hit, before, after)
			}
			return
		}
		want := map[string]string{".": "/", "sentinel": "beside", "out": "/"}
		for name, content := range files {
			want["out/"+name] = string(content)
			for d := filepath.ToSlash(filepath.Dir(name)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
				want["out/"+d] = "/"
			}
		}
		for name := range after {
			top, _, _ := strings.Cut(name, "/")
			if strings.HasPrefix(top, ".out.old-") {
				if hit != "sync parent" && hit != "remove old" {
					t.Fatalf("successful write left %s (injected at %q)", name, hit)
				}
				delete(after, name)
			}
		}
		if !sameSnapshot(want, after) {
			t.Fatalf("successful write (injected at %q, steps %v):\nwant %v\ngot  %v", hit, steps, want, after)
		}
		if hit != "" {
			// The next writer cleans up what a late failure left.
			if err := Tree(dest, files, nil); err != nil {
				t.Fatal(err)
			}
			for name := range golden.Snapshot(t, parent) {
				if strings.HasPrefix(name, ".out.") {
					t.Fatalf("leftover %s after the next write", name)
				}
			}
		}
	})
}
