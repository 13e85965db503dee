package audit

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

// ReportKind and ReportAPIVersion identify the JSON report.
const (
	ReportAPIVersion = "edict.dev/v1alpha1"
	ReportKind       = "AuditReport"
)

// Report is everything an audit found, in input order; it holds results,
// never the objects themselves.
type Report struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Policy     []BundleInfo `json:"policy"`
	Baseline   []BundleInfo `json:"baseline,omitempty"`
	Summary    Summary      `json:"summary"`
	Results    []Result     `json:"results"`
	// Fixed are baseline violations that are gone.
	Fixed   []Result       `json:"fixed,omitempty"`
	Skipped []Skipped      `json:"skipped,omitempty"`
	Errors  []InputProblem `json:"errors,omitempty"`
}

// BundleInfo names an audited bundle.
type BundleInfo struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Origin  string `json:"origin"`
	Digest  string `json:"digest,omitempty"`
}

// Skipped is an object that could not be reviewed.
type Skipped struct {
	Source resources.Source `json:"source"`
	Object *Object          `json:"object,omitempty"`
	Reason string           `json:"reason"`
}

// InputProblem is an input that could not be read (invalid YAML, unreadable file).
type InputProblem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Msg    string `json:"msg"`
}

func (p InputProblem) String() string {
	return (&resources.Error{File: p.File, Line: p.Line, Column: p.Column, Msg: p.Msg}).Error()
}

// Counts counts results by enforcement action.
type Counts struct {
	Deny   int `json:"deny"`
	Warn   int `json:"warn"`
	Dryrun int `json:"dryrun"`
	Total  int `json:"total"`
}

func (c *Counts) add(action string) {
	switch action {
	case "deny":
		c.Deny++
	case "warn":
		c.Warn++
	case "dryrun":
		c.Dryrun++
	}
	c.Total++
}

// Summary aggregates a report.
type Summary struct {
	// Objects reviewed; Violating of them have at least one result.
	Objects   int `json:"objects"`
	Violating int `json:"violating"`
	Skipped   int `json:"skipped"`
	Errors    int `json:"errors"`
	// Results by action; with a baseline, New, Unchanged and Fixed too.
	Results   Counts  `json:"results"`
	New       *Counts `json:"new,omitempty"`
	Unchanged *Counts `json:"unchanged,omitempty"`
	Fixed     *Counts `json:"fixed,omitempty"`
	// NewObjects counts objects with at least one new result, and
	// NewNamespaces the namespaces they are in.
	NewObjects    int                `json:"newObjects,omitempty"`
	NewNamespaces int                `json:"newNamespaces,omitempty"`
	ByPolicy      []PolicySummary    `json:"byPolicy"`
	ByNamespace   []NamespaceSummary `json:"byNamespace"`
}

// PolicySummary counts the results of one reference.
type PolicySummary struct {
	Bundle    string  `json:"bundle"`
	Reference string  `json:"reference"`
	Policy    string  `json:"policy"`
	Results   Counts  `json:"results"`
	New       *Counts `json:"new,omitempty"`
	Fixed     int     `json:"fixed,omitempty"`
}

// NamespaceSummary counts the results in one namespace ("" for
// cluster-scoped objects).
type NamespaceSummary struct {
	Namespace string  `json:"namespace"`
	Results   Counts  `json:"results"`
	New       *Counts `json:"new,omitempty"`
}

// Collector builds a Report from entries.
type Collector struct {
	r           Report
	hasBaseline bool
	byPolicy    map[string]*PolicySummary
	byNamespace map[string]*NamespaceSummary
	newNS       map[string]bool
}

// NewCollector starts a report on policy (and baseline, when given).
func NewCollector(policy, baseline []*source.Bundle) *Collector {
	c := &Collector{
		r:           Report{APIVersion: ReportAPIVersion, Kind: ReportKind, Policy: infos(policy), Results: []Result{}},
		hasBaseline: baseline != nil,
		byPolicy:    map[string]*PolicySummary{},
		byNamespace: map[string]*NamespaceSummary{},
		newNS:       map[string]bool{},
	}
	if baseline != nil {
		c.r.Baseline = infos(baseline)
		c.r.Summary.New, c.r.Summary.Unchanged, c.r.Summary.Fixed = &Counts{}, &Counts{}, &Counts{}
	}
	return c
}

func infos(bs []*source.Bundle) []BundleInfo {
	out := make([]BundleInfo, 0, len(bs))
	for _, b := range bs {
		out = append(out, BundleInfo{Name: b.Output.Name, Version: b.Output.Version, Origin: b.Origin, Digest: b.Digest})
	}
	return out
}

// Add records one entry.
func (c *Collector) Add(e *Entry) error {
	s := &c.r.Summary
	switch {
	case e.Err != nil:
		s.Errors++
		var re *resources.Error
		if errors.As(e.Err, &re) {
			c.r.Errors = append(c.r.Errors, InputProblem{File: re.File, Line: re.Line, Column: re.Column, Msg: re.Msg})
		} else {
			c.r.Errors = append(c.r.Errors, InputProblem{File: e.Source.File, Line: e.Source.Line, Msg: e.Err.Error()})
		}
		return nil
	case e.Skip != "":
		s.Skipped++
		c.r.Skipped = append(c.r.Skipped, Skipped{Source: e.Source, Object: e.Object, Reason: e.Skip})
		return nil
	}
	s.Objects++
	if len(e.Results) > 0 {
		s.Violating++
	}
	isNew := false
	for _, r := range e.Results {
		s.Results.add(r.EnforcementAction)
		ps := c.policy(r)
		ps.Results.add(r.EnforcementAction)
		ns := c.namespace(r.Object.Namespace)
		ns.Results.add(r.EnforcementAction)
		switch r.Status {
		case StatusNew:
			isNew = true
			s.New.add(r.EnforcementAction)
			ps.New.add(r.EnforcementAction)
			ns.New.add(r.EnforcementAction)
		case StatusUnchanged:
			s.Unchanged.add(r.EnforcementAction)
		}
	}
	if isNew {
		s.NewObjects++
		c.newNS[e.Object.Namespace] = true
	}
	for _, r := range e.Fixed {
		s.Fixed.add(r.EnforcementAction)
		c.policy(r).Fixed++
	}
	c.r.Results = append(c.r.Results, e.Results...)
	c.r.Fixed = append(c.r.Fixed, e.Fixed...)
	return nil
}

func (c *Collector) policy(r Result) *PolicySummary {
	k := r.Bundle + "\x00" + r.Reference.Reference + "\x00" + r.Constraint
	ps, ok := c.byPolicy[k]
	if !ok {
		ps = &PolicySummary{Bundle: r.Bundle, Reference: r.Reference.Reference, Policy: r.Policy}
		if ps.Reference == "" {
			ps.Reference = r.Constraint
		}
		if c.hasBaseline {
			ps.New = &Counts{}
		}
		c.byPolicy[k] = ps
	}
	return ps
}

func (c *Collector) namespace(n string) *NamespaceSummary {
	ns, ok := c.byNamespace[n]
	if !ok {
		ns = &NamespaceSummary{Namespace: n}
		if c.hasBaseline {
			ns.New = &Counts{}
		}
		c.byNamespace[n] = ns
	}
	return ns
}

// Report finishes the summary and returns the report.
func (c *Collector) Report() *Report {
	s := &c.r.Summary
	s.ByPolicy = []PolicySummary{}
	for _, k := range slices.Sorted(maps.Keys(c.byPolicy)) {
		s.ByPolicy = append(s.ByPolicy, *c.byPolicy[k])
	}
	s.ByNamespace = []NamespaceSummary{}
	for _, k := range slices.Sorted(maps.Keys(c.byNamespace)) {
		s.ByNamespace = append(s.ByNamespace, *c.byNamespace[k])
	}
	s.NewNamespaces = len(c.newNS)
	return &c.r
}

// FailOn is the gate: which results fail the audit.
type FailOn string

// Gates of --fail-on.
const (
	FailOnDeny FailOn = "deny"
	FailOnWarn FailOn = "warn"
	FailOnAny  FailOn = "any"
	FailOnNone FailOn = "none"
)

// ParseFailOn checks a --fail-on value.
func ParseFailOn(s string) (FailOn, error) {
	switch f := FailOn(s); f {
	case FailOnDeny, FailOnWarn, FailOnAny, FailOnNone:
		return f, nil
	}
	return "", fmt.Errorf("--fail-on %q: expected deny, warn, any or none", s)
}

// Gate decides whether a report fails: any result at or above the FailOn
// level (deny; deny or warn; any action), or with OnlyNew only new results.
type Gate struct {
	FailOn  FailOn
	OnlyNew bool
}

// Check returns the number of results that trip the gate.
func (g Gate) Check(r *Report) int {
	c := r.Summary.Results
	if g.OnlyNew {
		if r.Summary.New == nil {
			return 0
		}
		c = *r.Summary.New
	}
	switch g.FailOn {
	case FailOnDeny:
		return c.Deny
	case FailOnWarn:
		return c.Deny + c.Warn
	case FailOnAny:
		return c.Total
	}
	return 0
}

// SortResults orders results for people: new first, then by action
// strength, keeping input order otherwise.
func SortResults(rs []Result) []Result {
	out := append([]Result{}, rs...)
	sort.SliceStable(out, func(i, j int) bool {
		ni, nj := out[i].Status == StatusNew, out[j].Status == StatusNew
		if ni != nj {
			return ni
		}
		return rendered.ActionRank(out[i].EnforcementAction) > rendered.ActionRank(out[j].EnforcementAction)
	})
	return out
}
