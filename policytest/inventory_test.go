package policytest

import (
	"fmt"
	"testing"
	"testing/fstest"
)

// TestInventoryIsolation: a case with inventory followed, on the same
// template, by one without. The second must see no synced data at all, as
// with gator's fresh client per case: not even the emptied collection the
// first case's objects leave behind when removed. The verdict must not
// depend on how many tests run at once.
func TestInventoryIsolation(t *testing.T) {
	template := `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: testnamespacessynced
spec:
  crd:
    spec:
      names:
        kind: TestNamespacesSynced
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package testnamespacessynced

              violation contains {"msg": "namespaces are not synced"} if {
                not data.inventory.cluster.v1.Namespace
              }
`
	constraint := "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: TestNamespacesSynced\nmetadata:\n  name: synced\n"
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  containers: [{name: c, image: nginx}]\n"
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n"
	suite := `apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
metadata:
  name: isolation
tests:
  - name: synced
    template: template.yaml
    constraint: constraint.yaml
    cases:
      - name: with-inventory
        object: pod.yaml
        inventory: [ns.yaml]
        assertions: [{violations: no}]
      - name: without-inventory
        object: pod.yaml
        assertions: [{violations: 1}]
  - name: later-test-same-template
    template: template.yaml
    constraint: constraint.yaml
    cases:
      - name: without-inventory
        object: pod.yaml
        assertions: [{violations: 1}]
`
	fsys := fstest.MapFS{
		"t/template.yaml":   {Data: []byte(template)},
		"t/constraint.yaml": {Data: []byte(constraint)},
		"t/pod.yaml":        {Data: []byte(pod)},
		"t/ns.yaml":         {Data: []byte(ns)},
		"t/suite.yaml":      {Data: []byte(suite)},
	}
	for _, parallel := range []int{1, 4} {
		t.Run(fmt.Sprintf("parallel=%d", parallel), func(t *testing.T) {
			rep := run(t, fsys, nil, Options{Parallel: parallel})
			if rep.Passed != 3 || rep.Failed+rep.Errors != 0 {
				t.Errorf("want 3 passing cases:\n%s", verdicts(rep))
			}
		})
	}
}
