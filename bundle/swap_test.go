package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
