package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildAndTestWalkTheSameFiles: `edict build .` and `edict test .` leave
// out the same folders. Each of them below holds an initiative that does not
// build and tests that fail; the repository builds and tests green only if
// both commands skip every one of them, and fails under an ordinary name.
func TestBuildAndTestWalkTheSameFiles(t *testing.T) {
	const brokenInitiative = "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: broken\nspec:\n  version: 1.0.0\n  policies:\n    no-such-policy: {}\n"
	const failingTest = "package lib.extra_test\n\nimport rego.v1\n\ntest_fails if { false }\n"
	for _, tc := range []struct {
		folder string
		green  bool
	}{
		{"dist", true},
		{"vendor", true},
		{"node_modules", true},
		{"testdata", true},
		{".cache", true},
		{"extras", false},
	} {
		t.Run(tc.folder, func(t *testing.T) {
			repo := t.TempDir()
			copyTree(t, "../../policytest/testdata/repo", repo)
			// The repository's own failing initiative test is not under study.
			if err := os.Remove(filepath.Join(repo, "tests", "prod_failing_test.yaml")); err != nil {
				t.Fatal(err)
			}
			extra := filepath.Join(repo, tc.folder, "x")
			if err := os.MkdirAll(extra, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(extra, "broken.yaml"), []byte(brokenInitiative), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(extra, "extra_test.rego"), []byte(failingTest), 0o644); err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			_, buildErr, buildCode := runEdict(t, "", "build", repo, "-o", out)
			testOut, _, testCode := runEdict(t, "", "test", repo)
			if tc.green {
				if buildCode != ExitOK || testCode != ExitOK {
					t.Fatalf("%s/ was walked: build exit %d (%s), test exit %d\n%s", tc.folder, buildCode, buildErr, testCode, testOut)
				}
				if _, err := os.Stat(filepath.Join(out, "broken")); err == nil {
					t.Errorf("build rendered the initiative under %s/", tc.folder)
				}
				return
			}
			if buildCode == ExitOK || !strings.Contains(buildErr, "no-such-policy") {
				t.Errorf("build did not see %s/: exit %d %s", tc.folder, buildCode, buildErr)
			}
			if testCode != ExitFailure || !strings.Contains(testOut, "test_fails") {
				t.Errorf("test did not see %s/: exit %d\n%s", tc.folder, testCode, testOut)
			}
		})
	}
}
