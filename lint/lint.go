package lint

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
)

// Options tune a lint run.
type Options struct {
	// Now is the time exemptions are measured from; zero means the wall clock.
	Now time.Time
}

// Finding is one rule firing at one setting.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Initiative is the initiative linted (the leaf of its extends chain).
	Initiative string `json:"initiative"`
	// File, Line and Column locate the setting that decides the finding,
	// which may be in a parent initiative or a policy's defaults.
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// References are the initiative's references the finding is about;
	// empty for findings about the initiative as a whole.
	References []string `json:"references,omitempty"`
	Message    string   `json:"message"`
	Hint       string   `json:"hint,omitempty"`
	// Acknowledged is the acknowledgement that accepts the finding, if any.
	Acknowledged *Acknowledgement `json:"acknowledged,omitempty"`

	// level is the extends-chain index of the initiative whose setting
	// decides the finding (-1 for a policy's or edict's own default); an
	// acknowledgement covers findings at its own level or above.
	level int
}

// Acknowledgement is where and why a finding was accepted.
type Acknowledgement struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// Position is file:line:column, or as much of it as is known.
func (f Finding) Position() string {
	return compile.Origin{File: f.File, Line: f.Line, Column: f.Column}.Position()
}

func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s: ", f.Position(), f.Severity, f.Rule)
	if len(f.References) > 0 {
		fmt.Fprintf(&b, "%s: ", strings.Join(f.References, ", "))
	}
	b.WriteString(f.Message)
	if f.Hint != "" {
		fmt.Fprintf(&b, " (%s)", f.Hint)
	}
	return b.String()
}

// Check lints one resolved initiative. Findings are sorted by position and
// rule; acknowledged ones carry their acknowledgement. An acknowledgement
// naming a reference the initiative does not have is an input error.
func Check(plan *compile.Plan, opts Options) ([]Finding, error) {
	l := newLinter(plan, opts)
	if err := l.checkAcknowledgements(); err != nil {
		return nil, err
	}
	for _, r := range plan.Refs {
		l.systemNamespaces(r)
		l.allowlists(r)
		l.exclusions(r)
		l.controlDisabled(r)
		l.ranges(r)
	}
	l.exemptions()
	l.acknowledge()
	out := l.findings()
	slices.SortStableFunc(out, compareFindings)
	return out, nil
}

// Unacknowledged returns the findings no acknowledgement accepts.
func Unacknowledged(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Acknowledged == nil {
			out = append(out, f)
		}
	}
	return out
}

func compareFindings(a, b Finding) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	if a.Column != b.Column {
		return a.Column - b.Column
	}
	if c := strings.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

type linter struct {
	plan   *compile.Plan
	now    time.Time
	levels map[string]int // initiative file -> index in the chain
	// grouped merges one setting's findings across references: a child's
	// defaults reach every reference, and one line deserves one finding.
	grouped map[string]*Finding
	order   []string
}

func newLinter(plan *compile.Plan, opts Options) *linter {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	l := &linter{plan: plan, now: now.UTC(), levels: map[string]int{}, grouped: map[string]*Finding{}}
	for i, in := range plan.Chain {
		l.levels[in.File] = i
	}
	return l
}

// level is the chain index of the initiative an origin is in.
func (l *linter) level(o compile.Origin) int {
	switch o.Kind {
	case compile.FromDefaults, compile.FromReference, compile.FromExemption:
		if i, ok := l.levels[o.File]; ok {
			return i
		}
	}
	return -1
}

// decisive is the origin closest to the linted initiative among the
// settings a finding depends on: that is where a change would be made.
// Ties go to the first.
func (l *linter) decisive(origins ...compile.Origin) compile.Origin {
	best, bestLevel := compile.Origin{}, -2
	for _, o := range origins {
		if o.File == "" {
			continue
		}
		if lv := l.level(o); lv > bestLevel {
			best, bestLevel = o, lv
		}
	}
	return best
}

func (l *linter) add(rule string, at compile.Origin, ref, msg, hint string) {
	r, _ := Lookup(rule)
	key := strings.Join([]string{rule, at.Position(), msg, hint}, "\x00")
	f, ok := l.grouped[key]
	if !ok {
		f = &Finding{Rule: rule, Severity: r.Severity, Initiative: l.plan.Initiative.Metadata.Name,
			File: at.File, Line: at.Line, Column: at.Column, Message: msg, Hint: hint, level: l.level(at)}
		l.grouped[key] = f
		l.order = append(l.order, key)
	}
	if ref != "" && !slices.Contains(f.References, ref) {
		f.References = append(f.References, ref)
		slices.Sort(f.References)
	}
}

func (l *linter) findings() []Finding {
	out := make([]Finding, 0, len(l.order))
	for _, k := range l.order {
		out = append(out, *l.grouped[k])
	}
	return out
}

// effective is the setting in effect for a field of a reference.
func effective(r *compile.Resolved, field string) (compile.Setting, bool) {
	return r.Provenance.Effective(field)
}

// inherited is the value a field had before the level that set it last:
// the last setting made at a lower chain level (a parent or the policy).
func (l *linter) inherited(r *compile.Resolved, field string) (last, before compile.Setting, ok bool) {
	s := r.Provenance.Fields[field]
	if len(s) < 2 {
		return compile.Setting{}, compile.Setting{}, false
	}
	last = s[len(s)-1]
	lv := l.level(last.Origin)
	for i := len(s) - 2; i >= 0; i-- {
		if l.level(s[i].Origin) < lv {
			return last, s[i], true
		}
	}
	return compile.Setting{}, compile.Setting{}, false
}

// describeOrigin names where a setting was made, for messages.
func describeOrigin(o compile.Origin) string {
	switch o.Kind {
	case compile.FromPolicy:
		return fmt.Sprintf("policy %s (%s)", o.Policy, o.Position())
	case compile.FromEdict:
		return "edict's default"
	}
	return fmt.Sprintf("initiative %s (%s)", o.Initiative, o.Position())
}

func stringList(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// matchesNamespace applies Gatekeeper's namespace wildcards: a leading
// and/or trailing * (prefix-*, *-suffix, *contains*), or * alone.
func matchesNamespace(pattern, ns string) bool {
	lead, trail := strings.HasPrefix(pattern, "*"), strings.HasSuffix(pattern, "*")
	core := strings.TrimSuffix(strings.TrimPrefix(pattern, "*"), "*")
	switch {
	case pattern == "*":
		return true
	case lead && trail:
		return strings.Contains(ns, core)
	case lead:
		return strings.HasSuffix(ns, core)
	case trail:
		return strings.HasPrefix(ns, core)
	}
	return pattern == ns
}

func covers(patterns []string, ns string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return matchesNamespace(p, ns) })
}

// reached lists the system namespaces a reference's match reaches.
func reached(r *compile.Resolved) []string {
	m := r.Match
	if m.Scope == "Cluster" || m.NamespaceSelector != nil {
		return nil
	}
	var out []string
	for _, ns := range SystemNamespaces {
		if covers(m.ExcludedNamespaces, ns) {
			continue
		}
		if len(m.Namespaces) > 0 && !covers(m.Namespaces, ns) {
			continue
		}
		out = append(out, ns)
	}
	return out
}

func (l *linter) systemNamespaces(r *compile.Resolved) {
	if r.Effect == "disabled" {
		return
	}
	reach := reached(r)
	dropped := false
	if last, before, ok := l.inherited(r, "match.excludedNamespaces"); ok {
		var lost []string
		prev := stringList(before.Value)
		for _, ns := range reach {
			if covers(prev, ns) {
				lost = append(lost, ns)
			}
		}
		if len(lost) > 0 {
			dropped = true
			fixed := slices.Clone(stringList(last.Value))
			for _, ns := range lost {
				if !slices.Contains(fixed, ns) {
					fixed = append(fixed, ns)
				}
			}
			l.add(SystemNamespaceDropped, last.Origin, r.Ref,
				fmt.Sprintf("excludedNamespaces replaces the list set by %s and no longer excludes %s; a list replaces its parent's whole list", describeOrigin(before.Origin), strings.Join(lost, ", ")),
				fmt.Sprintf("excludedNamespaces: [%s]", strings.Join(fixed, ", ")))
		}
	}
	if r.Effect != "deny" || len(reach) == 0 || dropped {
		return
	}
	// On a tie the namespace lists win: an empty excludedNamespaces is the
	// line to fix, not the effect beside it.
	var origins []compile.Origin
	if s, ok := effective(r, "match.excludedNamespaces"); ok {
		origins = append(origins, s.Origin)
	}
	if s, ok := effective(r, "match.namespaces"); ok {
		origins = append(origins, s.Origin)
	}
	eff, _ := effective(r, "effect")
	origins = append(origins, eff.Origin)
	l.add(SystemNamespaceEnforced, l.decisive(origins...), r.Ref,
		fmt.Sprintf("effect deny reaches %s: denying system Pods can keep the cluster or Gatekeeper from recovering", strings.Join(reach, ", ")),
		"exclude them in match.excludedNamespaces (defaults.match for every reference)")
}

func (l *linter) controlDisabled(r *compile.Resolved) {
	if r.Effect != "disabled" {
		return
	}
	// Disabling a reference the same initiative declares is a choice made
	// in one place; disabling one a parent declared switches its control off.
	last, before, ok := l.inherited(r, "effect")
	if !ok || l.level(r.Provenance.Declared) >= l.level(last.Origin) || before.Value == "disabled" {
		return
	}
	l.add(ControlDisabled, last.Origin, r.Ref,
		fmt.Sprintf("disabled here, though initiative %s declares it with effect %v: no constraint is rendered", r.Provenance.Declared.Initiative, before.Value),
		"acknowledge control-disabled with the reason if this is meant")
}

// checkAcknowledgements rejects acknowledgements of unknown rules or
// references. The schema already limits rule ids; this keeps a plan built
// by other means honest too.
func (l *linter) checkAcknowledgements() error {
	refs := make([]string, 0, len(l.plan.Refs))
	for _, r := range l.plan.Refs {
		refs = append(refs, r.Ref)
	}
	var errs input.ErrorList
	for _, in := range l.plan.Chain {
		for i, a := range in.Spec.Acknowledgements {
			base := []string{"spec", "acknowledgements", fmt.Sprint(i)}
			if r, ok := Lookup(a.Rule); !ok || !r.Acknowledgeable {
				line, col := in.Locate(append(base, "rule")...)
				errs = append(errs, &input.Error{File: in.File, Line: line, Column: col, Field: strings.Join(append(base, "rule"), "."),
					Msg: fmt.Sprintf("%s is not a rule that can be acknowledged", input.Excerpt(a.Rule)), Hint: suggestOr(a.Rule, AcknowledgeableIDs())})
			}
			for j, ref := range a.References {
				if !slices.Contains(refs, ref) {
					f := append(base, "references", fmt.Sprint(j))
					line, col := in.Locate(f...)
					errs = append(errs, &input.Error{File: in.File, Line: line, Column: col, Field: strings.Join(f, "."),
						Msg: fmt.Sprintf("acknowledgement names unknown reference %q", ref), Hint: suggestOr(ref, refs)})
				}
			}
		}
	}
	return errs.Err()
}

func suggestOr(name string, options []string) string {
	if s := input.Suggest(name, options); s != "" {
		return s
	}
	return "expected one of: " + strings.Join(options, ", ")
}

// acknowledge marks the findings that acknowledgements accept, splitting a
// finding whose references are only partly covered, and reports the leaf
// initiative's acknowledgements that accept nothing.
func (l *linter) acknowledge() {
	used := map[[2]int]bool{}
	var next []string
	grouped := map[string]*Finding{}
	for _, key := range l.order {
		f := l.grouped[key]
		rest := *f
		for lv := len(l.plan.Chain) - 1; lv >= 0 && lv >= f.level; lv-- {
			in := l.plan.Chain[lv]
			for i, a := range in.Spec.Acknowledgements {
				if a.Rule != f.Rule || rest.Acknowledged != nil {
					continue
				}
				covered, uncovered := split(rest.References, a.References)
				if len(a.References) > 0 && len(covered) == 0 {
					continue
				}
				used[[2]int{lv, i}] = true
				line, col := in.Locate("spec", "acknowledgements", fmt.Sprint(i))
				ack := &Acknowledgement{File: in.File, Line: line, Column: col, Reason: a.Reason}
				if len(a.References) == 0 || len(uncovered) == 0 {
					rest.Acknowledged = ack
					continue
				}
				done := rest
				done.References, done.Acknowledged = covered, ack
				k := key + "\x00ack" + fmt.Sprint(lv, i)
				grouped[k] = &done
				next = append(next, k)
				rest.References = uncovered
			}
		}
		grouped[key] = &rest
		next = append(next, key)
	}
	l.grouped, l.order = grouped, next
	leaf := len(l.plan.Chain) - 1
	in := l.plan.Chain[leaf]
	for i, a := range in.Spec.Acknowledgements {
		if used[[2]int{leaf, i}] {
			continue
		}
		line, col := in.Locate("spec", "acknowledgements", fmt.Sprint(i))
		at := compile.Origin{Kind: compile.FromReference, Initiative: in.Metadata.Name, File: in.File, Line: line, Column: col}
		l.add(AcknowledgementUnused, at, "", fmt.Sprintf("acknowledgement of %s matches no finding", a.Rule), "remove it, or it will accept the next such finding unseen")
	}
}

// split partitions refs into those an acknowledgement's list names and the
// rest; an empty list names every reference.
func split(refs, named []string) (covered, uncovered []string) {
	if len(named) == 0 {
		return refs, nil
	}
	for _, r := range refs {
		if slices.Contains(named, r) {
			covered = append(covered, r)
		} else {
			uncovered = append(uncovered, r)
		}
	}
	return covered, uncovered
}
