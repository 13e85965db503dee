package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// recorder notes failures instead of failing the real test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }

func TestCheckAndUpdate(t *testing.T) {
	was := *update
	defer func() { *update = was }()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.txt")

	*update = true
	Check(t, path, []byte("one"))
	if b, err := os.ReadFile(path); err != nil || string(b) != "one" {
		t.Fatalf("-update did not write the golden file: %q %v", b, err)
	}
	*update = false
	r := &recorder{TB: t}
	Check(r, path, []byte("one"))
	if r.failed {
		t.Error("equal output reported as different")
	}
	r = &recorder{TB: t}
	Check(r, path, []byte("two"))
	if !r.failed {
		t.Error("different output passed")
	}
	r = &recorder{TB: t}
	Check(r, filepath.Join(dir, "missing"), []byte("x"))
	if !r.failed {
		t.Error("a missing golden file passed")
	}

	tree := filepath.Join(dir, "tree")
	*update = true
	CheckTree(t, tree, map[string][]byte{"a": []byte("a"), "b/c": []byte("c")})
	*update = false
	for _, tc := range []struct {
		name string
		got  map[string][]byte
		fail bool
	}{
		{"same", map[string][]byte{"a": []byte("a"), "b/c": []byte("c")}, false},
		{"changed file", map[string][]byte{"a": []byte("A"), "b/c": []byte("c")}, true},
		{"missing file", map[string][]byte{"a": []byte("a")}, true},
		{"extra file", map[string][]byte{"a": []byte("a"), "b/c": []byte("c"), "d": nil}, true},
	} {
		r := &recorder{TB: t}
		CheckTree(r, tree, tc.got)
		if r.failed != tc.fail {
			t.Errorf("%s: failed=%v, want %v", tc.name, r.failed, tc.fail)
		}
	}
}

func TestSnapshot(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	got := Snapshot(t, dir)
	want := map[string]string{".": "/", "sub": "/", "sub/f": "x", "link": "?" + os.ModeSymlink.String()}
	if len(got) != len(want) {
		t.Fatalf("snapshot %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
