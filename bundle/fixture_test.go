package bundle

import (
	"github.com/edict-policy/edict/rendered"
)

// fixtureOutput is a small rendered bundle in the shape the compiler produces.
func fixtureOutput() *rendered.Bundle {
	files := map[string][]byte{
		"kustomization.yaml":           []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- templates\n- constraints\n"),
		"templates/kustomization.yaml": []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- k8sedictprivileged.yaml\n"),
		"templates/k8sedictprivileged.yaml": []byte(`apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sedictprivileged
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
spec:
  crd:
    spec:
      names:
        kind: K8sEdictPrivileged
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        version: v1
        rego: |
          package k8sedictprivileged
          violation contains {"msg": "privileged"} if {
            input.review.object.spec.containers[_].securityContext.privileged
          }
`),
		"constraints/kustomization.yaml": []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- k8sedictprivileged.privileged.yaml\n"),
		"constraints/k8sedictprivileged.privileged.yaml": []byte(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sEdictPrivileged
metadata:
  name: contoso-prod-privileged
  annotations:
    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true
  labels:
    app.kubernetes.io/managed-by: edict
    edict.dev/initiative: contoso-prod
spec:
  enforcementAction: deny
  match:
    kinds:
    - apiGroups: [""]
      kinds: [Pod]
`),
	}
	m := func(p string) *rendered.Manifest { return &rendered.Manifest{Path: p, Data: files[p]} }
	return &rendered.Bundle{
		Name:        "contoso-prod",
		Version:     "2.3.0",
		Description: "Contoso production baseline",
		Templates: []*rendered.Template{
			{Manifest: m("templates/k8sedictprivileged.yaml"), Policy: "privileged-containers", ConstraintKind: "K8sEdictPrivileged"},
		},
		Constraints: []*rendered.Constraint{
			{Manifest: m("constraints/k8sedictprivileged.privileged.yaml"), Ref: "privileged", Policy: "privileged-containers"},
		},
		Kustomizations: []*rendered.Manifest{m("kustomization.yaml"), m("templates/kustomization.yaml"), m("constraints/kustomization.yaml")},
		Inputs: []rendered.Input{
			{Path: "initiatives/contoso-prod.yaml", SHA256: "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"},
		},
		Policies: []rendered.Reference{{
			Ref: "privileged", Policy: "privileged-containers", PolicyVersion: "1.0.0",
			Template: "k8sedictprivileged", Effect: "deny", EnforcementAction: "deny",
			Constraint: "contoso-prod-privileged",
			Match:      map[string]any{"excludedNamespaces": []any{"kube-system"}},
			Parameters: map[string]any{"exemptImages": []any{}, "b": 1, "a": "x"},
		}},
	}
}

// setFile sets the bytes of the fixture file at p, adding it when new.
func setFile(b *rendered.Bundle, p string, data []byte) {
	for _, m := range b.Files() {
		if m.Path == p {
			m.Data = data
			return
		}
	}
	b.Kustomizations = append(b.Kustomizations, &rendered.Manifest{Path: p, Data: data})
}
