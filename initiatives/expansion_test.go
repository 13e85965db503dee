package initiatives_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// podTemplate is a Pod template that violates restricted in four ways and
// baseline in none: root, escalation allowed, no dropped capabilities, no
// seccomp profile.
func podTemplate() map[string]any {
	return map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app": "x"}},
		"spec": map[string]any{
			"containers": []any{map[string]any{"name": "app", "image": "ghcr.io/example/app:1.0.0"}},
		},
	}
}

func obj(apiVersion, kind string, spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata":   map[string]any{"name": "x", "namespace": "apps"},
		"spec":       spec,
	}}
}

// TestExpansionReportsWorkloads proves, through Gatekeeper's own engine, that
// the ExpansionTemplates the compiler renders make a workload that would
// create violating Pods be reported at the workload itself, for every
// workload kind, and that the Pod-only constraints alone would not see it.
func TestExpansionReportsWorkloads(t *testing.T) {
	out := build(t, "pod-security-restricted")
	for _, f := range []string{"templates/expansion.edict-expand-workloads.yaml", "templates/expansion.edict-expand-cronjobs.yaml"} {
		if _, ok := out.FileMap()[f]; !ok {
			t.Fatalf("bundle has no %s", f)
		}
	}
	expanded := loadEngine(t, out, true)
	podOnly := loadEngine(t, out, false)
	want := []string{"privilege-escalation", "restricted-capabilities", "run-as-non-root", "seccomp"}
	selector := map[string]any{"matchLabels": map[string]any{"app": "x"}}
	cases := []struct {
		name, template string
		obj            *unstructured.Unstructured
	}{
		{"Deployment", "edict-expand-workloads", obj("apps/v1", "Deployment", map[string]any{"selector": selector, "template": podTemplate()})},
		{"StatefulSet", "edict-expand-workloads", obj("apps/v1", "StatefulSet", map[string]any{"selector": selector, "serviceName": "x", "template": podTemplate()})},
		{"DaemonSet", "edict-expand-workloads", obj("apps/v1", "DaemonSet", map[string]any{"selector": selector, "template": podTemplate()})},
		{"ReplicaSet", "edict-expand-workloads", obj("apps/v1", "ReplicaSet", map[string]any{"selector": selector, "template": podTemplate()})},
		{"ReplicationController", "edict-expand-workloads", obj("v1", "ReplicationController", map[string]any{"selector": map[string]any{"app": "x"}, "template": podTemplate()})},
		{"Job", "edict-expand-workloads", obj("batch/v1", "Job", map[string]any{"template": podTemplate()})},
		{"CronJob", "edict-expand-cronjobs", obj("batch/v1", "CronJob", map[string]any{"schedule": "0 * * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": podTemplate()}}})},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs, err := expanded.Review(ctx, c.obj)
			if err != nil {
				t.Fatal(err)
			}
			if got := refsOf(out, vs); !slices.Equal(got, want) {
				t.Errorf("%s reported by %v, want %v", c.name, got, want)
			}
			for _, v := range vs {
				if !strings.HasPrefix(v.Msg, "[Implied by "+c.template+"]") {
					t.Errorf("message %q does not say it comes from expansion template %s", v.Msg, c.template)
				}
				if !strings.Contains(v.Msg, `container "app"`) {
					t.Errorf("message %q does not name the container", v.Msg)
				}
			}
			// Without expansion the same object passes: the constraints match
			// Pods, so only expansion puts the workload under review.
			vs, err = podOnly.Review(ctx, c.obj)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 0 {
				t.Errorf("without expansion %s reported by %v; the test no longer proves expansion", c.name, refsOf(out, vs))
			}
		})
	}
}

// TestExpansionKeepsNamespace checks that Pods generated from a workload are
// matched in the workload's namespace: an excluded namespace stays excluded.
func TestExpansionKeepsNamespace(t *testing.T) {
	out := build(t, "pod-security-restricted")
	eng := loadEngine(t, out, true)
	ctx := context.Background()
	for _, c := range []struct {
		namespace string
		violating bool
	}{
		{"apps", true},
		{"kube-system", false},
		{"gatekeeper-system", false},
	} {
		d := workload(t, "cleanup-cronjob.yaml")
		d.SetNamespace(c.namespace)
		vs, err := eng.Review(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(vs) > 0; got != c.violating {
			t.Errorf("CronJob in %s: violations %v, want violating=%v", c.namespace, refsOf(out, vs), c.violating)
		}
	}
}

// TestExpansionPassesCompliantWorkloads guards against expansion reporting
// what the Pod itself would not: the hardened web Deployment is clean.
func TestExpansionPassesCompliantWorkloads(t *testing.T) {
	out := build(t, "pod-security-restricted")
	eng := loadEngine(t, out, true)
	vs, err := eng.Review(context.Background(), workload(t, "web-deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		for _, v := range vs {
			t.Log(v.Msg)
		}
		t.Fatalf("web Deployment reported by %v", refsOf(out, vs))
	}
}
