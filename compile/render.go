package compile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/target"
	"github.com/edict-policy/edict/version"
)

// Labels and annotations edict puts on what it renders.
const (
	labelManagedBy   = rendered.LabelManagedBy
	labelInitiative  = rendered.LabelInitiative
	labelPolicy      = rendered.LabelPolicy
	labelRef         = rendered.LabelReference
	annotSyncWave    = "argocd.argoproj.io/sync-wave"
	annotSyncOptions = "argocd.argoproj.io/sync-options"
	gatekeeperTarget = "admission.k8s.gatekeeper.sh"
	maxNameLength    = 63
)

// render turns a resolved plan into the bundle: one constraint per enabled
// reference, the templates of the policies they use, the ExpansionTemplates
// when a constraint reviews Pods, the kustomizations, and the index entries.
func (b *Builder) render(plan *Plan) (*rendered.Bundle, error) {
	in := plan.Initiative
	name := in.Metadata.Name
	out := &rendered.Bundle{
		Name:        name,
		Version:     in.Spec.Version,
		Description: firstNonEmpty(in.Spec.Description, in.Spec.Title),
		Warnings:    plan.Warnings,
	}
	var errs input.ErrorList
	usedPolicies := map[string]bool{}
	constraintOwner := map[string]string{}
	needsExpansion := false
	for _, r := range plan.Refs {
		entry := rendered.Reference{
			Ref:           r.Ref,
			Policy:        r.Policy.Metadata.Name,
			PolicyVersion: r.Policy.Spec.Version,
			Template:      r.Policy.TemplateName(),
			Effect:        r.Effect,
			Match:         matchObject(r.Match),
			Parameters:    deepCopy(r.Parameters),
		}
		if len(entry.Parameters) == 0 {
			entry.Parameters = nil
		}
		if len(entry.Match) == 0 {
			entry.Match = nil
		}
		if obj := ConstraintObject(name, r); obj != nil {
			cname := ConstraintName(name, r.Ref)
			entry.Constraint = cname
			entry.EnforcementAction = r.EnforcementAction()
			if entry.EnforcementAction == "scoped" {
				entry.Enforcement = map[string]rendered.Effect{}
				for p := range r.ScopedActions() {
					entry.Enforcement[p] = r.PointEffect(p)
				}
			}
			key := r.Policy.Spec.ConstraintKind + "/" + cname
			if prev, dup := constraintOwner[key]; dup {
				errs = append(errs, in.doc.KeyErrorAt([]string{"spec", "policies", r.Ref}, fmt.Sprintf("reference %q renders constraint %s, which reference %q already renders", r.Ref, cname, prev), "rename one of the references"))
				continue
			}
			constraintOwner[key] = r.Ref
			if _, err := b.cat.Compile(r.Policy.Metadata.Name); err != nil {
				errs = errs.Append(err)
				continue
			}
			m, err := rendered.NewManifest("constraints/"+r.Policy.TemplateName()+"."+r.Ref+".yaml", obj)
			if err != nil {
				return nil, fmt.Errorf("render constraint %s: %w", cname, err)
			}
			out.Constraints = append(out.Constraints, &rendered.Constraint{Manifest: m, Ref: r.Ref, Policy: r.Policy.Metadata.Name})
			usedPolicies[r.Policy.Metadata.Name] = true
			if matchesPods(r.Match) {
				needsExpansion = true
			}
		}
		out.Policies = append(out.Policies, entry)
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	inputs := map[string][]byte{}
	for _, ci := range plan.Chain {
		inputs[ci.File] = ci.raw
	}
	// The bundle needs the target's Rego dialect and every builtin its
	// policies call; the oldest release with both is its minimum.
	minimum := target.Oldest
	if plan.Target.Has(target.RegoV1) {
		minimum = target.RegoV1.Since
	}
	for _, pname := range slices.Sorted(maps.Keys(usedPolicies)) {
		cp, _ := b.cat.Compile(pname)
		// A policy's template and the release its builtins need are the
		// same in every initiative built for one target: made once.
		ft, terrs := b.templateFor(cp, plan.Target)
		if len(terrs) > 0 {
			errs = append(errs, terrs...)
			continue
		}
		minimum = target.Max(minimum, ft.needs)
		out.Templates = append(out.Templates, ft.Template)
		addPolicyInputs(inputs, cp)
		sync, err := syncSetFor(cp.Policy)
		if err != nil {
			return nil, err
		}
		if sync != nil {
			out.SyncSets = append(out.SyncSets, sync)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	out.Gatekeeper = minimum.String()
	out.EdictVersion = version.Get().Version
	if needsExpansion {
		exps, err := expansionManifests()
		if err != nil {
			return nil, err
		}
		out.Expansions = exps
	}
	var templateFiles, constraintFiles []string
	for _, t := range out.Templates {
		templateFiles = append(templateFiles, path.Base(t.Path))
	}
	for _, m := range out.Expansions {
		templateFiles = append(templateFiles, path.Base(m.Path))
	}
	for _, m := range out.SyncSets {
		templateFiles = append(templateFiles, path.Base(m.Path))
	}
	for _, c := range out.Constraints {
		constraintFiles = append(constraintFiles, path.Base(c.Path))
	}
	// The root lists templates before constraints and asks kustomize to keep
	// that order (its default "legacy" order sorts by API group, which puts
	// constraints.gatekeeper.sh first), so `kubectl apply -k` and `kubectl
	// kustomize` emit every template before the constraints that need it.
	root := kustomization(nil)
	root["resources"] = []any{"templates", "constraints"}
	root["sortOptions"] = map[string]any{"order": "fifo"}
	for _, k := range []struct {
		file string
		obj  map[string]any
	}{
		{"kustomization.yaml", root},
		{"templates/kustomization.yaml", kustomization(templateFiles)},
		{"constraints/kustomization.yaml", kustomization(constraintFiles)},
	} {
		m, err := rendered.NewManifest(k.file, k.obj)
		if err != nil {
			return nil, err
		}
		out.Kustomizations = append(out.Kustomizations, m)
	}
	for _, p := range slices.Sorted(maps.Keys(inputs)) {
		out.Inputs = append(out.Inputs, rendered.Input{Path: p, SHA256: rendered.SHA256(inputs[p])})
	}
	out.Sort()
	return out, nil
}

// addPolicyInputs records the source files of a compiled policy.
func addPolicyInputs(inputs map[string][]byte, cp *CompiledPolicy) {
	prefix := ""
	if cp.BuiltIn {
		prefix = "builtin:library/"
	}
	inputs[prefix+path.Join(cp.Dir, "policy.yaml")] = cp.raw
	inputs[prefix+path.Join(cp.Dir, "policy.rego")] = []byte(cp.Rego)
	for _, l := range cp.Libs {
		lp := l.File
		if l.BuiltIn {
			lp = "builtin:library/" + lp
		}
		inputs[lp] = []byte(l.Source)
	}
}

// templateFor renders a policy's template for target t once per builder:
// a template and the release its builtins need are the same in every
// initiative built for one target.
func (b *Builder) templateFor(cp *CompiledPolicy, t target.Gatekeeper) (targetTemplate, input.ErrorList) {
	key := cp.Metadata.Name + "@" + t.String()
	if ft, ok := b.templates[key]; ok {
		return ft, nil
	}
	needs, terrs := checkTarget(cp, t)
	if len(terrs) > 0 {
		return targetTemplate{}, terrs
	}
	if err := checkSyncData(cp); err != nil {
		return targetTemplate{}, input.ErrorList{err}
	}
	tm, err := RenderTemplateFor(cp, t)
	if err != nil {
		return targetTemplate{}, input.ErrorList{{File: cp.File(), Msg: fmt.Sprintf("render template %s: %v", cp.TemplateName(), err)}}
	}
	ft := targetTemplate{tm, needs}
	if b.templates == nil {
		b.templates = map[string]targetTemplate{}
	}
	b.templates[key] = ft
	return ft, nil
}

// TemplateObjectFor returns the ConstraintTemplate of a compiled policy as
// a plain object (the shape sigs.k8s.io/yaml marshals with sorted keys),
// with the Rego in the form the target runs (see regoFor).
func TemplateObjectFor(cp *CompiledPolicy, t target.Gatekeeper) (map[string]any, error) {
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
	if len(p.Spec.SyncData) > 0 {
		sync, err := requiresSyncData(p)
		if err != nil {
			return nil, err
		}
		annotations[annotRequiresSyncData] = sync
	}
	rego, libs, err := regoFor(cp, t)
	if err != nil {
		return nil, err
	}
	// From Rego v1 on, the code list names the dialect; older releases read
	// the target's rego and libs fields, which are Rego v0.
	tgt := map[string]any{"target": gatekeeperTarget}
	if t.Has(target.RegoV1) {
		source := map[string]any{"version": "v1", "rego": rego}
		if len(libs) > 0 {
			source["libs"] = toAny(libs)
		}
		tgt["code"] = []any{map[string]any{"engine": "Rego", "source": source}}
	} else {
		tgt["rego"] = rego
		if len(libs) > 0 {
			tgt["libs"] = toAny(libs)
		}
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
			"targets": []any{tgt},
		},
	}, nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// RenderTemplate renders a compiled policy's ConstraintTemplate for the
// default target.
func RenderTemplate(cp *CompiledPolicy) (*rendered.Template, error) {
	return RenderTemplateFor(cp, target.Default)
}

// RenderTemplateFor renders a compiled policy's ConstraintTemplate for t.
func RenderTemplateFor(cp *CompiledPolicy, t target.Gatekeeper) (*rendered.Template, error) {
	obj, err := TemplateObjectFor(cp, t)
	if err != nil {
		return nil, err
	}
	m, err := rendered.NewManifest("templates/"+cp.TemplateName()+".yaml", obj)
	if err != nil {
		return nil, err
	}
	return &rendered.Template{Manifest: m, Policy: cp.Metadata.Name, ConstraintKind: cp.Spec.ConstraintKind}, nil
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
	if action == "scoped" {
		spec["scopedEnforcementActions"] = scopedActions(r.ScopedActions())
	}
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
// expansionManifests renders the expansion templates, sorted by name.
func expansionManifests() ([]*rendered.Manifest, error) {
	exp := expansionTemplates()
	var out []*rendered.Manifest
	for _, n := range slices.Sorted(maps.Keys(exp)) {
		m, err := rendered.NewManifest("templates/expansion."+n+".yaml", exp[n])
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

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

// scopedActions renders per-point actions as Gatekeeper's
// scopedEnforcementActions: one entry per action, its points by Gatekeeper
// name, both sorted so the output is stable.
func scopedActions(points map[string]string) []any {
	byAction := map[string][]string{}
	for p, a := range points {
		byAction[a] = append(byAction[a], rendered.GatekeeperPoint(p))
	}
	var out []any
	for _, a := range slices.Sorted(maps.Keys(byAction)) {
		names := byAction[a]
		slices.Sort(names)
		eps := make([]any, len(names))
		for i, n := range names {
			eps[i] = map[string]any{"name": n}
		}
		out = append(out, map[string]any{"action": a, "enforcementPoints": eps})
	}
	return out
}
