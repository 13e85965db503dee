package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/edict-policy/edict/rendered"
)

func parentEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteRecoversInterruptedSwap: a writer killed between the two renames
// of the swap leaves the previous bundle in an .old- folder and no bundle at
// the destination; the next writer puts it back before anything else and
// removes every leftover.
func TestWriteRecoversInterruptedSwap(t *testing.T) {
	tests := []struct {
		name string
		// crash leaves the state a killed writer would leave.
		crash func(t *testing.T, dir string)
	}{
		{"killed between the renames", func(t *testing.T, dir string) {
			if err := os.Rename(dir, filepath.Join(filepath.Dir(dir), oldPrefix(dir)+"123")); err != nil {
				t.Fatal(err)
			}
			half := filepath.Join(filepath.Dir(dir), tmpPrefix(dir)+"456")
			if err := os.MkdirAll(filepath.Join(half, "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"killed while writing the new bundle", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), tmpPrefix(dir)+"789", "constraints"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"killed before removing the old bundle", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), oldPrefix(dir)+"abc", "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "contoso-prod")
			if err := Write(dir, fixtureOutput()); err != nil {
				t.Fatal(err)
			}
			before := readTree(t, dir)
			tt.crash(t, dir)

			// The next write fails on its own input, yet the previous bundle
			// is back and the leftovers are gone.
			bad := fixtureOutput()
			setFile(bad, "templates/"+strings.Repeat("z", 300)+".yaml", []byte("x"))
			if err := Write(dir, bad); err == nil {
				t.Fatal("Write with an impossible file name succeeded")
			}
			after := readTree(t, dir)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("previous bundle not restored:\nbefore %v\nafter  %v", before, after)
			}
			if got := parentEntries(t, dir); len(got) != 1 || got[0] != "contoso-prod" {
				t.Fatalf("leftovers after recovery: %v", got)
			}
		})
	}
}

// TestConcurrentWritersSerialised: writers of one folder (parallel CI steps,
// two edict processes) take turns; every write succeeds and the result is
// one complete bundle.
func TestConcurrentWritersSerialised(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "contoso-prod")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				out := fixtureOutput()
				setFile(out, "constraints/writer.yaml", []byte(fmt.Sprintf("writer: %d-%d\n", w, i)))
				if err := Write(dir, out); err != nil {
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
	idx, err := ReadIndex(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyFiles(os.DirFS(dir), idx); err != nil {
		t.Fatalf("bundle after concurrent writes is not one complete bundle: %v", err)
	}
	if got := parentEntries(t, dir); len(got) != 1 {
		t.Fatalf("leftovers after concurrent writes: %v", got)
	}
}

// TestPullRefusesNonBundleFolders: pull -o replaces only a folder that is
// recognisably an edict bundle; a folder that merely holds a bundle.json is
// left exactly as it was.
func TestPullRefusesNonBundleFolders(t *testing.T) {
	index := func(t *testing.T, files map[string][]byte) []byte {
		b := &rendered.Bundle{Name: "x", Version: "1.0.0"}
		for p, data := range files {
			b.Kustomizations = append(b.Kustomizations, &rendered.Manifest{Path: p, Data: data})
		}
		idx, err := b.Index()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := idx.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		refuse  string // "" when the pull may replace the folder
	}{
		{"missing", func(t *testing.T, dir string) {}, ""},
		{"empty", func(t *testing.T, dir string) { mkdir(t, dir) }, ""},
		{"earlier bundle", func(t *testing.T, dir string) {
			if err := Write(dir, fixtureOutput()); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"earlier bundle, signed", func(t *testing.T, dir string) {
			if err := Write(dir, fixtureOutput()); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, SignatureFile), "c2ln")
		}, ""},
		{"checkout with .git beside a bundle.json", func(t *testing.T, dir string) {
			files := map[string][]byte{"kustomization.yaml": []byte("resources: []\n")}
			writeFile(t, filepath.Join(dir, "kustomization.yaml"), string(files["kustomization.yaml"]))
			writeFile(t, filepath.Join(dir, IndexFile), string(index(t, files)))
			writeFile(t, filepath.Join(dir, ".git", "config"), "[core]\n")
			writeFile(t, filepath.Join(dir, "notes.md"), "my notes\n")
		}, ".git/"},
		{"bundle.json that is not edict's index", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, IndexFile), `{"name":"something else"}`)
		}, "not an edict bundle"},
		{"bundle.json listing files that are not there", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, IndexFile), string(index(t, map[string][]byte{"a.yaml": []byte("a")})))
		}, "missing"},
		{"source file beside an earlier bundle", func(t *testing.T, dir string) {
			if err := Write(dir, fixtureOutput()); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "templates", "mine.rego"), "package mine\n")
		}, "templates/mine.rego"},
		{"symlink in an earlier bundle", func(t *testing.T, dir string) {
			if err := Write(dir, fixtureOutput()); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"a file", func(t *testing.T, dir string) { writeFile(t, dir, "x") }, "not a folder"},
		{"a symlink to a folder", func(t *testing.T, dir string) {
			other := filepath.Join(filepath.Dir(dir), "other")
			writeFile(t, filepath.Join(other, "keep.txt"), "keep")
			if err := os.Symlink(other, dir); err != nil {
				t.Fatal(err)
			}
		}, "not a folder"},
	}
	reg := newTestRegistry(t, true)
	r := testRemote()
	ctx := ctxT(t)
	loc := mustLocation(t, "oci://"+reg.host()+"/policies/pull:v1")
	if _, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tt.prepare(t, dir)
			before := snapshot(t, filepath.Dir(dir))
			_, err := r.Pull(ctx, loc, dir, nil, DefaultLimits)
			if tt.refuse == "" {
				if err != nil {
					t.Fatalf("Pull = %v", err)
				}
				if err := VerifyFiles(os.DirFS(dir), fixtureIndex(t, dir)); err != nil {
					t.Fatal(err)
				}
				return
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.refuse) {
				t.Fatalf("Pull = %v, want a refusal naming %q", err, tt.refuse)
			}
			if after := snapshot(t, filepath.Dir(dir)); after != before {
				t.Fatalf("refused pull changed the folder:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func fixtureIndex(t *testing.T, dir string) *rendered.Index {
	t.Helper()
	idx, err := ReadIndex(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(name))
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot lists every path under root with its content or link target.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, "%s -> %s\n", rel, target)
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, "%s = %q\n", rel, data)
		default:
			fmt.Fprintf(&b, "%s/\n", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
