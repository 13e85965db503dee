package azureimport

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/library"
)

// unit is one initiative to write: a set (with or without an assignment of
// it), or an assignment of a single definition.
type unit struct {
	set    *object
	asg    *object
	single *member // the one member of a single-definition assignment
}

// reference is one edict reference being built.
type reference struct {
	ID         string
	AzureRef   string
	Row        *library.AzureDefinition
	Policy     *compile.Policy
	Effect     string
	Match      map[string]any
	Parameters map[string]any
	Comment    string
	// OriginalSource is set when Azure reviews only the Pods themselves
	// (source Original, the definitions' default).
	OriginalSource bool
}

// setParam is a value of a set parameter as the assignment or the default
// gives it; ok is false when neither does.
type valueSource struct {
	value any
	at    loc
	ok    bool
}

func (im *importer) initiative(u *unit) {
	var setParams map[string]*paramDef
	var mems []*member
	title, description := "", ""
	var origin string
	if u.set != nil {
		setParams = paramDefs(u.set)
		mems = members(u.set)
		title = u.set.str("displayName")
		description = u.set.str("description")
		origin = fmt.Sprintf("policy set definition %q (%s", title, u.set.id())
		if v := setVersion(u.set); v != "" {
			origin += ", version " + v
		}
		origin += ")"
	} else {
		mems = []*member{u.single}
	}
	values := map[string]any{}
	if u.asg != nil {
		values = assignmentValues(u.asg)
		if title == "" {
			title = u.asg.str("displayName")
		}
		if origin != "" {
			origin += ", "
		}
		origin += fmt.Sprintf("assignment %q (%s)", u.asg.str("displayName"), u.asg.id())
	}
	// The initiative's name: the assignment's when it reads as a name (not
	// a GUID), else the set's display name.
	name := ""
	if u.asg != nil && !looksLikeGUID(u.asg.name()) {
		name = dnsName(u.asg.name())
	}
	if name == "" && u.set != nil && !looksLikeGUID(u.set.name()) {
		name = dnsName(u.set.name())
	}
	if name == "" && title != "" {
		name = dnsName(title)
	}
	if name == "" {
		name = "azure-import"
	}
	name = uniqueName(name, im.initiativeNames)

	srcObj := u.set
	if srcObj == nil {
		srcObj = u.asg
	}
	im.report.addAt(srcObj.loc(), Item{Kind: kindName(u), Name: firstNonEmpty(title, srcObj.name()), Status: Exact, Target: "initiatives/" + name + ".yaml"})

	// lookup answers parameters('x') inside the set: the assignment's value,
	// else the set's default. Without a set (a single definition), the
	// assignment's values are the definition's parameters.
	lookup := func(p string) (any, error) {
		var def *paramDef
		if setParams != nil {
			def = setParams[p]
			if def == nil {
				for k, d := range setParams {
					if strings.EqualFold(k, p) {
						def = d
					}
				}
			}
			if def == nil {
				return nil, &exprError{fmt.Sprintf("the set has no parameter %q", p)}
			}
		}
		if v, ok := lookupKey(values, p); ok {
			if def != nil && !checkType(def.Type, v) {
				return nil, &typeError{param: p, want: def.Type, got: typeName(v), at: u.asg.loc("parameters", p, "value")}
			}
			return v, nil
		}
		if def != nil && def.HasDefault {
			return def.Default, nil
		}
		return nil, errNoValue
	}
	// Assignment values for parameters the set does not declare are
	// reported: Azure refuses such an assignment.
	if u.asg != nil && setParams != nil {
		for _, k := range sortedKeys(values) {
			if _, ok := setParams[k]; !ok {
				im.report.addAt(u.asg.loc("parameters", k), Item{Kind: "parameter", Name: k, Status: NotMapped, Note: "the assigned set declares no parameter " + k})
			}
		}
	}

	refIDs := map[string]bool{}
	var refs []*reference
	for _, m := range mems {
		r := im.member(u, name, m, lookup, refIDs)
		if r != nil {
			refs = append(refs, r)
		}
	}
	if u.asg != nil {
		im.applyAssignment(u.asg, name, refs)
	}
	var original []string
	for _, r := range refs {
		if r.OriginalSource {
			original = append(original, r.ID)
		}
	}
	if len(original) > 0 {
		im.report.addAt(srcObj.loc(), Item{Kind: "source", Name: firstNonEmpty(title, srcObj.name()), Status: Caveat, Target: name + "/" + strings.Join(original, ","),
			Note: "Azure reviews only the Pods themselves here (source Original, its default); edict also reports the Deployment, Job or other workload that creates them, so a violation shows up when the workload is applied; add match.source: Original to a reference to keep Azure's behaviour"})
	}
	var exemptions []map[string]any
	for _, e := range im.exemptionsFor(u.asg) {
		if ex := im.exemption(e, name, refs); ex != nil {
			exemptions = append(exemptions, ex)
		}
	}
	if len(refs) == 0 {
		im.report.addAt(srcObj.loc(), Item{Kind: kindName(u), Name: firstNonEmpty(title, srcObj.name()), Status: NotMapped, Note: "no member could be mapped, so no initiative was written"})
		return
	}
	doc := initiativeYAML(name, title, description, origin, refs, exemptions)
	im.files["initiatives/"+name+".yaml"] = doc
	im.testFor(name, refs)
}

func kindName(u *unit) string {
	if u.set != nil {
		return "set"
	}
	return "assignment"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func setVersion(o *object) string {
	if v := o.str("version"); v != "" {
		return v
	}
	if md, ok := o.p["metadata"].(map[string]any); ok {
		if v, ok := md["version"].(string); ok {
			return v
		}
	}
	return ""
}

func looksLikeGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

var errNoValue = errors.New("no value")

type typeError struct {
	param, want, got string
	at               loc
}

func (e *typeError) Error() string {
	return fmt.Sprintf("parameter %s is declared %s but the assignment gives a %s", e.param, e.want, e.got)
}

// standard parameters every Kubernetes definition has; the table lists only
// a definition's own.
var standardParams = []string{"effect", "excludedNamespaces", "namespaces", "labelSelector", "source", "warn", "excludedImages", "excludedContainers"}

// member maps one set member (or the assigned definition) to a reference.
func (im *importer) member(u *unit, initiative string, m *member, lookup func(string) (any, error), refIDs map[string]bool) *reference {
	azureRef := firstNonEmpty(m.RefID, lastSegment(m.DefinitionID))
	guid := definitionGUID(m.DefinitionID)
	row, why := im.rowFor(m)
	if row == nil {
		im.report.addAt(m.at, Item{Kind: "member", Name: azureRef, Status: NotMapped, Note: why})
		return nil
	}
	if row.Unsupported != "" {
		im.report.addAt(m.at, Item{Kind: "member", Name: azureRef, Status: NotMapped, Note: fmt.Sprintf("%s (%s): %s", row.DisplayName, guid, row.Unsupported)})
		return nil
	}
	pol, _ := im.cat.Policy(row.Policy) // nil for a policy generated from a custom definition
	id := dnsName(azureRef)
	if id == "" {
		id = row.Policy
	}
	id = uniqueName(id, refIDs)
	r := &reference{ID: id, AzureRef: azureRef, Row: row, Policy: pol, Match: map[string]any{}, Parameters: map[string]any{}}
	r.Comment = fmt.Sprintf("Azure: %s, %s (%s", azureRef, row.DisplayName, guid)
	if m.Version != "" {
		r.Comment += ", " + m.Version
	}
	r.Comment += ")"
	target := initiative + "/" + id
	paramAt := func(p string) loc { return loc{doc: m.at.doc, path: m.at.path.with("parameters", p, "value")} }
	if u.single != nil && u.asg != nil {
		paramAt = func(p string) loc { return u.asg.loc("parameters", p, "value") }
	}

	// Resolve every parameter the member passes.
	resolved := map[string]any{}
	for _, p := range sortedKeys(m.Params) {
		v, err := evalValue(m.Params[p], lookup)
		switch {
		case errors.Is(err, errNoValue):
			continue // Azure's definition default applies, as below
		case err != nil:
			at := paramAt(p)
			var te *typeError
			if errors.As(err, &te) {
				at = te.at
			}
			im.report.addAt(at, Item{Kind: "parameter", Name: azureRef + "." + p, Status: NotMapped, Target: target, Note: err.Error()})
			continue
		}
		resolved[p] = v
	}

	// A custom definition's own defaults of the standard parameters apply
	// where the member gives none, as in Azure.
	for k, v := range im.customDefaults[row.Policy] {
		if _, given := resolved[k]; !given {
			resolved[k] = v
		}
	}

	status, note := Exact, ""
	if row.Caveat != "" {
		status, note = Caveat, row.Caveat
	}
	im.report.addAt(m.at, Item{Kind: "member", Name: azureRef, Status: status, Target: target + " (policy " + row.Policy + ")", Note: note})

	// effect
	r.Effect = strings.ToLower(row.DefaultEffect())
	if v, ok := resolved["effect"]; ok {
		if e, ok := effectOf(v); ok {
			r.Effect = e
		} else {
			im.report.addAt(paramAt("effect"), Item{Kind: "parameter", Name: azureRef + ".effect", Status: NotMapped, Target: target,
				Note: fmt.Sprintf("effect %v is not Audit, Deny or Disabled; the definition's default %s is used", v, row.DefaultEffect())})
		}
	}
	// match
	if v, ok := resolved["excludedNamespaces"]; ok {
		if list, ok := stringList(v); ok {
			r.Match["excludedNamespaces"] = list
		} else {
			im.badShape(paramAt("excludedNamespaces"), azureRef, "excludedNamespaces", target, "a list of namespaces", v)
		}
	} else {
		r.Match["excludedNamespaces"] = slices.Clone(im.table.ExcludedNamespaces)
	}
	if v, ok := resolved["namespaces"]; ok {
		if list, ok := stringList(v); !ok {
			im.badShape(paramAt("namespaces"), azureRef, "namespaces", target, "a list of namespaces", v)
		} else if len(list) > 0 {
			r.Match["namespaces"] = list
		}
	}
	if v, ok := resolved["labelSelector"]; ok {
		if sel, ok := v.(map[string]any); !ok {
			im.badShape(paramAt("labelSelector"), azureRef, "labelSelector", target, "a label selector object", v)
		} else if len(sel) > 0 {
			r.Match["labelSelector"] = sel
		}
	}
	r.OriginalSource = true // Azure's default
	if v, ok := resolved["source"]; ok {
		switch s, _ := v.(string); strings.ToLower(s) {
		case "all":
			r.OriginalSource = false
		case "generated":
			r.OriginalSource = false
			r.Match["source"] = "Generated"
		case "original":
		default:
			im.badShape(paramAt("source"), azureRef, "source", target, "All, Generated or Original", v)
		}
	}
	if v, ok := resolved["warn"]; ok {
		switch b, isBool := v.(bool); {
		case !isBool:
			im.badShape(paramAt("warn"), azureRef, "warn", target, "a boolean", v)
		case b && r.Effect == "audit":
			r.Effect = "warn"
			im.report.addAt(paramAt("warn"), Item{Kind: "parameter", Name: azureRef + ".warn", Status: Caveat, Target: target + " effect warn",
				Note: "Azure's audit with warn: kubectl warns and the audit reports; edict's warn does both, and the constraint's action is warn instead of dryrun"})
		}
	}
	for _, ex := range []struct{ param, exclusion string }{{"excludedImages", "images"}, {"excludedContainers", "containers"}} {
		v, ok := resolved[ex.param]
		if !ok {
			continue
		}
		list, isList := stringList(v)
		switch {
		case !isList:
			im.badShape(paramAt(ex.param), azureRef, ex.param, target, "a list of strings", v)
		case len(list) == 0:
		case !policySupports(r.Policy, ex.exclusion):
			im.report.addAt(paramAt(ex.param), Item{Kind: "parameter", Name: azureRef + "." + ex.param, Status: NotMapped, Target: target,
				Note: fmt.Sprintf("edict's %s takes no %s exclusions (a Pod-wide check); exempt the namespaces instead", row.Policy, ex.exclusion)})
		default:
			r.Parameters[ex.param] = list
		}
	}
	// The definition's own parameters, through the table.
	for _, p := range sortedKeys(resolved) {
		if slices.Contains(standardParams, p) {
			continue
		}
		tr, ok := row.Parameters[p]
		if !ok {
			im.report.addAt(paramAt(p), Item{Kind: "parameter", Name: azureRef + "." + p, Status: NotMapped, Target: target,
				Note: fmt.Sprintf("%s has no parameter %q that edict knows", row.DisplayName, p)})
			continue
		}
		t := translate(tr, resolved[p])
		it := Item{Kind: "parameter", Name: azureRef + "." + p, Status: t.Status, Target: target, Note: t.Note}
		if t.To != "" && t.Status != NotMapped {
			r.Parameters[t.To] = t.Value
			it.Target = target + "." + t.To
		}
		im.report.addAt(paramAt(p), it)
	}
	// Azure's defaults where they differ from edict's, for what the member
	// leaves unset.
	for _, p := range sortedKeys(row.Parameters) {
		tr := row.Parameters[p]
		if _, given := resolved[p]; given || !tr.HasDefault() {
			continue
		}
		t := translate(tr, tr.Default)
		if t.To != "" && t.Status != NotMapped {
			if _, set := r.Parameters[t.To]; !set {
				r.Parameters[t.To] = t.Value
			}
		}
		if t.Status != Exact {
			im.report.addAt(m.at, Item{Kind: "parameter", Name: azureRef + "." + p, Status: t.Status, Target: target,
				Note: fmt.Sprintf("not set, so Azure's default %s applies: %s", compact(tr.Default), t.Note)})
		}
	}
	for _, k := range sortedKeys(row.Set) {
		if _, set := r.Parameters[k]; !set {
			r.Parameters[k] = row.Set[k]
			im.report.addAt(m.at, Item{Kind: "parameter", Name: azureRef + " (implied)", Status: Exact, Target: target + "." + k,
				Note: fmt.Sprintf("set to %s, which is what %s checks", compact(row.Set[k]), row.DisplayName)})
		}
	}
	return r
}

func (im *importer) badShape(at loc, ref, param, target, want string, got any) {
	im.report.addAt(at, Item{Kind: "parameter", Name: ref + "." + param, Status: NotMapped, Target: target,
		Note: fmt.Sprintf("expected %s, got %s", want, compact(got))})
}

// rowFor finds how a member's definition maps: a custom definition among
// the inputs, or the built-in table at the pinned major version.
func (im *importer) rowFor(m *member) (*library.AzureDefinition, string) {
	guid := definitionGUID(m.DefinitionID)
	if row, ok := im.custom[strings.ToLower(m.DefinitionID)]; ok {
		return row, ""
	}
	if row, ok := im.custom[guid]; ok && !isBuiltInID(m.DefinitionID) {
		return row, ""
	}
	if m.DefinitionID == "" {
		return nil, "the member names no policyDefinitionId"
	}
	if !isBuiltInID(m.DefinitionID) {
		if row, ok := im.custom[guid]; ok {
			return row, ""
		}
		return nil, fmt.Sprintf("custom definition %s is not among the inputs; add its JSON (az policy definition show --name %s)", m.DefinitionID, lastSegment(m.DefinitionID))
	}
	major := majorOf(m.Version)
	if row, ok := im.table.Lookup(guid, major); ok {
		return row, ""
	}
	if im.table.Known(guid) {
		return nil, fmt.Sprintf("version %s of built-in definition %s is not in edict's Azure mapping table", m.Version, guid)
	}
	return nil, fmt.Sprintf("unknown built-in definition id %s: edict's Azure mapping table has no counterpart for it", guid)
}

// applyAssignment applies enforcementMode and effect overrides.
func (im *importer) applyAssignment(a *object, initiative string, refs []*reference) {
	name := a.name()
	if mode := a.str("enforcementMode"); strings.EqualFold(mode, "DoNotEnforce") {
		changed := 0
		for _, r := range refs {
			if r.Effect == "deny" || r.Effect == "warn" {
				r.Effect = "audit"
				changed++
			}
		}
		im.report.addAt(a.loc("enforcementMode"), Item{Kind: "assignment", Name: name + ".enforcementMode", Status: Exact, Target: initiative,
			Note: fmt.Sprintf("DoNotEnforce: nothing is denied, violations are reported; %d reference(s) set to audit", changed)})
	} else if mode != "" && !strings.EqualFold(mode, "Default") {
		im.report.addAt(a.loc("enforcementMode"), Item{Kind: "assignment", Name: name + ".enforcementMode", Status: NotMapped, Note: "unknown enforcementMode " + mode})
	}
	overrides, _ := a.p["overrides"].([]any)
	for i, ov := range overrides {
		at := a.loc("overrides", i)
		o, _ := ov.(map[string]any)
		kind, _ := o["kind"].(string)
		if !strings.EqualFold(kind, "policyEffect") {
			im.report.addAt(at, Item{Kind: "override", Name: fmt.Sprintf("%s.overrides[%d]", name, i), Status: NotMapped,
				Note: fmt.Sprintf("override kind %q: edict imports effect overrides only (definition versions are pinned by the policy library)", kind)})
			continue
		}
		effect, ok := effectOf(o["value"])
		if !ok {
			im.report.addAt(loc{doc: at.doc, path: at.path.with("value")}, Item{Kind: "override", Name: fmt.Sprintf("%s.overrides[%d]", name, i), Status: NotMapped,
				Note: fmt.Sprintf("effect %v is not Audit, Deny or Disabled", compact(o["value"]))})
			continue
		}
		if strings.EqualFold(a.str("enforcementMode"), "DoNotEnforce") && effect == "deny" {
			effect = "audit"
		}
		selected, err := selectRefs(o["selectors"], refs)
		if err != "" {
			im.report.addAt(loc{doc: at.doc, path: at.path.with("selectors")}, Item{Kind: "override", Name: fmt.Sprintf("%s.overrides[%d]", name, i), Status: NotMapped, Note: err})
			continue
		}
		var ids []string
		for _, r := range selected {
			r.Effect = effect
			ids = append(ids, r.ID)
		}
		im.report.addAt(at, Item{Kind: "override", Name: fmt.Sprintf("%s.overrides[%d]", name, i), Status: Exact,
			Target: initiative + "/" + strings.Join(ids, ","), Note: "effect " + effect})
	}
	for _, unsupported := range []string{"notScopes", "resourceSelectors"} {
		if v, ok := a.p[unsupported]; ok && !isEmptyValue(v) {
			im.report.addAt(a.loc(unsupported), Item{Kind: "assignment", Name: name + "." + unsupported, Status: NotMapped,
				Note: "Azure scopes (subscriptions, resource groups, locations) have no meaning inside one cluster; choose the clusters that sync this bundle instead"})
		}
	}
}

// selectRefs applies an override's selectors (by policyDefinitionReferenceId).
func selectRefs(v any, refs []*reference) ([]*reference, string) {
	sels, _ := v.([]any)
	out := refs
	for _, s := range sels {
		sel, _ := s.(map[string]any)
		kind, _ := sel["kind"].(string)
		if !strings.EqualFold(kind, "policyDefinitionReferenceId") {
			return nil, fmt.Sprintf("selector kind %q has no meaning inside one cluster; only policyDefinitionReferenceId selectors are imported", kind)
		}
		in, hasIn := stringList(sel["in"])
		notIn, hasNotIn := stringList(sel["notIn"])
		var next []*reference
		for _, r := range out {
			if hasIn && !containsFold(in, r.AzureRef) {
				continue
			}
			if hasNotIn && containsFold(notIn, r.AzureRef) {
				continue
			}
			next = append(next, r)
		}
		if hasIn {
			for _, want := range in {
				found := false
				for _, r := range refs {
					found = found || strings.EqualFold(r.AzureRef, want)
				}
				if !found {
					return nil, fmt.Sprintf("the selector names reference %q, which is not an imported member", want)
				}
			}
		}
		out = next
	}
	return out, ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// compact prints a value briefly for a report note.
func compact(v any) string {
	s := fmt.Sprintf("%v", v)
	switch v := v.(type) {
	case string:
		s = fmt.Sprintf("%q", v)
	case []any, map[string]any:
		if b, err := jsonMarshal(v); err == nil {
			s = string(b)
		}
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// sameMatch reports whether every reference has the same value of a match field.
func sameMatch(refs []*reference, field string) (any, bool) {
	var first any
	for i, r := range refs {
		v := r.Match[field]
		if i == 0 {
			first = v
			continue
		}
		if !reflect.DeepEqual(first, v) {
			return nil, false
		}
	}
	return first, first != nil
}
