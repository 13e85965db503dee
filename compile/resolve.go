package compile

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/target"
)

// Options tune a build.
type Options struct {
	// Now is the time exemptions are checked against; zero means the wall clock.
	Now time.Time
	// ExpiryWarning is how far ahead an exemption's expiry is announced; zero means 30 days.
	ExpiryWarning time.Duration
	// Gatekeeper is the release to build for, overriding the initiative's
	// spec.gatekeeper; zero leaves the choice to the initiative.
	Gatekeeper target.Gatekeeper
}

// expiresIn says how far off an expiry date is in calendar days. A date is
// the first day an exemption no longer holds, so a future date is at least
// a day away: the last valid day is today, never "in 0 days".
func expiresIn(now, expires time.Time) string {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	days := int(expires.Sub(today) / (24 * time.Hour))
	switch {
	case days <= 1:
		return "tomorrow (today is its last day)"
	default:
		return fmt.Sprintf("in %d days", days)
	}
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now.UTC()
}

// Plan is a fully resolved initiative: every reference with its policy,
// effect, match and parameters decided.
type Plan struct {
	Initiative *Initiative
	Chain      []*Initiative // the extends chain, root first, ending with Initiative
	Refs       []*Resolved   // sorted by Ref
	Warnings   []string
	// Target is the Gatekeeper release the bundle is built for.
	Target target.Gatekeeper
}

// Resolved is one reference after resolution.
type Resolved struct {
	Ref    string
	Policy *Policy
	Effect rendered.Effect
	// Enforcement overrides Effect at single enforcement points (short
	// names, see rendered.EnforcementPoints).
	Enforcement map[string]rendered.Effect
	Match       Match
	Parameters  map[string]any
	Exemptions  []Exemption
	// Provenance says where each of the values above came from.
	Provenance Provenance
}

// EnforcementAction is the Gatekeeper enforcementAction, or "" when disabled.
func (r *Resolved) EnforcementAction() string {
	if sa := r.ScopedActions(); sa != nil {
		if len(sa) == 0 {
			return ""
		}
		return "scoped"
	}
	return r.Effect.EnforcementAction()
}

// PointEffect is the effect at one enforcement point.
func (r *Resolved) PointEffect(point string) rendered.Effect {
	if e, ok := r.Enforcement[point]; ok {
		return e
	}
	return r.Effect
}

// ScopedActions maps each enforcement point to its Gatekeeper action when
// the points do not all share one (enforcementAction: scoped); nil when
// they do. A disabled point is left out. A disabled reference is never
// scoped: it renders nothing.
func (r *Resolved) ScopedActions() map[string]string {
	if len(r.Enforcement) == 0 || r.Effect == rendered.EffectDisabled {
		return nil
	}
	points := slices.Clone(rendered.DefaultPoints)
	for p := range r.Enforcement {
		if !slices.Contains(points, p) {
			points = append(points, p)
		}
	}
	out := map[string]string{}
	same := true
	first := r.PointEffect(points[0]).EnforcementAction()
	for _, p := range points {
		a := r.PointEffect(p).EnforcementAction()
		if a != first || !slices.Contains(rendered.DefaultPoints, p) {
			same = false
		}
		if a != "" {
			out[p] = a
		}
	}
	if same {
		if first == "" {
			return map[string]string{} // every point disabled: nothing to render
		}
		return nil
	}
	return out
}

// Resolve turns an initiative file into a Plan.
func Resolve(repo fs.FS, file string, cat *Catalog, opts Options) (*Plan, error) {
	chain, invalid, err := loadChain(repo, file)
	if err != nil {
		return nil, err
	}
	plan, err := resolveChain(chain, cat, opts)
	if invalid != nil {
		return nil, withSchemaErrors(invalid, err)
	}
	return plan, err
}

// resolveChain resolves an extends chain (root first) in three phases:
// choose the policy of every reference, merge each reference's values level
// by level recording where each came from, then apply the exemptions.
func resolveChain(chain []*Initiative, cat *Catalog, opts Options) (*Plan, error) {
	leaf := chain[len(chain)-1]
	plan := &Plan{Initiative: leaf, Chain: chain}
	tgt, terr := chooseTarget(chain, opts)
	if terr != nil {
		return nil, terr
	}
	plan.Target = tgt
	refs, errs := choosePolicies(chain, cat)
	// The references whose policy is known are still checked, so one run
	// reports a misspelt policy and a misspelt parameter together.
	chooseFailed := len(errs) > 0
	byRef := make(map[string]*Resolved, len(refs))
	for _, d := range refs {
		res, merrs := mergeValues(chain, d, cat.paramSchemas.get(d.policy))
		errs = append(errs, merrs...)
		byRef[d.ref] = res
		plan.Refs = append(plan.Refs, res)
	}
	if chooseFailed {
		// Exemptions would only repeat the unknown references.
		return nil, errs.Err()
	}
	warnings, xerrs := applyExemptions(chain, byRef, opts)
	plan.Warnings = warnings
	errs = append(errs, xerrs...)
	return plan, errs.Err()
}

// declaration is a reference and the policy it uses, as first declared.
type declaration struct {
	ref    string
	policy *Policy
	origin Origin
}

// choosePolicies decides which policy each reference of the chain uses,
// sorted by reference. A child may not re-point an inherited reference.
func choosePolicies(chain []*Initiative, cat *Catalog) ([]declaration, input.ErrorList) {
	var errs input.ErrorList
	policyOf := map[string]string{}
	refLevel := map[string]*Initiative{}
	declared := map[string]Origin{}
	failed := map[string]bool{}
	for _, in := range chain {
		for _, ref := range slices.Sorted(maps.Keys(in.Spec.Policies)) {
			r := in.Spec.Policies[ref]
			name := ref
			if r != nil && r.Policy != "" {
				name = r.Policy
			}
			if failed[ref] {
				continue
			}
			if prev, ok := policyOf[ref]; ok {
				if r != nil && r.Policy != "" && r.Policy != prev {
					errs = append(errs, in.doc.ErrorAt([]string{"spec", "policies", ref, "policy"}, fmt.Sprintf("reference %q already uses policy %q in %s", ref, prev, refLevel[ref].Metadata.Name), "use a new reference id for a second use of a policy"))
				}
				continue
			}
			if _, ok := cat.Policy(name); !ok {
				field := []string{"spec", "policies", ref}
				if r != nil && r.Policy != "" {
					field = append(field, "policy")
				}
				e := in.doc.KeyErrorAt(field, fmt.Sprintf("unknown policy %q", name), input.Suggest(name, cat.Names()))
				if e.Hint == "" {
					e.Hint = "see `edict library list` for built-in policies"
				}
				e.Code = input.CodeUnknownPolicy
				errs = append(errs, e)
				failed[ref] = true
				continue
			}
			policyOf[ref] = name
			refLevel[ref] = in
			declared[ref] = in.at(FromReference, "spec", "policies", ref)
		}
	}
	out := make([]declaration, 0, len(policyOf))
	for _, ref := range slices.Sorted(maps.Keys(policyOf)) {
		p, _ := cat.Policy(policyOf[ref])
		out = append(out, declaration{ref: ref, policy: p, origin: declared[ref]})
	}
	return out, errs
}

// mergeValues resolves one reference: the policy's own effect, match and
// parameter defaults, then for each level of the chain, root first, its
// defaults and its settings for the reference. Every value set is recorded
// with its origin.
func mergeValues(chain []*Initiative, d declaration, ps *paramSchema) (*Resolved, input.ErrorList) {
	p := d.policy
	res := &Resolved{Ref: d.ref, Policy: p, Effect: p.Spec.Effect, Parameters: parameterDefaults(p)}
	prov := &res.Provenance
	prov.Declared = d.origin
	if res.Effect == "" {
		res.Effect = rendered.DefaultEffect
		prov.set("effect", string(res.Effect), Origin{Kind: FromEdict})
	} else {
		prov.set("effect", string(res.Effect), p.at("spec", "effect"))
	}
	if p.Spec.Match != nil {
		res.Match = *p.Spec.Match
		for _, f := range matchFields(p.Spec.Match) {
			prov.set("match."+f, matchField(res.Match, f), p.at("spec", "match", f))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(res.Parameters)) {
		prov.set("parameters."+k, res.Parameters[k], p.at("spec", "parameters", "properties", k, "default"))
	}
	var errs input.ErrorList
	for _, in := range chain {
		df := in.Spec.Defaults
		if df.Effect != "" {
			res.Effect = df.Effect
			prov.set("effect", string(df.Effect), in.at(FromDefaults, "spec", "defaults", "effect"))
		}
		for _, p := range slices.Sorted(maps.Keys(df.Enforcement)) {
			res.setPoint(p, df.Enforcement[p])
			prov.set("enforcement."+p, string(df.Enforcement[p]), in.at(FromDefaults, "spec", "defaults", "enforcement", p))
		}
		for _, f := range mergeMatch(&res.Match, df.Match) {
			prov.set("match."+f, matchField(res.Match, f), in.at(FromDefaults, "spec", "defaults", "match", f))
		}
		if df.Exclusions != nil {
			for _, x := range applyExclusions(res, df.Exclusions) {
				prov.set("parameters."+x.param, res.Parameters[x.param], in.at(FromDefaults, "spec", "defaults", "exclusions", x.exclusion))
			}
		}
		r := in.Spec.Policies[d.ref]
		if r == nil {
			continue
		}
		base := []string{"spec", "policies", d.ref}
		if r.Effect != "" {
			res.Effect = r.Effect
			prov.set("effect", string(r.Effect), in.at(FromReference, append(base, "effect")...))
		}
		for _, p := range slices.Sorted(maps.Keys(r.Enforcement)) {
			res.setPoint(p, r.Enforcement[p])
			prov.set("enforcement."+p, string(r.Enforcement[p]), in.at(FromReference, append(base, "enforcement", p)...))
		}
		for _, f := range mergeMatch(&res.Match, r.Match) {
			prov.set("match."+f, matchField(res.Match, f), in.at(FromReference, append(base, "match", f)...))
		}
		for _, k := range slices.Sorted(maps.Keys(r.Parameters)) {
			field := append(append([]string{}, base...), "parameters", k)
			if _, known := ps.props[k]; !known {
				e := in.doc.KeyErrorAt(field, fmt.Sprintf("unknown parameter %q of policy %s", k, p.Metadata.Name), input.Suggest(k, ps.names))
				if e.Hint == "" {
					e.Hint = "parameters: " + strings.Join(ps.names, ", ")
					if len(ps.names) == 0 {
						e.Hint = "this policy takes no parameters"
					}
				}
				errs = append(errs, e)
				continue
			}
			if err := ps.validate(in.doc, field, k, r.Parameters[k]); err != nil {
				errs = append(errs, err.(input.ErrorList)...)
				continue
			}
			res.Parameters[k] = r.Parameters[k]
			prov.set("parameters."+k, r.Parameters[k], in.at(FromReference, field...))
		}
	}
	return res, errs
}

// applyExemptions checks every exemption of the chain for its expiry and
// excludes its namespaces from the references it names. It returns warnings
// for exemptions expiring soon.
func applyExemptions(chain []*Initiative, byRef map[string]*Resolved, opts Options) ([]string, input.ErrorList) {
	var warnings []string
	var errs input.ErrorList
	now := opts.now()
	warn := opts.ExpiryWarning
	if warn == 0 {
		warn = 30 * 24 * time.Hour
	}
	refs := slices.Sorted(maps.Keys(byRef))
	for _, in := range chain {
		for i, ex := range in.Spec.Exemptions {
			base := []string{"spec", "exemptions", fmt.Sprint(i)}
			expires, perr := time.Parse("2006-01-02", ex.Expires)
			if perr != nil {
				errs = append(errs, in.doc.ErrorAt(append(base, "expires"), "expected a date YYYY-MM-DD, got "+ex.Expires, ""))
				continue
			}
			if !now.Before(expires) {
				errs = append(errs, in.doc.ErrorAt(append(base, "expires"), fmt.Sprintf("exemption for %s in namespaces %s expired on %s; owner %s must renew or remove it", strings.Join(ex.Policies, ", "), strings.Join(ex.Namespaces, ", "), ex.Expires, ex.Owner), "extend expires or delete the exemption"))
				continue
			}
			if expires.Sub(now) <= warn {
				line, col := in.doc.Locate(append(base, "expires"), false)
				warnings = append(warnings, fmt.Sprintf("%s:%d:%d: exemption for %s (owner %s) expires on %s, %s", in.File, line, col, strings.Join(ex.Policies, ", "), ex.Owner, ex.Expires, expiresIn(now, expires)))
			}
			for j, ref := range ex.Policies {
				res, ok := byRef[ref]
				if !ok {
					errs = append(errs, in.doc.ErrorAt(append(base, "policies", fmt.Sprint(j)), fmt.Sprintf("exemption names unknown reference %q", ref), input.Suggest(ref, refs)))
					continue
				}
				res.Exemptions = append(res.Exemptions, ex)
				res.Provenance.Exemptions = append(res.Provenance.Exemptions, in.at(FromExemption, base...))
				res.Match.ExcludedNamespaces = appendUnique(res.Match.ExcludedNamespaces, ex.Namespaces...)
			}
		}
	}
	return warnings, errs
}

func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// mergeMatch overwrites, field by field, what over sets, and returns the
// names of the fields it set.
func mergeMatch(dst *Match, over *Match) []string {
	if over == nil {
		return nil
	}
	set := matchFields(over)
	for _, f := range set {
		switch f {
		case "kinds":
			dst.Kinds = over.Kinds
		case "scope":
			dst.Scope = over.Scope
		case "namespaces":
			dst.Namespaces = over.Namespaces
		case "excludedNamespaces":
			dst.ExcludedNamespaces = append([]string(nil), over.ExcludedNamespaces...)
		case "labelSelector":
			dst.LabelSelector = over.LabelSelector
		case "namespaceSelector":
			dst.NamespaceSelector = over.NamespaceSelector
		case "name":
			dst.Name = over.Name
		case "source":
			dst.Source = over.Source
		}
	}
	return set
}

// matchFields names the fields m sets, by their YAML names.
func matchFields(m *Match) []string {
	var out []string
	if m.Kinds != nil {
		out = append(out, "kinds")
	}
	if m.Scope != "" {
		out = append(out, "scope")
	}
	if m.Namespaces != nil {
		out = append(out, "namespaces")
	}
	if m.ExcludedNamespaces != nil {
		out = append(out, "excludedNamespaces")
	}
	if m.LabelSelector != nil {
		out = append(out, "labelSelector")
	}
	if m.NamespaceSelector != nil {
		out = append(out, "namespaceSelector")
	}
	if m.Name != "" {
		out = append(out, "name")
	}
	if m.Source != "" {
		out = append(out, "source")
	}
	return out
}

// matchField is the value of one match field, as the constraint spells it.
func matchField(m Match, f string) any {
	v, _ := matchObject(m)[f]
	if v == nil {
		// Fields matchObject leaves out when empty are still a setting.
		switch f {
		case "namespaces":
			return toAnyList(m.Namespaces)
		case "excludedNamespaces":
			return toAnyList(m.ExcludedNamespaces)
		}
	}
	return v
}

// exclusionParam pairs an initiative exclusion with the parameter it sets.
type exclusionParam struct{ exclusion, param string }

func applyExclusions(res *Resolved, ex *Exclusions) []exclusionParam {
	var set []exclusionParam
	if ex.Images != nil && supports(res.Policy, "images") {
		res.Parameters[paramExcludedImages] = toAnyList(ex.Images)
		set = append(set, exclusionParam{"images", paramExcludedImages})
	}
	if ex.Containers != nil && supports(res.Policy, "containers") {
		res.Parameters[paramExcludedContainers] = toAnyList(ex.Containers)
		set = append(set, exclusionParam{"containers", paramExcludedContainers})
	}
	return set
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ResolveBuiltin resolves a built-in initiative by name.
func ResolveBuiltin(name string, cat *Catalog) (*Plan, error) {
	chain, err := builtinChain(name)
	if err != nil {
		return nil, err
	}
	return resolveChain(chain, cat, Options{})
}

func (r *Resolved) setPoint(point string, e rendered.Effect) {
	if r.Enforcement == nil {
		r.Enforcement = map[string]rendered.Effect{}
	}
	r.Enforcement[point] = e
}
