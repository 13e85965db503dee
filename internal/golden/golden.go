// Package golden compares test output with golden files under testdata/,
// and rewrites them when the test binary runs with -update. Each test
// package declares the -update flag itself (so that `go test ./... -update`
// runs in packages without golden files too); golden reads it by name.
package golden

import (
	"bytes"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Updating reports whether the test binary runs with -update.
func Updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Check compares got with the file at path (relative to the package, for
// example testdata/report.txt), or writes it with -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run the test with -update if the change is intended)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// CheckTree compares the files of got (slash paths) with the folder dir,
// file list and bytes, or replaces the folder with -update.
func CheckTree(t testing.TB, dir string, got map[string][]byte) {
	t.Helper()
	if Updating() {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for name, data := range got {
			Check(t, filepath.Join(dir, filepath.FromSlash(name)), data)
		}
		return
	}
	want := ReadTree(t, dir)
	if g, w := strings.Join(slices.Sorted(maps.Keys(got)), "\n"), strings.Join(slices.Sorted(maps.Keys(want)), "\n"); g != w {
		t.Fatalf("file list differs from %s (run the test with -update if intended)\ngot:\n%s\nwant:\n%s", dir, g, w)
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("%s differs from the golden file (run the test with -update if intended)\ngot:\n%s", filepath.Join(dir, name), got[name])
		}
	}
}

// ReadTree reads every regular file below dir, keyed by slash path.
func ReadTree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		tree[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// Snapshot records everything below dir, keyed by slash path: a file's
// content, "/" for a folder, "?" and the mode for anything else (a symlink,
// a pipe), so tests can tell that a folder was left exactly as it was.
func Snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			out[rel] = "/"
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(data)
		default:
			out[rel] = "?" + d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
