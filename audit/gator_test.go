package audit

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	gatortest "github.com/open-policy-agent/gatekeeper/v3/pkg/gator/test"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

// workloadInputs is the varied workload set: the built-in initiatives'
// realistic workloads (Deployments, DaemonSets, Jobs, CronJobs), a
// kubectl List snapshot with labelled Namespaces, Pods in exempted,
// excluded, unknown and default namespaces, and every workload controller.
var workloadInputs = []string{"../initiatives/testdata/workloads", "testdata/workloads"}

// resolveAll builds every bundle the equivalence test audits: the four
// built-in initiatives and a team initiative with a namespaceSelector,
// effects and an exemption.
func resolveAll(t testing.TB) map[string][]*source.Bundle {
	t.Helper()
	ctx := context.Background()
	out := map[string][]*source.Bundle{}
	for _, name := range compile.BuiltinInitiatives() {
		b, err := source.Resolve(ctx, name, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	b, err := source.Resolve(ctx, "testdata/repo/initiatives/selective.yaml", source.Options{Root: "testdata/repo"})
	if err != nil {
		t.Fatal(err)
	}
	out["selective"] = b
	return out
}

func readObjects(t testing.TB, inputs []string) []*unstructured.Unstructured {
	t.Helper()
	in, err := resources.Open(inputs, nil, resources.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var objs []*unstructured.Unstructured
	err = in.Walk(context.Background(), func(d resources.Document) bool {
		for _, it := range resources.Decode(d) {
			if it.Err != nil {
				t.Fatalf("%v", it.Err)
			}
			if it.Object != nil && it.Skip == "" {
				objs = append(objs, it.Object)
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func bundleObjects(t testing.TB, bundles []*source.Bundle) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, b := range bundles {
		for _, m := range b.Output.Files() {
			if m.Kind() == "Kustomization" {
				continue
			}
			objs = append(objs, engine.Object(m))
		}
	}
	return objs
}

func resultKey(kind, ns, name, constraint, action, msg string) string {
	return fmt.Sprintf("%s %s/%s | %s | %s | %s", kind, ns, name, constraint, action, msg)
}

// TestMatchesGator compares edict audit with gator's own test package,
// result for result: the same (object, constraint, action, message) multiset.
func TestMatchesGator(t *testing.T) {
	ctx := context.Background()
	workloads := readObjects(t, workloadInputs)
	for name, bundles := range resolveAll(t) {
		t.Run(name, func(t *testing.T) {
			all := append(bundleObjects(t, bundles), workloads...)
			resp, err := gatortest.Test(all, gatortest.WithK8sCEL(false))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range resp.Results() {
				o := r.ViolatingObject
				want = append(want, resultKey(o.GetKind(), o.GetNamespace(), o.GetName(), r.Constraint.GetName(), r.EnforcementAction, r.Msg))
			}

			p, err := Load(ctx, bundles)
			if err != nil {
				t.Fatal(err)
			}
			in, err := resources.Open(workloadInputs, nil, resources.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var got []string
			expanded, autorejected := 0, 0
			err = Run(ctx, p, in, Options{Workers: 3}, func(e *Entry) error {
				if e.Err != nil || e.Skip != "" {
					t.Errorf("%s", e)
				}
				for _, r := range e.Results {
					got = append(got, resultKey(r.Object.Kind, r.Object.Namespace, r.Object.Name, r.Constraint, r.EnforcementAction, r.Message))
					if strings.HasPrefix(r.Message, "[Implied by") {
						expanded++
					}
					if strings.Contains(r.Message, "unable to match") {
						autorejected++
					}
					if r.Reference.Reference == "" && !strings.Contains(r.Message, "unable to match") {
						t.Errorf("result without its reference: %+v", r)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("edict and gator disagree\nedict only:\n  %s\ngator only:\n  %s", strings.Join(minus(got, want), "\n  "), strings.Join(minus(want, got), "\n  "))
			}
			if len(got) < 10 || expanded == 0 {
				t.Errorf("weak workload set: %d results, %d through expansion", len(got), expanded)
			}
			if name == "selective" && autorejected == 0 {
				t.Error("the Pod in an unknown namespace was not rejected by the namespaceSelector")
			}
			t.Logf("%d results agree (%d through expansion)", len(got), expanded)
		})
	}
}

func minus(a, b []string) []string {
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	var out []string
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}
