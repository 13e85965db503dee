package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// v0Policy is a policy written for older Gatekeeper releases.
const v0Policy = `package old

violation[{"msg": msg}] {
	not input.review.object.metadata.labels.owner
	msg := "no owner"
}
`

// TestBuildMessages: bad input gets a clear message at its position, with a
// hint where one helps.
func TestBuildMessages(t *testing.T) {
	policyYAML := `apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: old
spec:
  version: 1.0.0
  title: Pods need an owner label
  constraintKind: K8sEdictOld
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
`
	initiative := `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: msgs
spec:
  version: 1.0.0
  policies:
    old: {}
`
	tests := []struct {
		name   string
		files  map[string]string
		code   int
		stderr []string
	}{
		{"Rego v0 policy", map[string]string{
			"policies/old/policy.yaml": policyYAML,
			"policies/old/policy.rego": v0Policy,
			"initiatives/i.yaml":       initiative,
		}, ExitUsage, []string{
			"edict: policies/old/policy.rego:3:1: rego: `if` keyword is required before rule body",
			"this is Rego v0 and edict needs Rego v1: `opa fmt --v0-v1 -w policies/old/policy.rego` rewrites it",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				writeFile(t, filepath.Join(dir, name), data)
			}
			t.Chdir(dir)
			out, stderr, code := runEdict(t, "", "build", ".", "-o", filepath.Join(t.TempDir(), "out"))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, stderr)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
