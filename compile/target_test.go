package compile

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/target"
)

func buildFor(t *testing.T, fsys fstest.MapFS, file string, g target.Gatekeeper) (*rendered.Bundle, error) {
	t.Helper()
	b, err := NewBuilder(fsys, ".", Options{Now: testNow, Gatekeeper: g})
	if err != nil {
		return nil, err
	}
	return b.Build(context.Background(), file)
}

// regoOf returns how a template carries its Rego: the code list's v1 source,
// or the target's legacy rego and libs fields (Rego v0).
func regoOf(t *testing.T, tm *rendered.Template) (v1 bool, rego string, libs []any) {
	t.Helper()
	tg := tm.Object["spec"].(map[string]any)["targets"].([]any)[0].(map[string]any)
	if code, ok := tg["code"].([]any); ok {
		src := code[0].(map[string]any)["source"].(map[string]any)
		if src["version"] != "v1" {
			t.Fatalf("%s: code source version %v", tm.Path, src["version"])
		}
		if _, legacy := tg["rego"]; legacy {
			t.Fatalf("%s carries both code and rego", tm.Path)
		}
		l, _ := src["libs"].([]any)
		return true, src["rego"].(string), l
	}
	l, _ := tg["libs"].([]any)
	return false, tg["rego"].(string), l
}

// TestGatekeeperTargets builds the built-in baseline for every supported
// release: from 3.19 the Rego is v1 as written, before it the same policy in
// Rego v0 that parses as Rego v0 and imports nothing Gatekeeper refuses.
// Every build already passed Gatekeeper's engine (which reads the legacy
// rego field as Rego v0), and each records the release it needs.
func TestGatekeeperTargets(t *testing.T) {
	for _, g := range target.All() {
		t.Run(g.String(), func(t *testing.T) {
			b, err := NewBuilder(nil, ".", Options{Now: testNow, Gatekeeper: g})
			if err != nil {
				t.Fatal(err)
			}
			out, err := b.BuildBuiltin(context.Background(), "pod-security-baseline")
			if err != nil {
				t.Fatal(err)
			}
			wantMin := target.Oldest
			if g.Has(target.RegoV1) {
				wantMin = target.RegoV1.Since
			}
			if out.Gatekeeper != wantMin.String() {
				t.Errorf("bundle needs Gatekeeper %s, want %s", out.Gatekeeper, wantMin)
			}
			for _, tm := range out.Templates {
				v1, rego, libs := regoOf(t, tm)
				if v1 != g.Has(target.RegoV1) {
					t.Fatalf("%s: Rego v1 %v for target %s", tm.Path, v1, g)
				}
				if v1 {
					continue
				}
				for i, src := range append([]any{rego}, libs...) {
					m, err := ast.ParseModuleWithOpts(tm.Path, src.(string), ast.ParserOptions{RegoVersion: ast.RegoV0})
					if err != nil {
						t.Fatalf("%s module %d does not parse as Rego v0: %v", tm.Path, i, err)
					}
					for _, imp := range m.Imports {
						p := imp.Path.String()
						if !strings.HasPrefix(p, "data.lib.") && !strings.HasPrefix(p, "future.keywords") {
							t.Errorf("%s imports %s, which Gatekeeper refuses", tm.Path, p)
						}
					}
				}
			}
		})
	}
}

// TestRegoV0GivesTheSameVerdicts evaluates the 3.17 (Rego v0) and 3.19
// (Rego v1) bundles of the baseline with Gatekeeper's engine on the same
// workloads: the translation must not change a single verdict.
func TestRegoV0GivesTheSameVerdicts(t *testing.T) {
	ctx := context.Background()
	var engines []*engine.Engine
	for _, g := range []target.Gatekeeper{{Minor: 17}, {Minor: 19}} {
		b, err := NewBuilder(nil, ".", Options{Now: testNow, Gatekeeper: g})
		if err != nil {
			t.Fatal(err)
		}
		out, err := b.BuildBuiltin(ctx, "pod-security-baseline")
		if err != nil {
			t.Fatal(err)
		}
		eng, err := engine.Load(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, eng)
	}
	pods := []string{
		`{apiVersion: v1, kind: Pod, metadata: {name: ok, namespace: app}, spec: {containers: [{name: c, image: nginx}]}}`,
		`{apiVersion: v1, kind: Pod, metadata: {name: priv, namespace: app}, spec: {containers: [{name: c, image: nginx, securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}}]}}`,
		`{apiVersion: v1, kind: Pod, metadata: {name: host, namespace: app}, spec: {hostNetwork: true, hostPID: true, volumes: [{name: v, hostPath: {path: /etc}}], containers: [{name: c, image: nginx, ports: [{containerPort: 80, hostPort: 80}]}]}}`,
		`{apiVersion: apps/v1, kind: Deployment, metadata: {name: d, namespace: app}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx, securityContext: {privileged: true}}]}}}}`,
	}
	total := 0
	for _, p := range pods {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(p), &obj); err != nil {
			t.Fatal(err)
		}
		var got [2][]engine.Violation
		for i, eng := range engines {
			v, err := eng.Review(ctx, &unstructured.Unstructured{Object: obj})
			if err != nil {
				t.Fatal(err)
			}
			got[i] = v
		}
		if !reflect.DeepEqual(got[0], got[1]) {
			t.Errorf("%s: Rego v0 verdicts %+v\nRego v1 verdicts %+v", p, got[0], got[1])
		}
		total += len(got[1])
	}
	if total < 5 {
		t.Fatalf("only %d violations over the bad workloads: the comparison proves nothing", total)
	}
}

// A builtin newer than the target's OPA is an error at the call, naming
// the builtin and the first release that has it; from that release on, the
// same policy builds and the bundle records that it needs it.
func TestTargetLacksBuiltin(t *testing.T) {
	since, ok := target.BuiltinSince("uri.parse")
	if !ok || !target.Oldest.Less(since) {
		t.Fatalf("uri.parse is in every supported release's OPA (since %v): pick a newer builtin for this test", since)
	}
	fsys := repo(map[string]string{
		"policies/demo-labels/policy.rego": `package demo.labels

violation contains {"msg": msg} if {
	u := uri.parse(input.review.object.metadata.annotations.url)
	u.scheme == "http"
	msg := "plain http"
}
`,
		"lib/demo.rego": "",
		"i.yaml":        initiative("  policies:\n    demo-labels: {}\n"),
	})
	_, err := buildFor(t, fsys, "i.yaml", target.Oldest)
	var ie *input.Error
	if err == nil {
		t.Fatal("a builtin the target lacks built")
	}
	msg := err.Error()
	for _, want := range []string{"policies/demo-labels/policy.rego:4:", "builtin uri.parse needs Gatekeeper " + since.String(), "the target is Gatekeeper " + target.Oldest.String()} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if !input.IsInputError(err) {
		t.Errorf("not an input error (exit 2): %T %v", err, ie)
	}
	out, err := buildFor(t, fsys, "i.yaml", target.Newest)
	if err != nil {
		t.Fatal(err)
	}
	if out.Gatekeeper != target.Max(since, target.RegoV1.Since).String() {
		t.Errorf("bundle records Gatekeeper %s, want %s", out.Gatekeeper, target.Max(since, target.RegoV1.Since))
	}
}

// spec.gatekeeper chooses the target, the nearest initiative of the chain
// wins, the build option overrides both, and a release outside the range
// is an error on the field.
func TestTargetChoice(t *testing.T) {
	child := func(g string) string {
		s := "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: child\nspec:\n  version: 1.0.0\n  extends: parent.yaml\n"
		if g != "" {
			s += "  gatekeeper: \"" + g + "\"\n"
		}
		return s
	}
	parent := initiative("  gatekeeper: \"3.18\"\n  policies:\n    demo-labels: {}\n")
	tests := []struct {
		name     string
		child    string
		override target.Gatekeeper
		wantV1   bool
		err      string
	}{
		{"parent's target", child(""), target.Gatekeeper{}, false, ""},
		{"child's target", child("3.21"), target.Gatekeeper{}, true, ""},
		{"option overrides", child("3.21"), target.Gatekeeper{Minor: 17}, false, ""},
		{"unsupported release", child("3.16"), target.Gatekeeper{}, false, "spec.gatekeeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := repo(map[string]string{"parent.yaml": parent, "child.yaml": tt.child})
			out, err := buildFor(t, fsys, "child.yaml", tt.override)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "child.yaml:8") {
					t.Fatalf("error %v, want one at child.yaml:8 naming %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v1, _, _ := regoOf(t, out.Templates[0]); v1 != tt.wantV1 {
				t.Errorf("Rego v1 %v, want %v", v1, tt.wantV1)
			}
		})
	}
}

// A builtin edict's own OPA has but no supported Gatekeeper's OPA does is
// refused for every target: it would build green and fail in every cluster.
func TestBuiltinNoTargetHas(t *testing.T) {
	newest, err := target.Newest.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	var name string
	for _, b := range engine.Capabilities().Builtins {
		if !newest[b.Name] && strings.Count(b.Name, ".") == 1 && !strings.HasPrefix(b.Name, "internal.") {
			name = b.Name
			break
		}
	}
	if name == "" {
		t.Fatal("every builtin edict's OPA has is in the newest target's OPA: nothing to test this with")
	}
	fsys := repo(map[string]string{
		"policies/demo-labels/policy.rego": "package demo.labels\n\nviolation contains {\"msg\": msg} if {\n\tx := " + name + "(input.review.object.metadata.name, \"-\", 2)\n\tcount(x) > 5\n\tmsg := \"never\"\n}\n",
		"lib/demo.rego":                    "",
		"i.yaml":                           initiative("  policies:\n    demo-labels: {}\n"),
	})
	_, err = buildFor(t, fsys, "i.yaml", target.Newest)
	if err == nil || !strings.Contains(err.Error(), "policies/demo-labels/policy.rego:4:") || !strings.Contains(err.Error(), "builtin "+name+" is in no supported Gatekeeper release") {
		t.Errorf("%s: %v", name, err)
	}
}
