package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const labelsTemplate = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredlabels
spec:
  crd:
    spec:
      names:
        kind: K8sRequiredLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels:
              type: array
              items: {type: string}
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        version: "v1"
        rego: |
          package k8srequiredlabels
          import data.lib.labels.missing
          violation contains {"msg": msg, "details": {"missing": m}} if {
            m := missing(input.review.object, input.parameters.labels)
            count(m) > 0
            msg := sprintf("missing labels: %v", [sort(m)])
          }
        libs:
        - |
          package lib.labels
          missing(obj, want) := {l | some l in want; not obj.metadata.labels[l]}
`

const labelsConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: need-owner
spec:
  enforcementAction: warn
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
    excludedNamespaces: [kube-system]
  parameters:
    labels: [owner]
`

// operationTemplate reads the admission request, which only an
// AdmissionReview object supplies.
const operationTemplate = `
apiVersion: templates.gatekeeper.sh/v1beta1
kind: ConstraintTemplate
metadata:
  name: k8snodelete
spec:
  crd:
    spec:
      names:
        kind: K8sNoDelete
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8snodelete
      violation[{"msg": msg}] {
        input.review.operation == "DELETE"
        msg := sprintf("%v may not delete %v", [input.review.userInfo.username, input.review.oldObject.metadata.name])
      }
`

const noDeleteConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNoDelete
metadata:
  name: no-delete
`

// inventoryTemplate reads data.inventory.
const inventoryTemplate = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8suniquename
spec:
  crd:
    spec:
      names:
        kind: K8sUniqueName
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        version: "v1"
        rego: |
          package k8suniquename
          violation contains {"msg": msg} if {
            some ns, other
            o := data.inventory.namespace[ns]["v1"]["Service"][other]
            o.metadata.name == input.review.object.metadata.name
            ns != input.review.object.metadata.namespace
            msg := sprintf("name %v already used in %v", [other, ns])
          }
`

const uniqueConstraint = `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sUniqueName
metadata:
  name: unique
`

func obj(t testing.TB, s string) *unstructured.Unstructured {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	return &unstructured.Unstructured{Object: m}
}

func newEngine(t testing.TB, docs ...string) *Engine {
	t.Helper()
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, d := range docs {
		o := obj(t, d)
		if o.GetKind() == "ConstraintTemplate" {
			err = e.AddTemplate(ctx, o)
		} else {
			err = e.AddConstraint(ctx, o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func pod(ns string, labels string) string {
	return `
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ` + ns + `
  labels: ` + labels + `
spec:
  containers: [{name: c, image: nginx}]
`
}

func TestReview(t *testing.T) {
	e := newEngine(t, labelsTemplate, labelsConstraint)
	tests := []struct {
		name string
		obj  string
		want []string
	}{
		{"missing label", pod("default", "{}"), []string{`missing labels: ["owner"]`}},
		{"label present", pod("default", "{owner: me}"), nil},
		{"excluded namespace", pod("kube-system", "{}"), nil},
		{"kind not matched", `{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: default}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Review(context.Background(), obj(t, tt.obj))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d violations %+v, want %v", len(got), got, tt.want)
			}
			for i, v := range got {
				if v.Msg != tt.want[i] || v.Constraint != "need-owner" || v.Kind != "K8sRequiredLabels" || v.EnforcementAction != "warn" {
					t.Errorf("violation %d = %+v, want msg %q from need-owner (warn)", i, v, tt.want[i])
				}
				if d, ok := v.Details.(map[string]any); !ok || d["missing"] == nil {
					t.Errorf("details = %#v, want missing labels", v.Details)
				}
			}
		})
	}
}

func TestRemoveConstraint(t *testing.T) {
	e := newEngine(t, labelsTemplate, labelsConstraint)
	ctx := context.Background()
	if err := e.RemoveConstraint(ctx, obj(t, labelsConstraint)); err != nil {
		t.Fatal(err)
	}
	got, err := e.Review(ctx, obj(t, pod("default", "{}")))
	if err != nil || len(got) != 0 {
		t.Fatalf("after removal got %v, %v; want no violations", got, err)
	}
}

func TestRejections(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		docs    []string
		wantIs  error
		wantMsg string
	}{
		{"parameters of the wrong type", []string{labelsTemplate, strings.Replace(labelsConstraint, "labels: [owner]", "labels: owner", 1)}, ErrSchema, "must be of type array"},
		{"template without violation rule", []string{strings.Replace(labelsTemplate, "violation contains", "deny contains", 1)}, ErrTemplate, "missing required rules"},
		{"disallowed data reference", []string{strings.Replace(labelsTemplate, "count(m) > 0", "count(m) > data.foo", 1)}, ErrTemplate, "data.foo"},
		{"http.send disabled", []string{strings.Replace(labelsTemplate, "count(m) > 0", `http.send({"method": "get", "url": "http://x"})`, 1)}, ErrTemplate, "http.send"},
		{"DNS lookup disabled", []string{strings.Replace(labelsTemplate, "count(m) > 0", `net.lookup_ip_addr("edict-test.invalid")`, 1)}, ErrTemplate, "net.lookup_ip_addr"},
		{"opa.runtime disabled", []string{strings.Replace(labelsTemplate, "count(m) > 0", `opa.runtime().env`, 1)}, ErrTemplate, "opa.runtime"},
		{"trace disabled", []string{strings.Replace(labelsTemplate, "count(m) > 0", `trace("x")`, 1)}, ErrTemplate, "trace"},
		{"template name not lowercase kind", []string{strings.Replace(labelsTemplate, "name: k8srequiredlabels", "name: wrong", 1)}, ErrTemplate, "lowercase"},
		{"not a template", []string{strings.Replace(labelsTemplate, "kind: ConstraintTemplate", "kind: ConfigMap", 1)}, ErrNotTemplate, "ConfigMap"},
		{"constraint without template", []string{labelsConstraint}, ErrConstraint, "K8sRequiredLabels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range tt.docs {
				o := obj(t, d)
				if strings.Contains(d, "templates.gatekeeper.sh") {
					err = e.AddTemplate(ctx, o)
				} else {
					err = e.AddConstraint(ctx, o)
				}
				if err != nil {
					break
				}
			}
			if !errors.Is(err, tt.wantIs) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.wantIs, tt.wantMsg)
			}
		})
	}
}

func TestAdmissionReview(t *testing.T) {
	e := newEngine(t, operationTemplate, noDeleteConstraint)
	ctx := context.Background()
	review := `
apiVersion: admission.k8s.io/v1
kind: AdmissionReview
request:
  uid: "1"
  kind: {group: "", version: v1, kind: Pod}
  resource: {group: "", version: v1, resource: pods}
  name: p
  namespace: default
  operation: %s
  userInfo: {username: alice}
  oldObject: {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: default}}
`
	got, err := e.Review(ctx, obj(t, strings.Replace(review, "%s", "DELETE", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Msg != "alice may not delete p" || got[0].EnforcementAction != "deny" {
		t.Fatalf("DELETE review = %+v, want one deny violation naming alice", got)
	}
	got, err = e.Review(ctx, obj(t, strings.Replace(review, "%s", "UPDATE", 1)))
	if err != nil || len(got) != 0 {
		t.Fatalf("UPDATE review = %+v, %v; want none", got, err)
	}
	// A plain object carries no operation.
	got, err = e.Review(ctx, obj(t, pod("default", "{}")))
	if err != nil || len(got) != 0 {
		t.Fatalf("plain object review = %+v, %v; want none", got, err)
	}
	_, err = e.Review(ctx, obj(t, `{apiVersion: admission.k8s.io/v1, kind: AdmissionReview, request: {uid: "1", operation: CREATE}}`))
	if !errors.Is(err, ErrAdmissionReview) {
		t.Fatalf("review without object: err = %v, want ErrAdmissionReview", err)
	}
	_, err = e.Review(ctx, obj(t, `{apiVersion: admission.k8s.io/v1, kind: AdmissionReview, bogus: 1, request: {uid: "1"}}`))
	if !errors.Is(err, ErrAdmissionReview) {
		t.Fatalf("review with unknown field: err = %v, want ErrAdmissionReview", err)
	}
}

func TestInventory(t *testing.T) {
	e := newEngine(t, inventoryTemplate, uniqueConstraint)
	ctx := context.Background()
	svc := func(ns string) *unstructured.Unstructured {
		return obj(t, `{apiVersion: v1, kind: Service, metadata: {name: web, namespace: `+ns+`}}`)
	}
	if err := e.AddData(ctx, svc("other")); err != nil {
		t.Fatal(err)
	}
	got, err := e.Review(ctx, svc("mine"))
	if err != nil || len(got) != 1 || got[0].Msg != "name web already used in other" {
		t.Fatalf("with inventory: %+v, %v; want one violation", got, err)
	}
	if err := e.RemoveData(ctx, svc("other")); err != nil {
		t.Fatal(err)
	}
	got, err = e.Review(ctx, svc("mine"))
	if err != nil || len(got) != 0 {
		t.Fatalf("after RemoveData: %+v, %v; want none", got, err)
	}
}

func TestExpansion(t *testing.T) {
	e := newEngine(t, labelsTemplate, labelsConstraint)
	ctx := context.Background()
	deploy := obj(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: nginx}]
`)
	got, err := e.Review(ctx, deploy)
	if err != nil || len(got) != 0 {
		t.Fatalf("without expansion: %+v, %v; want none (the constraint matches Pods only)", got, err)
	}
	err = e.SetExpansion([]*unstructured.Unstructured{obj(t, `
apiVersion: expansion.gatekeeper.sh/v1alpha1
kind: ExpansionTemplate
metadata: {name: expand-deployments}
spec:
  applyTo: [{groups: [apps], kinds: [Deployment], versions: [v1]}]
  templateSource: spec.template
  generatedGVK: {kind: Pod, group: "", version: v1}
  enforcementAction: dryrun
`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err = e.Review(ctx, deploy)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0].Msg, "[Implied by expand-deployments] missing labels") || got[0].EnforcementAction != "dryrun" {
		t.Fatalf("with expansion: %+v; want one dryrun violation implied by the template", got)
	}
	if err := e.SetExpansion(nil); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.Review(ctx, deploy); len(got) != 0 {
		t.Fatalf("after clearing expansion: %+v; want none", got)
	}
	if err := e.SetExpansion([]*unstructured.Unstructured{obj(t, labelsConstraint)}); !errors.Is(err, ErrExpansion) {
		t.Fatalf("non-expansion object: err = %v, want ErrExpansion", err)
	}
}

func TestCELPreferredWhenEnabled(t *testing.T) {
	tmpl := strings.Replace(labelsTemplate, "    code:\n", `    code:
    - engine: K8sNativeValidation
      source:
        validations:
        - expression: "has(object.metadata.labels) && 'owner' in object.metadata.labels"
          message: "cel: owner label missing"
`, 1)
	ctx := context.Background()
	for _, cel := range []bool{true, false} {
		e, err := New(WithCEL(cel))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.AddTemplate(ctx, obj(t, tmpl)); err != nil {
			t.Fatal(err)
		}
		if err := e.AddConstraint(ctx, obj(t, labelsConstraint)); err != nil {
			t.Fatal(err)
		}
		got, err := e.Review(ctx, obj(t, pod("default", "{}")))
		if err != nil || len(got) != 1 {
			t.Fatalf("cel=%v: %+v, %v; want one violation", cel, got, err)
		}
		if isCEL := strings.HasPrefix(got[0].Msg, "cel:"); isCEL != cel {
			t.Errorf("cel=%v: message %q came from the wrong engine", cel, got[0].Msg)
		}
	}
}

func BenchmarkAddTemplate(b *testing.B) {
	ctx := context.Background()
	tmpl := obj(b, labelsTemplate)
	for b.Loop() {
		e, err := New()
		if err != nil {
			b.Fatal(err)
		}
		if err := e.AddTemplate(ctx, tmpl); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReview(b *testing.B) {
	e := newEngine(b, labelsTemplate, labelsConstraint)
	ctx := context.Background()
	p := obj(b, pod("default", "{}"))
	for b.Loop() {
		if _, err := e.Review(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
