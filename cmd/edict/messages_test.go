package main

import (
	"encoding/json"
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
		{"schema and semantic errors in one run", map[string]string{
			"initiatives/i.yaml": `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: both
spec:
  version: 1.0.0
  defaults:
    effect: block
  policies:
    host-filesystm: {}
    allowed-capabilities:
      parameters: {allowedCapabilites: [NET_BIND_SERVICE]}
`,
		}, ExitUsage, []string{
			"edict: initiatives/i.yaml:8:13: spec.defaults.effect: \"block\" is not allowed",
			"\nedict: initiatives/i.yaml:10:5: spec.policies.host-filesystm: unknown policy \"host-filesystm\"",
			"\nedict: initiatives/i.yaml:12:20: spec.policies.allowed-capabilities.parameters.allowedCapabilites: unknown parameter",
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

// TestBuildJSONDiagnostics: a failing build --output json says why on stdout,
// one diagnostic per error with its position, field and hint.
func TestBuildJSONDiagnostics(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "initiatives/i.yaml"), `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: diag
spec:
  version: 1.0.0
  policies:
    host-filesystm: {}
    allowed-capabilities:
      parameters: {allowedCapabilites: [NET_BIND_SERVICE]}
`)
	t.Chdir(dir)
	out, stderr, code := runEdict(t, "", "build", ".", "--output", "json", "-o", filepath.Join(t.TempDir(), "out"))
	if code != ExitUsage {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	var rep struct {
		OK          *bool `json:"ok"`
		Diagnostics []struct {
			File, Field, Message, Hint string
			Line, Column               int
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if rep.OK == nil || *rep.OK || len(rep.Diagnostics) != 2 {
		t.Fatalf("want ok false and two diagnostics:\n%s", out)
	}
	want := []struct {
		line             int
		field, msg, hint string
	}{
		{8, "spec.policies.host-filesystm", `unknown policy "host-filesystm"`, `did you mean "host-filesystem"?`},
		{10, "spec.policies.allowed-capabilities.parameters.allowedCapabilites", "unknown parameter", `did you mean "allowedCapabilities"?`},
	}
	for i, w := range want {
		d := rep.Diagnostics[i]
		if d.File != "initiatives/i.yaml" || d.Line != w.line || d.Column == 0 || d.Field != w.field ||
			!strings.Contains(d.Message, w.msg) || !strings.Contains(d.Hint, w.hint) {
			t.Errorf("diagnostic %d = %+v, want line %d, field %s, message %q, hint %q", i, d, w.line, w.field, w.msg, w.hint)
		}
	}
}
