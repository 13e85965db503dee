package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindRoot(t *testing.T) {
	base := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(base, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	touch := func(p string) {
		mk(filepath.Dir(p))
		if err := os.WriteFile(filepath.Join(base, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("repo/policies/labels")
	touch("repo/initiatives/prod.yaml")
	touch("repo/policies/labels/suite.yaml")
	touch("worktree/.git") // a git worktree's .git is a file
	touch("worktree/deep/er/x.yaml")
	touch("loose/x.yaml")
	touch("notmarker/policies") // a file named policies is not a policy folder
	touch("notmarker/x.yaml")
	tests := []struct {
		path  string
		root  string
		found bool
	}{
		{"repo/initiatives/prod.yaml", "repo", true},
		{"repo/initiatives", "repo", true},
		{"repo/policies/labels/suite.yaml", "repo", true},
		{"repo", "repo", true},
		{"worktree/deep/er/x.yaml", "worktree", true},
		{"loose/x.yaml", "loose", false},
		{"notmarker/x.yaml", "notmarker", false},
	}
	for _, tt := range tests {
		root, found, err := FindRoot(filepath.Join(base, tt.path))
		if err != nil {
			t.Fatal(err)
		}
		// The temporary folder itself may sit inside a repository; only the
		// answers below it are this test's.
		want := filepath.Join(base, tt.root)
		if !tt.found && found && !strings.HasPrefix(root, base+string(filepath.Separator)) && root != base {
			continue // an ancestor of the temporary folder is a repository
		}
		if root != want || found != tt.found {
			t.Errorf("%s: root %s found %v, want %s %v", tt.path, root, found, want, tt.found)
		}
	}
}
