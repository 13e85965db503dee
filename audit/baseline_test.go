package audit

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

const baseInitiative = `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: team
spec:
  version: 1.0.0
  extends: pod-security-baseline
  defaults:
    effect: deny
  policies:
    allowed-capabilities:
      parameters: {allowedCapabilities: [NET_ADMIN]}
    host-namespaces:
      effect: audit
    host-ports:
      effect: deny
`

const baselineWorkloads = `apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Pod
metadata: {name: adds-net-admin, namespace: apps}
spec:
  containers: [{name: c, image: x, securityContext: {capabilities: {add: [NET_ADMIN]}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: adds-chown, namespace: apps}
spec:
  containers: [{name: c, image: x, securityContext: {capabilities: {add: [CHOWN]}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: host-pid, namespace: apps}
spec:
  hostPID: true
  containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: 80}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: privileged, namespace: legacy}
spec:
  selector: {matchLabels: {app: p}}
  template:
    metadata: {labels: {app: p}}
    spec:
      containers: [{name: c, image: x, securityContext: {privileged: true}}]
`

// resolveInitiative builds one initiative file written to a temporary repository.
func resolveInitiative(t *testing.T, content string) []*source.Bundle {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := source.Resolve(context.Background(), f, source.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// auditReport runs a whole audit of manifests (YAML text) and returns the report.
func auditReport(t *testing.T, cur, base []*source.Bundle, manifests string) *Report {
	t.Helper()
	ctx := context.Background()
	p, err := Load(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Workers: 2}
	if base != nil {
		if opts.Baseline, err = Load(ctx, base); err != nil {
			t.Fatal(err)
		}
	}
	in, err := resources.Open([]string{"-"}, strings.NewReader(manifests), resources.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	c := NewCollector(cur, base)
	if err := Run(ctx, p, in, opts, c.Add); err != nil {
		t.Fatal(err)
	}
	return c.Report()
}

// statuses lists "object reference action status[ was X]" for every result
// and fixed result.
func statuses(r *Report) []string {
	var out []string
	for _, res := range append(append([]Result{}, r.Results...), r.Fixed...) {
		s := res.Object.Name + " " + res.Reference.Reference + " " + res.EnforcementAction + " " + string(res.Status)
		if res.BaselineAction != "" {
			s += " was " + res.BaselineAction
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestBaseline(t *testing.T) {
	base := resolveInitiative(t, baseInitiative)
	tests := []struct {
		name    string
		change  func(string) string
		want    []string
		newDeny int
	}{
		{
			name:   "nothing changed",
			change: func(s string) string { return s },
			want: []string{
				"adds-chown allowed-capabilities deny unchanged",
				"host-pid host-namespaces dryrun unchanged",
				"host-pid host-ports deny unchanged",
				"privileged privileged-containers deny unchanged",
			},
		},
		{
			name: "a parameter changes: one violation fixed, one new",
			change: func(s string) string {
				return strings.Replace(s, "allowedCapabilities: [NET_ADMIN]", "allowedCapabilities: [CHOWN]", 1)
			},
			want: []string{
				"adds-chown allowed-capabilities deny fixed",
				"adds-net-admin allowed-capabilities deny new",
				"host-pid host-namespaces dryrun unchanged",
				"host-pid host-ports deny unchanged",
				"privileged privileged-containers deny unchanged",
			},
			newDeny: 1,
		},
		{
			name: "effects change: audit to deny is new, deny to warn is not",
			change: func(s string) string {
				s = strings.Replace(s, "host-namespaces:\n      effect: audit", "host-namespaces:\n      effect: deny", 1)
				return strings.Replace(s, "host-ports:\n      effect: deny", "host-ports:\n      effect: warn", 1)
			},
			want: []string{
				"adds-chown allowed-capabilities deny unchanged",
				"host-pid host-namespaces deny new was dryrun",
				"host-pid host-ports warn unchanged was deny",
				"privileged privileged-containers deny unchanged",
			},
			newDeny: 1,
		},
		{
			name: "an exemption is added",
			change: func(s string) string {
				return s + "  exemptions:\n  - policies: [privileged-containers]\n    namespaces: [legacy]\n    reason: migration\n    owner: team\n    expires: \"2099-01-01\"\n"
			},
			want: []string{
				"adds-chown allowed-capabilities deny unchanged",
				"host-pid host-namespaces dryrun unchanged",
				"host-pid host-ports deny unchanged",
				"privileged privileged-containers deny fixed",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := resolveInitiative(t, tt.change(baseInitiative))
			r := auditReport(t, cur, base, baselineWorkloads)
			got := statuses(r)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if r.Summary.New.Deny != tt.newDeny {
				t.Errorf("new deny %d, want %d", r.Summary.New.Deny, tt.newDeny)
			}
			for _, res := range r.Results {
				if res.Object.Name == "privileged" && !strings.HasPrefix(res.Message, "[Implied by") {
					t.Errorf("the Deployment was not judged through its Pod: %s", res.Message)
				}
			}
		})
	}
}

func TestGate(t *testing.T) {
	base := resolveInitiative(t, baseInitiative)
	cur := resolveInitiative(t, strings.Replace(baseInitiative, "host-namespaces:\n      effect: audit", "host-namespaces:\n      effect: warn", 1))
	r := auditReport(t, cur, base, baselineWorkloads)
	// 3 deny, 1 warn (new, was dryrun), 0 dryrun.
	tests := []struct {
		gate Gate
		want int
	}{
		{Gate{FailOn: FailOnDeny}, 3},
		{Gate{FailOn: FailOnWarn}, 4},
		{Gate{FailOn: FailOnAny}, 4},
		{Gate{FailOn: FailOnNone}, 0},
		{Gate{FailOn: FailOnDeny, OnlyNew: true}, 0},
		{Gate{FailOn: FailOnWarn, OnlyNew: true}, 1},
		{Gate{FailOn: FailOnAny, OnlyNew: true}, 1},
	}
	for _, tt := range tests {
		if got := tt.gate.Check(r); got != tt.want {
			t.Errorf("%+v: %d results trip the gate, want %d", tt.gate, got, tt.want)
		}
	}
	if _, err := ParseFailOn("warning"); err == nil {
		t.Error("--fail-on warning accepted")
	}
}

func TestSkippedAndErrorsKeepTheRest(t *testing.T) {
	bundles := resolveInitiative(t, baseInitiative)
	manifests := baselineWorkloads + `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: patch-only, namespace: apps}
spec:
  replicas: 2
---
apiVersion: v1
kind: Pod
metadata:
  name: broken
   namespace: apps
---
apiVersion: v1
kind: Pod
metadata: {name: last, namespace: apps}
spec:
  containers: [{name: c, image: x, securityContext: {privileged: true}}]
`
	r := auditReport(t, bundles, nil, manifests)
	if r.Summary.Skipped != 1 || !strings.Contains(r.Skipped[0].Reason, "cannot be expanded") || r.Skipped[0].Object.Name != "patch-only" {
		t.Errorf("skipped: %+v", r.Skipped)
	}
	lineOf := func(text string) int { return strings.Count(manifests[:strings.Index(manifests, text)], "\n") + 1 }
	if r.Summary.Errors != 1 || r.Errors[0].Line != lineOf("   namespace: apps") {
		t.Errorf("errors: %+v", r.Errors)
	}
	last := false
	for _, res := range r.Results {
		if res.Object.Name == "last" && res.Source.Line == lineOf("apiVersion: v1\nkind: Pod\nmetadata: {name: last") {
			last = true
		}
	}
	if !last || r.Summary.Objects != 6 {
		t.Errorf("the objects after the bad ones were not all audited: %d objects, last reported %v", r.Summary.Objects, last)
	}
}

func TestOutputIsInInputOrder(t *testing.T) {
	bundles := resolveInitiative(t, baseInitiative)
	var sb strings.Builder
	for i := range 60 {
		sb.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ", namespace: apps}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n")
	}
	r := auditReport(t, bundles, nil, sb.String())
	for i := 1; i < len(r.Results); i++ {
		if r.Results[i].Source.Line < r.Results[i-1].Source.Line {
			t.Fatalf("result %d (line %d) after line %d", i, r.Results[i].Source.Line, r.Results[i-1].Source.Line)
		}
	}
	if len(r.Results) != 60 {
		t.Fatalf("%d results", len(r.Results))
	}
}
