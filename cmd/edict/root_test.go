package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuildFindsTheRepositoryRoot: an initiative file finds its repository
// from its own location, wherever edict runs; the current folder is never
// walked; an unknown policy says where policies were looked up and --root.
func TestBuildFindsTheRepositoryRoot(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "checkouts", "contoso")
	copyTree(t, "../../examples/contoso", repo)
	file := filepath.Join(repo, "initiatives", "contoso-prod.yaml")
	// A shared folder holding another checkout with the same policy names,
	// which a walk of the current folder would trip over.
	copyTree(t, "../../examples/contoso", filepath.Join(base, "checkouts", "contoso-copy"))
	loose := filepath.Join(base, "loose")
	writeFile(t, filepath.Join(loose, "lone.yaml"), `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: lone
spec:
  version: 1.0.0
  policies:
    required-labels: {}
`)
	out := filepath.Join(base, "out")
	tests := []struct {
		name   string
		cwd    string
		args   []string
		code   int
		stderr []string
	}{
		{"from a shared folder above the checkout", filepath.Join(base, "checkouts"), []string{"build", file, "-o", out}, ExitOK, nil},
		{"from inside initiatives/", filepath.Join(repo, "initiatives"), []string{"build", "contoso-prod.yaml", "-o", out}, ExitOK, nil},
		{"from an unrelated folder", loose, []string{"build", file, "-o", out}, ExitOK, nil},
		{"unknown policy with a guessed root", base, []string{"build", filepath.Join(loose, "lone.yaml"), "-o", out}, ExitUsage,
			[]string{`unknown policy "required-labels"`, "policies were looked up under loose, found from the file's location; pass --root"}},
		{"unknown policy with --root", base, []string{"build", filepath.Join(loose, "lone.yaml"), "--root", loose, "-o", out}, ExitUsage,
			[]string{`unknown policy "required-labels"`}},
		{"--root names the repository", base, []string{"build", filepath.Join(loose, "lone.yaml"), "--root", base, "-o", out}, ExitUsage,
			[]string{"already defined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.cwd)
			stdout, stderr, code := runEdict(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			if guessedHint := "found from the file's location"; slices.Contains(tt.args, "--root") && strings.Contains(stderr, guessedHint) {
				t.Errorf("with --root, stderr still says the root was guessed:\n%s", stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if tt.code == ExitOK && !strings.Contains(stdout, "built contoso-prod 2.3.0") {
				t.Errorf("stdout %q", stdout)
			}
			if tt.code == ExitOK {
				if _, err := os.Stat(filepath.Join(out, "contoso-prod", "bundle.json")); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
