package policytest

import (
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// hostileTemplate is a template whose violation rule is body.
func hostileTemplate(body string) string {
	return `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: hostile
spec:
  crd:
    spec:
      names:
        kind: Hostile
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package hostile

              violation contains {"msg": msg} if {
              ` + body + `
              }
`
}

const hostileConstraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: Hostile
metadata:
  name: hostile
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: [Pod]
`

const hostilePod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\nspec:\n  containers: [{name: app, image: app}]\n"

const hostileSuite = `apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
metadata:
  name: hostile
tests:
  - name: rule
    template: template.yaml
    constraint: constraint.yaml
    cases:
      - name: expensive
        object: pod.yaml
        assertions:
          - violations: no
      - name: cheap
        object: pod.yaml
        assertions:
          - violations: no
`

// TestEvaluationLimits: a slow or memory-hungry rule in a repository stops
// at the per-case limit with an error naming the case and the flag, instead
// of hanging or exhausting the CI runner.
func TestEvaluationLimits(t *testing.T) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		// result is the full name of the result that must be an error.
		result string
		want   string
	}{
		{
			name: "slow suite case",
			files: map[string]string{
				"s/template.yaml": hostileTemplate(`  input.review.object.metadata.name == "web"
                some i in numbers.range(1, 100000)
                some j in numbers.range(1, 100000)
                some k in numbers.range(1, 100000)
                i + j + k < 0
                msg := "never"`),
			},
			opts:   Options{CaseTimeout: 500 * time.Millisecond},
			result: "s/suite.yaml/rule/expensive",
			want:   "per-case timeout (raise it with --case-timeout)",
		},
		{
			name: "memory-hungry suite case",
			files: map[string]string{
				"s/template.yaml": hostileTemplate(`  input.review.object.metadata.name == "web"
                pad := concat("", [x | some _ in numbers.range(1, 200); x := "abcde"])
                big := {s | some i in numbers.range(1, 1000); some j in numbers.range(1, 1000); s := sprintf("%d-%d-%s", [i, j, pad])}
                count(big) < 0
                msg := "never"`),
			},
			opts:   Options{CaseTimeout: 10 * time.Minute, MaxMemory: int64(ms.HeapAlloc) + 256<<20},
			result: "s/suite.yaml/rule/expensive",
			want:   "(raise it with --max-memory)",
		},
		{
			name: "slow Rego unit test",
			files: map[string]string{
				"u/slow_test.rego": "package slow_test\n\ntest_slow if {\n\tsome i in numbers.range(1, 100000)\n\tsome j in numbers.range(1, 100000)\n\tsome k in numbers.range(1, 100000)\n\ti + j + k < 0\n}\n",
			},
			opts:   Options{CaseTimeout: 500 * time.Millisecond},
			result: "u/test_slow",
			want:   "per-test timeout (raise it with --case-timeout)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"s/suite.yaml":      {Data: []byte(hostileSuite)},
				"s/constraint.yaml": {Data: []byte(hostileConstraint)},
				"s/pod.yaml":        {Data: []byte(hostilePod)},
			}
			for k, v := range tt.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			if _, ok := tt.files["s/template.yaml"]; !ok {
				fsys["s/template.yaml"] = &fstest.MapFile{Data: []byte(hostileTemplate(`  false
                msg := "never"`))}
			}
			rep := run(t, fsys, nil, tt.opts)
			r := find(t, rep, tt.result)
			if r.Status != StatusError || !strings.Contains(r.Message, tt.want) {
				t.Fatalf("%s: %s %q, want an error saying %q", tt.result, r.Status, r.Message, tt.want)
			}
			if rep.ExitCode() != ExitBadInput {
				t.Errorf("exit %d, want %d", rep.ExitCode(), ExitBadInput)
			}
		})
	}
}
