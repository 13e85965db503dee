package compile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Labels and annotations edict puts on what it renders.
const (
	labelManagedBy   = "app.kubernetes.io/managed-by"
	labelInitiative  = "edict.dev/initiative"
	labelPolicy      = "edict.dev/policy"
	labelRef         = "edict.dev/reference"
	annotSyncWave    = "argocd.argoproj.io/sync-wave"
	annotSyncOptions = "argocd.argoproj.io/sync-options"
	gatekeeperTarget = "admission.k8s.gatekeeper.sh"
	maxNameLength    = 63
)

// TemplateObject returns the ConstraintTemplate of a compiled policy as a
// plain object (the shape sigs.k8s.io/yaml marshals with sorted keys).
func TemplateObject(cp *CompiledPolicy) map[string]any {
	p := cp.Policy
	annotations := map[string]any{
		annotSyncWave:                    "-1",
		"metadata.gatekeeper.sh/title":   p.Spec.Title,
		"metadata.gatekeeper.sh/version": p.Spec.Version,
	}
	if p.Spec.Description != "" {
		annotations["description"] = strings.TrimSpace(p.Spec.Description)
	}
	if len(p.Spec.Controls) > 0 {
		annotations["edict.dev/controls"] = strings.Join(p.Spec.Controls, ", ")
	}
	source := map[string]any{"version": "v1", "rego": p.Rego}
	if len(cp.Libs) > 0 {
		libs := make([]any, len(cp.Libs))
		for i, l := range cp.Libs {
			libs[i] = l.Source
		}
		source["libs"] = libs
	}
	return map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1",
		"kind":       "ConstraintTemplate",
		"metadata": map[string]any{
			"name":        p.TemplateName(),
			"labels":      map[string]any{labelManagedBy: "edict", labelPolicy: p.Metadata.Name},
			"annotations": annotations,
		},
		"spec": map[string]any{
			"crd": map[string]any{"spec": map[string]any{
				"names":      map[string]any{"kind": p.Spec.ConstraintKind},
				"validation": map[string]any{"openAPIV3Schema": templateSchema(p)},
			}},
			"targets": []any{map[string]any{
				"target": gatekeeperTarget,
				"code":   []any{map[string]any{"engine": "Rego", "source": source}},
			}},
		},
	}
}

// RenderTemplate renders a compiled policy's ConstraintTemplate as YAML.
func RenderTemplate(cp *CompiledPolicy) ([]byte, error) {
	return yaml.Marshal(TemplateObject(cp))
}

// ConstraintName is <initiative>-<ref>, shortened with a stable hash suffix
// when longer than Kubernetes allows.
func ConstraintName(initiative, ref string) string {
	name := initiative + "-" + ref
	if len(name) <= maxNameLength {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := hex.EncodeToString(sum[:])[:8]
	head := strings.TrimRight(name[:maxNameLength-len(suffix)-1], "-")
	return head + "-" + suffix
}

// ConstraintObject returns the Constraint of a resolved reference, or nil
// when the reference is disabled.
func ConstraintObject(initiative string, r *Resolved) map[string]any {
	action := r.EnforcementAction()
	if action == "" {
		return nil
	}
	spec := map[string]any{"enforcementAction": action}
	if m := matchObject(r.Match); len(m) > 0 {
		spec["match"] = m
	}
	if len(r.Parameters) > 0 {
		spec["parameters"] = deepCopy(r.Parameters)
	}
	meta := map[string]any{
		"name": ConstraintName(initiative, r.Ref),
		"labels": map[string]any{
			labelManagedBy:  "edict",
			labelInitiative: initiative,
			labelPolicy:     r.Policy.Metadata.Name,
			labelRef:        r.Ref,
		},
		"annotations": map[string]any{annotSyncOptions: "SkipDryRunOnMissingResource=true"},
	}
	if len(r.Exemptions) > 0 {
		var notes []string
		for _, ex := range r.Exemptions {
			notes = append(notes, fmt.Sprintf("%s until %s (owner %s): %s", strings.Join(ex.Namespaces, ","), ex.Expires, ex.Owner, ex.Reason))
		}
		meta["annotations"].(map[string]any)["edict.dev/exemptions"] = strings.Join(notes, "; ")
	}
	return map[string]any{
		"apiVersion": "constraints.gatekeeper.sh/v1beta1",
		"kind":       r.Policy.Spec.ConstraintKind,
		"metadata":   meta,
		"spec":       spec,
	}
}

func matchObject(m Match) map[string]any {
	out := map[string]any{}
	if len(m.Kinds) > 0 {
		kinds := make([]any, len(m.Kinds))
		for i, k := range m.Kinds {
			entry := map[string]any{}
			entry["apiGroups"] = toAnyList(orEmpty(k.APIGroups))
			if len(k.Kinds) > 0 {
				entry["kinds"] = toAnyList(k.Kinds)
			}
			kinds[i] = entry
		}
		out["kinds"] = kinds
	}
	if m.Scope != "" {
		out["scope"] = m.Scope
	}
	if len(m.Namespaces) > 0 {
		out["namespaces"] = toAnyList(m.Namespaces)
	}
	if len(m.ExcludedNamespaces) > 0 {
		out["excludedNamespaces"] = toAnyList(m.ExcludedNamespaces)
	}
	if m.LabelSelector != nil {
		out["labelSelector"] = deepCopy(m.LabelSelector)
	}
	if m.NamespaceSelector != nil {
		out["namespaceSelector"] = deepCopy(m.NamespaceSelector)
	}
	if m.Name != "" {
		out["name"] = m.Name
	}
	if m.Source != "" {
		out["source"] = m.Source
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{""}
	}
	return s
}

// expansionTemplates make Gatekeeper review the Pod inside every workload
// resource, so a Deployment that would create violating Pods is reported at
// the Deployment rather than later at its ReplicaSet's Pods.
func expansionTemplates() map[string]map[string]any {
	make1 := func(name, source string, applyTo []any) map[string]any {
		return map[string]any{
			"apiVersion": "expansion.gatekeeper.sh/v1alpha1",
			"kind":       "ExpansionTemplate",
			"metadata": map[string]any{
				"name":        name,
				"labels":      map[string]any{labelManagedBy: "edict"},
				"annotations": map[string]any{annotSyncWave: "-1"},
			},
			"spec": map[string]any{
				"applyTo":        applyTo,
				"templateSource": source,
				"generatedGVK":   map[string]any{"group": "", "version": "v1", "kind": "Pod"},
			},
		}
	}
	return map[string]map[string]any{
		"edict-expand-workloads": make1("edict-expand-workloads", "spec.template", []any{
			map[string]any{"groups": []any{"apps"}, "versions": []any{"v1"}, "kinds": []any{"DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"}},
			map[string]any{"groups": []any{""}, "versions": []any{"v1"}, "kinds": []any{"ReplicationController"}},
			map[string]any{"groups": []any{"batch"}, "versions": []any{"v1"}, "kinds": []any{"Job"}},
		}),
		"edict-expand-cronjobs": make1("edict-expand-cronjobs", "spec.jobTemplate.spec.template", []any{
			map[string]any{"groups": []any{"batch"}, "versions": []any{"v1"}, "kinds": []any{"CronJob"}},
		}),
	}
}

func matchesPods(m Match) bool {
	if len(m.Kinds) == 0 {
		return true
	}
	for _, k := range m.Kinds {
		groupOK := len(k.APIGroups) == 0
		for _, g := range k.APIGroups {
			if g == "" || g == "*" {
				groupOK = true
			}
		}
		for _, kind := range k.Kinds {
			if groupOK && (kind == "Pod" || kind == "*") {
				return true
			}
		}
	}
	return false
}

func kustomization(resources []string) map[string]any {
	sort.Strings(resources)
	return map[string]any{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"resources":  toAnyList(append([]string{}, resources...)),
	}
}
