package atomicwrite

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
)

// readTree reads the folder's files as strings, which compare with ==.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, data := range golden.ReadTree(t, dir) {
		out[name] = string(data)
	}
	return out
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestTreeReplacesExactly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	first := map[string][]byte{"a.yaml": []byte("a"), "sub/b.yaml": []byte("b"), "sub/deep/c.yaml": []byte("c")}
	if err := Tree(dir, first, nil); err != nil {
		t.Fatal(err)
	}
	second := map[string][]byte{"a.yaml": []byte("a2")}
	if err := Tree(dir, second, nil); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); len(got) != 1 || got["a.yaml"] != "a2" {
		t.Errorf("after the second write: %v, want only a.yaml=a2", got)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o755 {
		t.Errorf("folder mode %v, want 0755", info.Mode().Perm())
	}
	if got := entries(t, filepath.Dir(dir)); !slices.Equal(got, []string{"out"}) {
		t.Errorf("leftovers beside the folder: %v", got)
	}
}

func TestTreeRefusals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Tree(dir, map[string][]byte{"keep": []byte("k")}, nil); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("not ours")
	err := Tree(dir, map[string][]byte{"x": nil}, func(string) error { return refused })
	if err != refused {
		t.Errorf("the check's error must come back as it is, got %v", err)
	}
	for _, bad := range []string{"../x", "/abs", "a/../../b", "."} {
		if err := Tree(dir, map[string][]byte{bad: nil}, nil); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
	if got := readTree(t, dir); got["keep"] != "k" || len(got) != 1 {
		t.Errorf("a refused write changed the folder: %v", got)
	}
	// A failure while filling is an *Error and leaves the old content.
	err = Tree(dir, map[string][]byte{strings.Repeat("z", 300): []byte("x")}, nil)
	var we *Error
	if !errors.As(err, &we) {
		t.Errorf("a failed write is %T %v, want *Error", err, err)
	}
	if got := readTree(t, dir); got["keep"] != "k" || len(got) != 1 {
		t.Errorf("a failed write changed the folder: %v", got)
	}
}

// A writer killed between the two renames of the swap leaves the previous
// content in an .old- folder and nothing at the destination; the next
// writer puts it back before anything else and removes every leftover.
func TestDirRecoversInterruptedSwap(t *testing.T) {
	tests := []struct {
		name  string
		crash func(t *testing.T, dir string) // leaves what a killed writer leaves
	}{
		{"killed between the renames", func(t *testing.T, dir string) {
			if err := os.Rename(dir, filepath.Join(filepath.Dir(dir), oldPrefix(dir)+"123")); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), tmpPrefix(dir)+"456", "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"killed while writing the new content", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), tmpPrefix(dir)+"789", "constraints"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"killed before removing the old content", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), oldPrefix(dir)+"abc", "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "contoso-prod")
			if err := Tree(dir, map[string][]byte{"bundle.json": []byte("{}"), "templates/a.yaml": []byte("a")}, nil); err != nil {
				t.Fatal(err)
			}
			before := readTree(t, dir)
			tt.crash(t, dir)

			// The next write fails on its own input, yet the previous
			// content is back and the leftovers are gone.
			if err := Tree(dir, map[string][]byte{strings.Repeat("z", 300): []byte("x")}, nil); err == nil {
				t.Fatal("a write with an impossible file name succeeded")
			}
			if after := readTree(t, dir); !maps.Equal(after, before) {
				t.Fatalf("previous content not restored:\nbefore %v\nafter  %v", before, after)
			}
			if got := entries(t, filepath.Dir(dir)); !slices.Equal(got, []string{"contoso-prod"}) {
				t.Fatalf("leftovers after recovery: %v", got)
			}
		})
	}
}

// Writers of one folder (parallel CI steps, two edict processes) take
// turns: every write succeeds and the result is one writer's whole tree.
func TestConcurrentWritersSerialised(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "contoso-prod")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				id := fmt.Sprintf("%d-%d", w, i)
				files := map[string][]byte{"a": []byte(id), "sub/b": []byte(id), "sub/c": []byte(id)}
				if err := Tree(dir, files, nil); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write failed: %v", err)
	}
	got := readTree(t, dir)
	if len(got) != 3 || got["a"] != got["sub/b"] || got["a"] != got["sub/c"] {
		t.Fatalf("the folder mixes writers: %v", got)
	}
	if got := entries(t, filepath.Dir(dir)); len(got) != 1 {
		t.Fatalf("leftovers after concurrent writes: %v", got)
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "new", "key.pem")
	if err := File(name, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := File(name, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil || string(b) != "two" {
		t.Fatalf("content %q, %v", b, err)
	}
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	if got := entries(t, filepath.Dir(name)); !slices.Equal(got, []string{"key.pem"}) {
		t.Errorf("leftovers: %v", got)
	}
	// Writing over a folder fails as an *Error and leaves no temporary file.
	err = File(dir+"/new", []byte("x"), 0o644)
	var we *Error
	if !errors.As(err, &we) {
		t.Errorf("writing over a folder: %T %v, want *Error", err, err)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"new"}) {
		t.Errorf("leftovers: %v", got)
	}
}
