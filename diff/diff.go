// Package diff compares two sets of rendered bundles semantically: which
// references appeared or went, which effects, parameters, matches and
// exemptions changed and in which direction (tightening: something admitted
// before can now be reported or denied; loosening: the reverse), which
// template sources changed, and the semantic-version bump the change needs.
package diff

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/rendered"
)

// Direction says which way a change moves admission.
type Direction string

// The directions of a change.
const (
	Tightening Direction = "tightening" // something admitted before may now be reported or denied
	Loosening  Direction = "loosening"  // something reported or denied before may now pass
	Unknown    Direction = "changed"    // edict cannot tell; review it
	Neutral    Direction = "neutral"    // does not change what is admitted (a policy version)
)

// Kind is the class of a change.
type Kind string

// The classes of change diff reports.
const (
	InitiativeAdded   Kind = "initiative-added"
	InitiativeRemoved Kind = "initiative-removed"
	RefAdded          Kind = "reference-added"
	RefRemoved        Kind = "reference-removed"
	PolicyVersion     Kind = "policy-version"
	Effect            Kind = "effect"
	Parameter         Kind = "parameter"
	MatchChange       Kind = "match"
	ExemptionChange   Kind = "exemption"
	TemplateSource    Kind = "template-source"
	TemplateSchema    Kind = "template-schema"
)

// Bump is a semantic-version increment.
type Bump string

// Bumps, smallest first.
const (
	BumpNone  Bump = "none"
	BumpPatch Bump = "patch"
	BumpMinor Bump = "minor"
	BumpMajor Bump = "major"
)

func (b Bump) rank() int { return slices.Index([]Bump{BumpNone, BumpPatch, BumpMinor, BumpMajor}, b) }

// Change is one semantic difference.
type Change struct {
	Kind      Kind      `json:"kind"`
	Ref       string    `json:"ref,omitempty"`
	Template  string    `json:"template,omitempty"`
	Field     string    `json:"field,omitempty"`
	Old       any       `json:"old,omitempty"`
	New       any       `json:"new,omitempty"`
	Added     []any     `json:"added,omitempty"`
	Removed   []any     `json:"removed,omitempty"`
	Direction Direction `json:"direction"`
	// Bump is the version increment this change alone needs.
	Bump    Bump   `json:"bump"`
	Summary string `json:"summary"`
	// Diff is a unified diff of a template's Rego or CEL source.
	Diff string `json:"diff,omitempty"`
}

// Initiative is the comparison of one initiative's two bundles.
type Initiative struct {
	Name       string   `json:"name"`
	OldVersion string   `json:"oldVersion,omitempty"`
	NewVersion string   `json:"newVersion,omitempty"`
	Changes    []Change `json:"changes"`
	Verdict    Verdict  `json:"verdict"`
	Bump       Bump     `json:"bump"`
	// VersionBump is the increment NEW's version actually carries.
	VersionBump Bump   `json:"versionBump"`
	Warning     string `json:"warning,omitempty"`
}

// Verdict sums up a set of changes.
type Verdict string

// The verdicts, in increasing order of concern.
const (
	VerdictNone       Verdict = "no admission changes"
	VerdictLoosening  Verdict = "loosening only"
	VerdictUnknown    Verdict = "changed, direction unknown"
	VerdictTightening Verdict = "tightening"
)

// Report is the comparison of two POLICY arguments.
type Report struct {
	Old         string       `json:"old"`
	New         string       `json:"new"`
	Initiatives []Initiative `json:"initiatives"`
	Verdict     Verdict      `json:"verdict"`
	Bump        Bump         `json:"bump"`
	// Against and Impact are the audit of both sides over the same
	// resources and its delta per reference, with --against.
	Against *Against `json:"against,omitempty"`
	Impact  []Impact `json:"impact,omitempty"`
}

// Tightens reports whether any change tightens: a tightening change, or,
// with --against, an object NEW reports that OLD did not (or more weakly),
// whatever the change that caused it (a Rego edit has no direction).
func (r *Report) Tightens() bool {
	if r.Verdict == VerdictTightening {
		return true
	}
	for _, im := range r.Impact {
		if im.tightens() {
			return true
		}
	}
	return false
}

// Side is one side of a comparison: where it came from and its bundles.
type Side struct {
	Origin  string
	Bundles []*rendered.Bundle
}

// Compare compares two sides bundle by bundle, pairing bundles by initiative name.
func Compare(old, new Side) *Report {
	r := &Report{Old: old.Origin, New: new.Origin}
	oldBy, newBy := byName(old.Bundles), byName(new.Bundles)
	names := map[string]bool{}
	for n := range oldBy {
		names[n] = true
	}
	for n := range newBy {
		names[n] = true
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		r.Initiatives = append(r.Initiatives, compareInitiative(n, oldBy[n], newBy[n]))
	}
	r.Verdict, r.Bump = VerdictNone, BumpNone
	for _, in := range r.Initiatives {
		r.Verdict = maxVerdict(r.Verdict, in.Verdict)
		if in.Bump.rank() > r.Bump.rank() {
			r.Bump = in.Bump
		}
	}
	return r
}

func byName(outs []*rendered.Bundle) map[string]*rendered.Bundle {
	m := map[string]*rendered.Bundle{}
	for _, o := range outs {
		m[o.Name] = o
	}
	return m
}

func compareInitiative(name string, old, new *rendered.Bundle) Initiative {
	in := Initiative{Name: name}
	var oldRefs, newRefs map[string]rendered.Reference
	if old != nil {
		in.OldVersion = old.Version
		oldRefs = refsOf(old)
	}
	if new != nil {
		in.NewVersion = new.Version
		newRefs = refsOf(new)
	}
	switch {
	case old == nil:
		in.Changes = append(in.Changes, Change{Kind: InitiativeAdded, Direction: Tightening, Summary: "initiative added"})
	case new == nil:
		in.Changes = append(in.Changes, Change{Kind: InitiativeRemoved, Direction: Loosening, Summary: "initiative removed"})
	}
	refs := map[string]bool{}
	for k := range oldRefs {
		refs[k] = true
	}
	for k := range newRefs {
		refs[k] = true
	}
	for _, ref := range slices.Sorted(maps.Keys(refs)) {
		o, inOld := oldRefs[ref]
		n, inNew := newRefs[ref]
		switch {
		case !inOld:
			in.Changes = append(in.Changes, refAdded(n))
		case !inNew:
			in.Changes = append(in.Changes, refRemoved(o))
		default:
			in.Changes = append(in.Changes, compareRef(old, new, o, n)...)
		}
	}
	in.Changes = append(in.Changes, compareTemplates(old, new, newRefs)...)
	for i := range in.Changes {
		c := &in.Changes[i]
		if c.Bump == "" {
			c.Bump = bumpFor(c.Direction, effectOf(newRefs, oldRefs, c.Ref))
		}
	}
	in.Verdict, in.Bump = VerdictNone, BumpNone
	for _, c := range in.Changes {
		in.Verdict = maxVerdict(in.Verdict, verdictOf(c.Direction))
		if c.Bump.rank() > in.Bump.rank() {
			in.Bump = c.Bump
		}
	}
	in.VersionBump = versionBump(in.OldVersion, in.NewVersion)
	if old != nil && new != nil && in.Bump.rank() > in.VersionBump.rank() {
		got := "a " + string(in.VersionBump) + " bump"
		if in.VersionBump == BumpNone {
			got = "no version bump"
		}
		in.Warning = fmt.Sprintf("version %s → %s is %s; these changes need a %s bump (%s)", orNone(in.OldVersion), orNone(in.NewVersion), got, in.Bump, nextVersion(in.OldVersion, in.Bump))
	}
	return in
}

func refsOf(o *rendered.Bundle) map[string]rendered.Reference {
	m := map[string]rendered.Reference{}
	for _, p := range o.Policies {
		m[p.Ref] = p
	}
	return m
}

func effectOf(newRefs, oldRefs map[string]rendered.Reference, ref string) rendered.Effect {
	if r, ok := newRefs[ref]; ok {
		return r.Effect
	}
	if r, ok := oldRefs[ref]; ok {
		return r.Effect
	}
	return ""
}

// bumpFor is the version increment one change needs: a change that may
// deny what was admitted is major; one that may only add audit or warn
// findings is minor; everything else is a patch. A change whose direction
// edict cannot tell counts as possibly tightening.
func bumpFor(d Direction, effect rendered.Effect) Bump {
	if d == Loosening {
		return BumpPatch
	}
	switch effect {
	case rendered.EffectDeny:
		return BumpMajor
	case rendered.EffectWarn, rendered.EffectAudit:
		return BumpMinor
	}
	return BumpPatch
}

func verdictOf(d Direction) Verdict {
	switch d {
	case Tightening:
		return VerdictTightening
	case Loosening:
		return VerdictLoosening
	case Neutral:
		return VerdictNone
	}
	return VerdictUnknown
}

func maxVerdict(a, b Verdict) Verdict {
	order := []Verdict{VerdictNone, VerdictLoosening, VerdictUnknown, VerdictTightening}
	if slices.Index(order, b) > slices.Index(order, a) {
		return b
	}
	return a
}

func refAdded(n rendered.Reference) Change {
	c := Change{Kind: RefAdded, Ref: n.Ref, New: n.Effect, Direction: Tightening,
		Summary: fmt.Sprintf("reference added: policy %s %s, effect %s", n.Policy, n.PolicyVersion, n.Effect)}
	if n.Effect == rendered.EffectDisabled {
		c.Direction, c.Bump = Loosening, BumpPatch
		c.Summary += " (renders no constraint)"
	}
	return c
}

func refRemoved(o rendered.Reference) Change {
	return Change{Kind: RefRemoved, Ref: o.Ref, Old: o.Effect, Direction: Loosening, Bump: BumpPatch,
		Summary: fmt.Sprintf("reference removed: policy %s %s, was %s", o.Policy, o.PolicyVersion, o.Effect)}
}

// EffectDirection classifies an effect change: disabled → audit → warn → deny tightens.
func EffectDirection(old, new rendered.Effect) Direction {
	o, n := old.Rank(), new.Rank()
	switch {
	case o < 0 || n < 0:
		return Unknown
	case n > o:
		return Tightening
	case n < o:
		return Loosening
	}
	return ""
}

func compareRef(oldOut, newOut *rendered.Bundle, o, n rendered.Reference) []Change {
	var out []Change
	if o.Policy != n.Policy || o.PolicyVersion != n.PolicyVersion {
		out = append(out, Change{Kind: PolicyVersion, Ref: n.Ref, Old: o.Policy + " " + o.PolicyVersion, New: n.Policy + " " + n.PolicyVersion, Direction: Neutral,
			Bump: BumpPatch, Summary: fmt.Sprintf("policy %s %s → %s %s", o.Policy, o.PolicyVersion, n.Policy, n.PolicyVersion)})
	}
	if o.Effect != n.Effect {
		d := EffectDirection(o.Effect, n.Effect)
		c := Change{Kind: Effect, Ref: n.Ref, Field: "effect", Old: string(o.Effect), New: string(n.Effect), Direction: d,
			Summary: fmt.Sprintf("effect %s → %s", o.Effect, n.Effect)}
		// Turning a reference off needs no more than a patch, whatever it was.
		if d == Tightening {
			c.Bump = bumpFor(d, n.Effect)
		}
		out = append(out, c)
	}
	out = append(out, comparePoints(o, n)...)
	oldEx, newEx := exemptionsOf(oldOut, o), exemptionsOf(newOut, n)
	out = append(out, compareMatch(n.Ref, withoutExempted(o.Match, oldEx), withoutExempted(n.Match, newEx))...)
	schema := parameterSchemaOf(newOut, n.Template)
	if schema == nil {
		schema = parameterSchemaOf(oldOut, o.Template)
	}
	keys := map[string]bool{}
	for k := range o.Parameters {
		keys[k] = true
	}
	for k := range n.Parameters {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		ov, okO := o.Parameters[k]
		nv, okN := n.Parameters[k]
		if okO && okN && jsonEqual(ov, nv) {
			continue
		}
		out = append(out, compareParameter(n.Ref, k, ov, nv, ParamDirection(schema, k)))
	}
	out = append(out, compareExemptions(n.Ref, oldEx, newEx)...)
	return out
}

// ParamDirection is the direction a parameter declares (x-edict-direction
// in its schema), or edict's own for the exclusion parameters.
func ParamDirection(schema map[string]any, name string) string {
	if name == "excludedImages" || name == "excludedContainers" {
		return "allowlist"
	}
	props, _ := schema["properties"].(map[string]any)
	p, _ := props[name].(map[string]any)
	d, _ := p[compile.DirectionKey].(string)
	return d
}

// ListDirection classifies a change of a list parameter from its declared
// direction: removing an allowed item or adding a denied one tightens.
func ListDirection(direction string, added, removed int) Direction {
	switch direction {
	case "allowlist":
		if removed > 0 {
			return Tightening
		}
		if added > 0 {
			return Loosening
		}
	case "denylist":
		if added > 0 {
			return Tightening
		}
		if removed > 0 {
			return Loosening
		}
	}
	return Unknown
}

func compareParameter(ref, name string, ov, nv any, direction string) Change {
	c := Change{Kind: Parameter, Ref: ref, Field: "parameters." + name, Old: ov, New: nv, Direction: Unknown}
	ol, oIsList := asList(ov)
	nl, nIsList := asList(nv)
	switch {
	case (oIsList || ov == nil) && (nIsList || nv == nil):
		c.Added, c.Removed = listDelta(ol, nl)
		c.Old, c.New = nil, nil
		c.Direction = ListDirection(direction, len(c.Added), len(c.Removed))
		var parts []string
		if len(c.Added) > 0 {
			parts = append(parts, "added "+jsonItems(c.Added))
		}
		if len(c.Removed) > 0 {
			parts = append(parts, "removed "+jsonItems(c.Removed))
		}
		c.Summary = fmt.Sprintf("%s: %s", name, strings.Join(parts, ", "))
	default:
		ob, oBool := ov.(bool)
		nb, nBool := nv.(bool)
		if oBool && nBool && direction != "" {
			// A boolean allowlist parameter admits more when true.
			admitsMore := nb && !ob
			if direction == "denylist" {
				admitsMore = !admitsMore
			}
			c.Direction = Tightening
			if admitsMore {
				c.Direction = Loosening
			}
		}
		c.Summary = fmt.Sprintf("%s: %s → %s", name, jsonText(ov), jsonText(nv))
	}
	if direction != "" && c.Direction != Unknown {
		c.Summary += " (" + direction + ")"
	}
	return c
}

func compareMatch(ref string, o, n map[string]any) []Change {
	var out []Change
	keys := map[string]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		ov, nv := o[k], n[k]
		if jsonEqual(ov, nv) {
			continue
		}
		c := Change{Kind: MatchChange, Ref: ref, Field: "match." + k, Direction: Unknown}
		ol, _ := asList(ov)
		nl, _ := asList(nv)
		switch k {
		case "excludedNamespaces":
			c.Added, c.Removed = listDelta(ol, nl)
			c.Direction = ListDirection("allowlist", len(c.Added), len(c.Removed))
			c.Summary = nsSummary("newly excluded", c.Added, "newly reached", c.Removed)
		case "namespaces":
			c.Added, c.Removed = listDelta(ol, nl)
			switch {
			case len(ol) == 0:
				// From every namespace to a few.
				c.Direction = Loosening
				c.Summary = "now only namespaces " + jsonItems(nl) + " (was every namespace)"
			case len(nl) == 0:
				c.Direction = Tightening
				c.Summary = "now every namespace (was " + jsonItems(ol) + ")"
			default:
				c.Direction = ListDirection("denylist", len(c.Added), len(c.Removed))
				c.Summary = nsSummary("newly reached", c.Added, "no longer reached", c.Removed)
			}
		case "kinds":
			c.Added, c.Removed = listDelta(ol, nl)
			c.Direction = ListDirection("denylist", len(c.Added), len(c.Removed))
			c.Summary = "kinds: " + deltaText(c.Added, c.Removed)
		default:
			c.Old, c.New = ov, nv
			c.Summary = fmt.Sprintf("%s: %s → %s", k, jsonText(ov), jsonText(nv))
		}
		out = append(out, c)
	}
	return out
}

func nsSummary(addedWord string, added []any, removedWord string, removed []any) string {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "namespaces "+addedWord+": "+jsonItems(added))
	}
	if len(removed) > 0 {
		parts = append(parts, "namespaces "+removedWord+": "+jsonItems(removed))
	}
	return strings.Join(parts, "; ")
}

func deltaText(added, removed []any) string {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+jsonItems(added))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+jsonItems(removed))
	}
	return strings.Join(parts, ", ")
}

// listDelta returns the items of n not in o and of o not in n, compared as JSON.
func listDelta(o, n []any) (added, removed []any) {
	has := func(list []any, v any) bool {
		return slices.ContainsFunc(list, func(x any) bool { return jsonEqual(x, v) })
	}
	for _, v := range n {
		if !has(o, v) {
			added = append(added, v)
		}
	}
	for _, v := range o {
		if !has(n, v) {
			removed = append(removed, v)
		}
	}
	return added, removed
}

func asList(v any) ([]any, bool) {
	switch t := v.(type) {
	case []any:
		return t, true
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func jsonEqual(a, b any) bool { return jsonText(a) == jsonText(b) }

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func jsonItems(items []any) string {
	parts := make([]string, len(items))
	for i, v := range items {
		if s, ok := v.(string); ok {
			parts[i] = s
		} else {
			parts[i] = jsonText(v)
		}
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// pointEffect is a reference's effect at one enforcement point, as
// bundle.json records it: per point when scoped (a point left out is
// disabled there), else the reference's effect at every default point.
func pointEffect(r rendered.Reference, point string) rendered.Effect {
	if r.Enforcement == nil {
		if slices.Contains(rendered.DefaultPoints, point) || r.Effect == rendered.EffectDisabled {
			return r.Effect
		}
		return rendered.EffectDisabled
	}
	if e, ok := r.Enforcement[point]; ok {
		return e
	}
	return rendered.EffectDisabled
}

// comparePoints reports effects that changed at single enforcement points
// of a reference whose per-point effects differ on either side; a change
// of the reference's one effect is reported by compareRef itself.
func comparePoints(o, n rendered.Reference) []Change {
	if o.Enforcement == nil && n.Enforcement == nil {
		return nil
	}
	var out []Change
	for _, p := range rendered.EnforcementPoints() {
		oe, ne := pointEffect(o, p), pointEffect(n, p)
		if oe == ne {
			continue
		}
		d := EffectDirection(oe, ne)
		c := Change{Kind: Effect, Ref: n.Ref, Field: "enforcement." + p, Old: string(oe), New: string(ne), Direction: d,
			Summary: fmt.Sprintf("effect at %s %s → %s", p, oe, ne)}
		if d == Tightening {
			c.Bump = bumpFor(d, ne)
		}
		out = append(out, c)
	}
	return out
}
