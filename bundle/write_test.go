package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/rendered"
)

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			tree[filepath.ToSlash(rel)+"/"] = info.Mode().String()
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		tree[filepath.ToSlash(rel)] = info.Mode().String() + " " + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestWriteIsByteIdentical(t *testing.T) {
	parent := t.TempDir()
	a, b := filepath.Join(parent, "a"), filepath.Join(parent, "b")
	if err := Write(a, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != len(tb) {
		t.Fatalf("trees differ: %d vs %d entries", len(ta), len(tb))
	}
	for k, v := range ta {
		if tb[k] != v {
			t.Errorf("%s differs between two writes", k)
		}
	}
	for _, name := range []string{"bundle.json", "templates/k8sedictprivileged.yaml"} {
		if got := strings.SplitN(ta[name], " ", 2)[0]; got != "-rw-r--r--" {
			t.Errorf("%s mode = %s, want -rw-r--r--", name, got)
		}
	}
	if got := ta["templates/"]; got != "drwxr-xr-x" {
		t.Errorf("templates/ mode = %s", got)
	}
	// Writing over an existing bundle gives the same bytes and leaves no temp folders.
	if err := Write(a, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 {
		t.Errorf("parent holds %d entries after rewrite, want 2 (no leftovers)", len(entries))
	}
}

func TestIndexContent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(raw, []byte("}\n")) || !bytes.HasPrefix(raw, []byte("{\n  \"apiVersion\": \"edict.dev/v1alpha1\",\n  \"kind\": \"Bundle\",")) {
		t.Errorf("bundle.json is not 2-space indented with a trailing newline:\n%s", raw)
	}
	idx, err := ReadIndex(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range idx.Files {
		paths = append(paths, f.Path)
	}
	want := []string{
		"constraints/k8sedictprivileged.privileged.yaml", "constraints/kustomization.yaml",
		"kustomization.yaml", "templates/k8sedictprivileged.yaml", "templates/kustomization.yaml",
	}
	if strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Errorf("files = %v, want %v", paths, want)
	}
	f := idx.Files[2]
	if want := fixtureOutput().FileMap()["kustomization.yaml"]; f.SHA256 != rendered.SHA256(want) || f.Size != int64(len(want)) {
		t.Errorf("kustomization.yaml entry = %+v", f)
	}
	if idx.Name != "contoso-prod" || idx.Version != "2.3.0" || len(idx.Policies) != 1 || len(idx.Inputs) != 1 {
		t.Errorf("index header = %+v", idx)
	}
	// Map keys in resolved parameters come out sorted.
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\"a\": \"x\",\n        \"b\": 1,")) {
		t.Errorf("parameters not sorted:\n%s", raw)
	}
	if err := VerifyFiles(os.DirFS(dir), idx); err != nil {
		t.Errorf("fresh bundle does not verify: %v", err)
	}
}

func TestWriteFailureKeepsPreviousBundle(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "contoso-prod")
	if err := Write(dir, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, dir)

	// Files are written in sorted order; a name longer than any filesystem
	// allows fails only after the earlier files were written.
	bad := fixtureOutput()
	setFile(bad, "templates/"+strings.Repeat("z", 300)+".yaml", []byte("x"))
	setFile(bad, "constraints/new.yaml", []byte("new"))
	err := Write(dir, bad)
	if err == nil {
		t.Fatal("Write with an impossible file name succeeded")
	}
	after := readTree(t, dir)
	if len(after) != len(before) {
		t.Fatalf("previous bundle changed: %d entries before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed after a failed write", k)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("failed write left %v behind", names)
	}
}

func TestWriteRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"../escape.yaml", "/abs.yaml", "bundle.json", "bundle.sig", "a//b", `a\b`, "."} {
		t.Run(p, func(t *testing.T) {
			out := fixtureOutput()
			setFile(out, p, []byte("x"))
			dir := filepath.Join(t.TempDir(), "b")
			if err := Write(dir, out); err == nil {
				t.Fatalf("Write accepted path %q", p)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("rejected write created %s", dir)
			}
		})
	}
	out := &rendered.Bundle{Name: "x", Kustomizations: []*rendered.Manifest{{Path: "a", Data: []byte("1")}, {Path: "a/b", Data: []byte("2")}}}
	if err := Write(filepath.Join(t.TempDir(), "b"), out); err == nil {
		t.Error("Write accepted a path that is both file and folder")
	}
}

func TestVerifyFiles(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(dir string) error
		problem string
	}{
		{"tampered", func(d string) error {
			return os.WriteFile(filepath.Join(d, "kustomization.yaml"), []byte("resources: []\n"), 0o644)
		}, "kustomization.yaml: sha256"},
		{"missing", func(d string) error { return os.Remove(filepath.Join(d, "templates/kustomization.yaml")) }, "templates/kustomization.yaml: missing"},
		{"extra", func(d string) error {
			return os.WriteFile(filepath.Join(d, "constraints/extra.yaml"), []byte("x"), 0o644)
		}, "constraints/extra.yaml: not listed"},
		{"signature allowed", func(d string) error {
			return os.WriteFile(filepath.Join(d, SignatureFile), []byte("sig"), 0o644)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			if err := Write(dir, fixtureOutput()); err != nil {
				t.Fatal(err)
			}
			if err := tt.mutate(dir); err != nil {
				t.Fatal(err)
			}
			idx, err := ReadIndex(os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			err = VerifyFiles(os.DirFS(dir), idx)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("VerifyFiles: %v", err)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("VerifyFiles = %v, want a VerifyError", err)
			}
			if !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error %q does not mention %q", err, tt.problem)
			}
		})
	}
}

// A file whose digest matches but whose recorded size does not is named
// with the sizes, not with two equal digests.
func TestVerifyFilesSizeMismatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	if err := Write(dir, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	idx, err := ReadIndex(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	f := &idx.Files[0]
	f.Size++
	err = VerifyFiles(os.DirFS(dir), idx)
	want := fmt.Sprintf("%s: %d bytes, but %s records %d", f.Path, f.Size-1, IndexFile, f.Size)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("VerifyFiles = %v, want %q", err, want)
	}
}
