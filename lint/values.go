package lint

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/edict-policy/edict/compile"
)

// allowAll names, per parameter format, the item that admits everything.
var allowAll = map[string][]string{
	"capability":        {"*", "ALL"},
	"sysctl-pattern":    {"*"},
	"volume-type":       {"*"},
	"seccomp-profile":   {"*"},
	"apparmor-profile":  {"*"},
	"namespace-pattern": {"*"},
	"absolute-path":     {"/"},
}

// fieldPath is the path in the initiative file of a setting of field
// ("match.x" or "parameters.x") made at origin o for reference ref.
func fieldPath(o compile.Origin, ref, field string) []string {
	group, name, _ := strings.Cut(field, ".")
	switch o.Kind {
	case compile.FromReference:
		return []string{"spec", "policies", ref, group, name}
	case compile.FromDefaults:
		if group == "match" {
			return []string{"spec", "defaults", "match", name}
		}
		switch name {
		case "excludedImages":
			return []string{"spec", "defaults", "exclusions", "images"}
		case "excludedContainers":
			return []string{"spec", "defaults", "exclusions", "containers"}
		}
	}
	return nil
}

// itemAt is the position of item path sub of a setting, when the setting
// is in an initiative of the chain; otherwise the setting's own position.
func (l *linter) itemAt(o compile.Origin, ref, field string, sub ...string) compile.Origin {
	lv := l.level(o)
	p := fieldPath(o, ref, field)
	if lv < 0 || p == nil {
		return o
	}
	out := o
	out.Line, out.Column = l.plan.Chain[lv].Locate(append(p, sub...)...)
	return out
}

func list(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out, true
	case nil:
		return nil, true
	}
	return nil, false
}

func schemaProps(s map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	props, _ := s["properties"].(map[string]any)
	for k, v := range props {
		if m, ok := v.(map[string]any); ok {
			out[k] = m
		}
	}
	return out
}

func (l *linter) allowlists(r *compile.Resolved) {
	if r.Effect == "disabled" {
		return
	}
	props := schemaProps(compile.ParameterSchema(r.Policy))
	for _, k := range slices.Sorted(maps.Keys(props)) {
		ps := props[k]
		if ps[compile.DirectionKey] != "allowlist" || ps["type"] != "array" {
			continue
		}
		items, _ := ps["items"].(map[string]any)
		vals, ok := list(r.Parameters[k])
		if !ok || items == nil {
			continue
		}
		field := "parameters." + k
		set, _ := effective(r, field)
		if format, _ := items["format"].(string); format == "image-prefix" && len(vals) == 0 && r.Effect == "deny" {
			eff, _ := effective(r, "effect")
			l.add(AllowlistEmpty, l.decisive(set.Origin, eff.Origin), r.Ref,
				fmt.Sprintf("%s is empty under effect deny: every Pod has an image, so every Pod in reach is denied", k),
				"list the allowed image prefixes, or use effect audit until the list is complete")
		}
		l.wildcards(r, k, set, items, vals)
	}
	l.mustRunAs(r, props)
}

// mustRunAs finds the ID rules of Pod Security Policy's shape (runAsUserRule:
// MustRunAs beside runAsUserRanges) whose ranges are empty: MustRunAs
// requires an ID within the ranges, and none is, so every Pod is denied.
func (l *linter) mustRunAs(r *compile.Resolved, props map[string]map[string]any) {
	if r.Effect != "deny" {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		base, ok := strings.CutSuffix(k, "Rule")
		if !ok || r.Parameters[k] != "MustRunAs" {
			continue
		}
		rangesKey := base + "Ranges"
		if _, has := props[rangesKey]; !has {
			continue
		}
		if vals, ok := list(r.Parameters[rangesKey]); !ok || len(vals) > 0 {
			continue
		}
		rule, _ := effective(r, "parameters."+k)
		ranges, _ := effective(r, "parameters."+rangesKey)
		eff, _ := effective(r, "effect")
		l.add(AllowlistEmpty, l.decisive(rule.Origin, ranges.Origin, eff.Origin), r.Ref,
			fmt.Sprintf("%s MustRunAs with no %s under effect deny: an ID in the ranges is required and none is allowed, so every Pod in reach is denied", k, rangesKey),
			fmt.Sprintf("list the allowed %s, or use MustRunAsNonRoot or RunAsAny", rangesKey))
	}
}

// wildcards reports the first item of an allow-list that admits
// everything, in the list itself or in a field of its objects.
func (l *linter) wildcards(r *compile.Resolved, k string, set compile.Setting, items map[string]any, vals []any) {
	field := "parameters." + k
	report := func(i int, sub []string, v string) {
		at := l.itemAt(set.Origin, r.Ref, field, append([]string{fmt.Sprint(i)}, sub...)...)
		what := k
		if len(sub) > 0 {
			what = k + "[]." + sub[0]
		}
		l.add(AllowlistAllowsAll, at, r.Ref,
			fmt.Sprintf("%s contains %q, which admits everything: policy %s checks nothing", what, v, r.Policy.Metadata.Name),
			"list what is needed, or set effect: disabled so the control is visibly off")
	}
	format, _ := items["format"].(string)
	for i, v := range vals {
		if s, ok := v.(string); ok && slices.Contains(allowAll[format], s) {
			report(i, nil, s)
			return
		}
		obj, _ := v.(map[string]any)
		ip := schemaProps(items)
		for _, p := range slices.Sorted(maps.Keys(ip)) {
			f, _ := ip[p]["format"].(string)
			if s, ok := obj[p].(string); ok && slices.Contains(allowAll[f], s) {
				report(i, []string{p}, s)
				return
			}
		}
	}
}

func (l *linter) exclusions(r *compile.Resolved) {
	if r.Effect == "disabled" {
		return
	}
	for _, c := range []struct{ field, why string }{
		{"match.excludedNamespaces", "the reference reaches no namespace"},
		{"parameters.excludedImages", "every container is excluded"},
	} {
		set, ok := effective(r, c.field)
		if !ok {
			continue
		}
		for i, v := range stringList(set.Value) {
			if v != "*" {
				continue
			}
			_, name, _ := strings.Cut(c.field, ".")
			l.add(ExclusionMatchesAll, l.itemAt(set.Origin, r.Ref, c.field, fmt.Sprint(i)), r.Ref,
				fmt.Sprintf("%s contains \"*\": %s, so the control is off", name, c.why),
				"name what to exclude, or set effect: disabled so the control is visibly off")
			break
		}
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// rangePairs finds the properties that bound a range: min and max, or
// minX and maxX.
func rangePairs(props map[string]map[string]any) [][2]string {
	var out [][2]string
	for _, k := range slices.Sorted(maps.Keys(props)) {
		rest, ok := strings.CutPrefix(k, "min")
		if !ok {
			continue
		}
		if _, has := props["max"+rest]; has {
			out = append(out, [2]string{k, "max" + rest})
		}
	}
	return out
}

func (l *linter) ranges(r *compile.Resolved) {
	props := schemaProps(compile.ParameterSchema(r.Policy))
	for _, pair := range rangePairs(props) {
		lo, ok1 := number(r.Parameters[pair[0]])
		hi, ok2 := number(r.Parameters[pair[1]])
		if !ok1 || !ok2 || lo <= hi {
			continue
		}
		a, _ := effective(r, "parameters."+pair[0])
		b, _ := effective(r, "parameters."+pair[1])
		at, field := l.decisive(b.Origin, a.Origin), pair[1]
		if at != b.Origin {
			field = pair[0]
		}
		l.add(RangeInverted, l.itemAt(at, r.Ref, "parameters."+field), r.Ref,
			fmt.Sprintf("%s %v is above %s %v: the range admits nothing", pair[0], lo, pair[1], hi),
			"swap the two values")
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		items, _ := props[k]["items"].(map[string]any)
		pairs := rangePairs(schemaProps(items))
		vals, _ := list(r.Parameters[k])
		if len(pairs) == 0 || len(vals) == 0 {
			continue
		}
		set, _ := effective(r, "parameters."+k)
		for i, v := range vals {
			obj, _ := v.(map[string]any)
			for _, pair := range pairs {
				lo, ok1 := number(obj[pair[0]])
				hi, ok2 := number(obj[pair[1]])
				if ok1 && ok2 && lo > hi {
					l.add(RangeInverted, l.itemAt(set.Origin, r.Ref, "parameters."+k, fmt.Sprint(i)), r.Ref,
						fmt.Sprintf("%s[%d]: %s %v is above %s %v: the range admits nothing", k, i, pair[0], lo, pair[1], hi),
						"swap the two values")
				}
			}
		}
	}
}

func (l *linter) exemptions() {
	for _, in := range l.plan.Chain {
		for i, ex := range in.Spec.Exemptions {
			base := []string{"spec", "exemptions", fmt.Sprint(i)}
			at := func(field ...string) compile.Origin {
				line, col := in.Locate(append(slices.Clone(base), field...)...)
				return compile.Origin{Kind: compile.FromExemption, Initiative: in.Metadata.Name, File: in.File, Line: line, Column: col}
			}
			for j, ns := range ex.Namespaces {
				if ns != "*" {
					continue
				}
				for _, ref := range ex.Policies {
					l.add(ExemptionAllNamespaces, at("namespaces", fmt.Sprint(j)), ref,
						"the exemption covers every namespace (\"*\"): the control is off everywhere",
						"name the namespaces that need it, or disable the reference")
				}
			}
			expires, err := time.Parse("2006-01-02", ex.Expires)
			if err != nil || expires.Sub(l.now) <= maxExemption {
				continue
			}
			for _, ref := range ex.Policies {
				l.add(ExemptionLongLived, at("expires"), ref,
					fmt.Sprintf("the exemption expires on %s, more than a year away: exemptions are time-boxed so that someone reviews them", ex.Expires),
					"set expires within a year and renew it when it comes due")
			}
		}
	}
}
