package input

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadFileContained: a repository opened with OpenRoot gives its own
// regular files and nothing else, with an input error naming the file.
func TestReadFileContained(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("password: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/ok.yaml", "kind: Policy\n")
	write("big.yaml", strings.Repeat("x", MaxFileSize+1))
	if err := os.Symlink("a/ok.yaml", filepath.Join(dir, "inside.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", filepath.Base(outside), "secret.yaml"), filepath.Join(dir, "relative-out.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "absolute-out.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
	}{
		{"a/ok.yaml", ""},
		{"inside.yaml", ""},
		{"relative-out.yaml", "outside the repository"},
		{"absolute-out.yaml", "outside the repository"},
		{"../" + filepath.Base(outside) + "/secret.yaml", "outside the repository"},
		{"pipe.yaml", "not a regular file (a named pipe)"},
		{"big.yaml", "limited to"},
		{"a", "is a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := ReadFile(repo, tc.name)
			if tc.want == "" {
				if err != nil || string(data) != "kind: Policy\n" {
					t.Fatalf("ReadFile = %q, %v", data, err)
				}
				return
			}
			var ie *Error
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, tc.want) || ie.File != tc.name {
				t.Fatalf("error %v, want an input error on %s containing %q", err, tc.name, tc.want)
			}
			if strings.Contains(err.Error(), "password") {
				t.Error("the error quotes the file")
			}
		})
	}
	if _, err := ReadFile(repo, "missing.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
}

// TestWalkSkipList: one skip list, applied below the start of the walk
// only, and FilesOfKind finds files by their peeked kind.
func TestWalkSkipList(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"i.yaml", "policies/p/policy.yaml", "nested/vendored/x.yml",
		"dist/b/i.yaml", "vendor/v/i.yaml", "node_modules/n/i.yaml", "testdata/t/i.yaml", ".git/i.yaml", ".github/i.yaml",
		"notes.txt",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("apiVersion: edict.dev/v1alpha1\nkind: Initiative\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	if err := Walk(repo, ".", func(f File) error {
		if f.Err != nil {
			return f.Err
		}
		seen = append(seen, f.Path)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(seen, ","), "i.yaml,nested/vendored/x.yml,notes.txt,policies/p/policy.yaml"; got != want {
		t.Errorf("walked %s, want %s", got, want)
	}
	found, err := FilesOfKind(repo, "testdata", "Initiative")
	if err != nil || strings.Join(found, ",") != "testdata/t/i.yaml" {
		t.Errorf("a walk that starts in a skipped folder walks it: %v %v", found, err)
	}
	found, err = FilesOfKind(repo, ".", "Initiative")
	if err != nil || strings.Join(found, ",") != "i.yaml,nested/vendored/x.yml,policies/p/policy.yaml" {
		t.Errorf("FilesOfKind = %v, %v", found, err)
	}
}

func TestYAMLErrorAndExcerpt(t *testing.T) {
	_, err := ParseDocument("f.yaml", []byte("a: 1\nb: [\n"))
	var ie *Error
	if !errors.As(err, &ie) || ie.Line == 0 || !strings.HasPrefix(ie.Msg, "invalid YAML: ") {
		t.Errorf("syntax error = %#v", err)
	}
	_, err = ParseDocument("f.yaml", []byte("a: 1\na: 2\n"))
	if !errors.As(err, &ie) || ie.Line != 2 || ie.Msg != "duplicate key" {
		t.Errorf("duplicate key = %#v", err)
	}
	long := strings.Repeat("s3cr3t", 20)
	if got := Excerpt(long); len([]rune(got)) > maxExcerpt+3 || !strings.HasSuffix(got, "…") {
		t.Errorf("Excerpt = %s", got)
	}
	if got := Excerpt("short"); got != `"short"` {
		t.Errorf("Excerpt(short) = %s", got)
	}
}

// TestSyntaxErrorLine: a YAML syntax error points at the line to fix, not
// only where the parser says the enclosing block began.
func TestSyntaxErrorLine(t *testing.T) {
	filler := strings.Repeat("    - x\n", 20)
	tests := []struct {
		name string
		doc  string
		line int
		msg  string
	}{
		{"mis-indented key deep in a list", "a:\n  list:\n" + filler + "    - pathPrefix: /etc\n     readOnly: true\n", 24, "the parser reports line 2"},
		{"tab indentation", "a: 1\nb:\n\tc: 2\n", 3, "found character that cannot start any token"},
		{"unclosed flow", "a: [1, 2\nb: 3\n", 1, "expected ',' or ']'"},
	}
	for _, tt := range tests {
		_, err := ParseDocument("f.yaml", []byte(tt.doc))
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) || !strings.HasPrefix(e.Msg, "invalid YAML: ") {
			t.Errorf("%s: line %d %q, want line %d and %q", tt.name, e.Line, e.Msg, tt.line, tt.msg)
		}
	}
}
