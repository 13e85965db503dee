package diff

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/rendered"
)

// exemption is an exemption as a rendered constraint records it.
type exemption struct {
	Namespaces []string
	Expires    string
	Owner      string
	Reason     string
}

// exemptionNote matches the start of each exemption in a constraint's
// edict.dev/exemptions annotation: "ns1,ns2 until 2027-03-31 (owner team): reason".
var exemptionNote = regexp.MustCompile(`(?:^|; )([^ ;]+) until (\d{4}-\d{2}-\d{2}) \(owner ([^)]*)\): `)

// exemptionsOf reads the exemptions applied to a reference from its constraint.
func exemptionsOf(out *rendered.Bundle, r rendered.Reference) []exemption {
	if out == nil {
		return nil
	}
	c, ok := out.Constraint(r.Ref)
	if !ok {
		return nil
	}
	note, _ := dig(c.Object, "metadata", "annotations", "edict.dev/exemptions").(string)
	if note == "" {
		return nil
	}
	idx := exemptionNote.FindAllStringSubmatchIndex(note, -1)
	var list []exemption
	for i, m := range idx {
		end := len(note)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		list = append(list, exemption{
			Namespaces: strings.Split(note[m[2]:m[3]], ","),
			Expires:    note[m[4]:m[5]],
			Owner:      note[m[6]:m[7]],
			Reason:     note[m[1]:end],
		})
	}
	return list
}

// withoutExempted removes the namespaces exemptions added from a match's
// excludedNamespaces, so that an exemption change is reported once, as such.
func withoutExempted(match map[string]any, ex []exemption) map[string]any {
	if len(ex) == 0 {
		return match
	}
	exempted := map[string]bool{}
	for _, e := range ex {
		for _, ns := range e.Namespaces {
			exempted[ns] = true
		}
	}
	out := map[string]any{}
	for k, v := range match {
		out[k] = v
	}
	list, _ := asList(match["excludedNamespaces"])
	var kept []any
	for _, v := range list {
		if s, _ := v.(string); !exempted[s] {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		delete(out, "excludedNamespaces")
	} else {
		out["excludedNamespaces"] = kept
	}
	return out
}

// today is when "expired" is judged; tests set it.
var today = func() string { return time.Now().UTC().Format("2006-01-02") }

func compareExemptions(ref string, old, new []exemption) []Change {
	key := func(e exemption) string { return e.Owner + "\x00" + e.Reason }
	oldBy := map[string]exemption{}
	for _, e := range old {
		oldBy[key(e)] = e
	}
	newBy := map[string]exemption{}
	for _, e := range new {
		newBy[key(e)] = e
	}
	keys := map[string]bool{}
	for k := range oldBy {
		keys[k] = true
	}
	for k := range newBy {
		keys[k] = true
	}
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		o, inOld := oldBy[k]
		n, inNew := newBy[k]
		field := "exemptions[owner " + firstNonEmpty(n.Owner, o.Owner) + "]"
		switch {
		case !inOld:
			out = append(out, Change{Kind: ExemptionChange, Ref: ref, Field: field, New: n.Namespaces, Direction: Loosening,
				Summary: fmt.Sprintf("exemption added: namespaces %s until %s, owner %s: %s", strings.Join(n.Namespaces, ", "), n.Expires, n.Owner, n.Reason)})
		case !inNew:
			what := "removed"
			if o.Expires <= today() {
				what = "expired"
			}
			out = append(out, Change{Kind: ExemptionChange, Ref: ref, Field: field, Old: o.Namespaces, Direction: Tightening,
				Summary: fmt.Sprintf("exemption %s: namespaces %s (was until %s, owner %s) are reached again", what, strings.Join(o.Namespaces, ", "), o.Expires, o.Owner)})
		default:
			added, removed := listDelta(toAny(o.Namespaces), toAny(n.Namespaces))
			if len(added)+len(removed) > 0 {
				c := Change{Kind: ExemptionChange, Ref: ref, Field: field, Added: added, Removed: removed,
					Direction: ListDirection("allowlist", len(added), len(removed))}
				if c.Direction == Loosening {
					c.Summary = "exemption widened: " + deltaText(added, removed)
				} else {
					c.Summary = "exemption narrowed: " + deltaText(added, removed)
				}
				out = append(out, c)
			}
			if o.Expires != n.Expires {
				c := Change{Kind: ExemptionChange, Ref: ref, Field: field + ".expires", Old: o.Expires, New: n.Expires, Direction: Loosening,
					Summary: fmt.Sprintf("exemption renewed: expires %s → %s", o.Expires, n.Expires)}
				if n.Expires < o.Expires {
					c.Direction = Tightening
					c.Summary = fmt.Sprintf("exemption shortened: expires %s → %s", o.Expires, n.Expires)
				}
				out = append(out, c)
			}
		}
	}
	return out
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// template is what diff reads from a rendered ConstraintTemplate.
type template struct {
	schema  map[string]any
	sources []source // one per engine, in order
}

type source struct {
	engine string
	text   string // Rego with its libraries, or the engine's source as YAML
}

func templatesOf(out *rendered.Bundle) map[string]template {
	m := map[string]template{}
	if out == nil {
		return m
	}
	for _, t := range out.Templates {
		m[t.Name()] = readTemplate(t.Object)
	}
	return m
}

func readTemplate(obj map[string]any) template {
	var t template
	t.schema, _ = dig(obj, "spec", "crd", "spec", "validation", "openAPIV3Schema").(map[string]any)
	targets, _ := dig(obj, "spec", "targets").([]any)
	for _, tg := range targets {
		tm, _ := tg.(map[string]any)
		if rego, _ := tm["rego"].(string); rego != "" {
			t.sources = append(t.sources, source{engine: "Rego", text: regoText(rego, tm["libs"])})
		}
		code, _ := tm["code"].([]any)
		for _, c := range code {
			cm, _ := c.(map[string]any)
			engine, _ := cm["engine"].(string)
			src, _ := cm["source"].(map[string]any)
			if rego, ok := src["rego"].(string); ok {
				t.sources = append(t.sources, source{engine: engine, text: regoText(rego, src["libs"])})
				continue
			}
			y, _ := yaml.Marshal(src)
			t.sources = append(t.sources, source{engine: engine, text: string(y)})
		}
	}
	return t
}

func regoText(rego string, libs any) string {
	var b strings.Builder
	b.WriteString(rego)
	list, _ := libs.([]any)
	for i, l := range list {
		s, _ := l.(string)
		fmt.Fprintf(&b, "\n# --- library %d ---\n%s", i+1, s)
	}
	return b.String()
}

func parameterSchemaOf(out *rendered.Bundle, name string) map[string]any {
	return templatesOf(out)[name].schema
}

func compareTemplates(old, new *rendered.Bundle, newRefs map[string]rendered.Reference) []Change {
	if old == nil || new == nil {
		return nil
	}
	ot, nt := templatesOf(old), templatesOf(new)
	users := map[string][]string{}
	for _, r := range newRefs {
		users[r.Template] = append(users[r.Template], r.Ref)
	}
	var out []Change
	for _, name := range slices.Sorted(maps.Keys(nt)) {
		o, ok := ot[name]
		if !ok {
			continue // a new reference's template; reported with the reference
		}
		n := nt[name]
		refs := users[name]
		sort.Strings(refs)
		bump := BumpPatch
		for _, ref := range refs {
			if b := bumpFor(Unknown, newRefs[ref].Effect); b.rank() > bump.rank() {
				bump = b
			}
		}
		usedBy := ""
		if len(refs) > 0 {
			usedBy = " (used by " + strings.Join(refs, ", ") + ")"
		}
		for i := 0; i < max(len(o.sources), len(n.sources)); i++ {
			var os, ns source
			if i < len(o.sources) {
				os = o.sources[i]
			}
			if i < len(n.sources) {
				ns = n.sources[i]
			}
			if os == ns {
				continue
			}
			engine := firstNonEmpty(ns.engine, os.engine)
			ud, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
				A: difflib.SplitLines(os.text), B: difflib.SplitLines(ns.text),
				FromFile: "old/" + name + "." + strings.ToLower(engine), ToFile: "new/" + name + "." + strings.ToLower(engine), Context: 3,
			})
			out = append(out, Change{Kind: TemplateSource, Template: name, Field: engine, Direction: Unknown, Bump: bump,
				Summary: fmt.Sprintf("template %s: %s source changed%s", name, engine, usedBy), Diff: ud})
		}
		if !jsonEqual(stripAnnotations(o.schema), stripAnnotations(n.schema)) {
			out = append(out, Change{Kind: TemplateSchema, Template: name, Field: "openAPIV3Schema", Direction: Unknown, Bump: bump,
				Summary: fmt.Sprintf("template %s: parameter schema changed: %s%s", name, schemaDelta(o.schema, n.schema), usedBy)})
		}
	}
	return out
}

// stripAnnotations drops edict's x-edict-* schema annotations, which say
// how to read a parameter but validate nothing.
func stripAnnotations(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if !strings.HasPrefix(k, "x-edict-") {
				out[k] = stripAnnotations(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = stripAnnotations(x)
		}
		return out
	}
	return v
}

// schemaDelta names the parameters a schema change added, removed or changed.
func schemaDelta(o, n map[string]any) string {
	op, _ := o["properties"].(map[string]any)
	np, _ := n["properties"].(map[string]any)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(np)) {
		if _, ok := op[k]; !ok {
			parts = append(parts, "added "+k)
		} else if !jsonEqual(stripAnnotations(op[k]), stripAnnotations(np[k])) {
			parts = append(parts, "changed "+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(op)) {
		if _, ok := np[k]; !ok {
			parts = append(parts, "removed "+k)
		}
	}
	if len(parts) == 0 {
		return "top-level settings"
	}
	return strings.Join(parts, ", ")
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// versionBump is the increment from old to new: major, minor, patch or
// none (also when either is not MAJOR.MINOR.PATCH or new is not greater).
func versionBump(old, new string) Bump {
	o, okO := semver(old)
	n, okN := semver(new)
	if !okO || !okN {
		return BumpNone
	}
	switch {
	case n[0] > o[0]:
		return BumpMajor
	case n[0] == o[0] && n[1] > o[1]:
		return BumpMinor
	case n[0] == o[0] && n[1] == o[1] && n[2] > o[2]:
		return BumpPatch
	}
	return BumpNone
}

// nextVersion is old incremented by b.
func nextVersion(old string, b Bump) string {
	v, ok := semver(old)
	if !ok {
		return "a valid MAJOR.MINOR.PATCH"
	}
	switch b {
	case BumpMajor:
		v = [3]int{v[0] + 1, 0, 0}
	case BumpMinor:
		v = [3]int{v[0], v[1] + 1, 0}
	case BumpPatch:
		v = [3]int{v[0], v[1], v[2] + 1}
	}
	return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
}

func semver(s string) ([3]int, bool) {
	var v [3]int
	core, _, _ := strings.Cut(strings.TrimPrefix(s, "v"), "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}
