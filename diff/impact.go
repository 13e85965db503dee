package diff

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/edict-policy/edict/audit"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/resources"
	policysource "github.com/edict-policy/edict/source"
)

// DefaultImpactLimit is how many objects an impact list names by default;
// the counts are always complete.
const DefaultImpactLimit = 20

// Objects is a set of objects: how many, and the first Limit of them in
// input order, each as "Kind namespace/name (file:line)".
type Objects struct {
	Count   int      `json:"count"`
	Objects []string `json:"objects"`
}

func (o *Objects) add(limit int, name string) *Objects {
	if o == nil {
		o = &Objects{Objects: []string{}}
	}
	o.Count++
	if len(o.Objects) < limit {
		o.Objects = append(o.Objects, name)
	}
	return o
}

// Impact is the audit delta of one reference between OLD and NEW over the
// same resources: the objects whose strongest finding by the reference
// changed, listed under what NEW now does to them and what it no longer
// does (an object that goes from warned to denied is newly denied and no
// longer warned).
type Impact struct {
	Initiative      string   `json:"initiative"`
	Ref             string   `json:"ref"`
	NewlyDenied     *Objects `json:"newlyDenied,omitempty"`
	NewlyWarned     *Objects `json:"newlyWarned,omitempty"`
	NewlyAudited    *Objects `json:"newlyAudited,omitempty"`
	NoLongerDenied  *Objects `json:"noLongerDenied,omitempty"`
	NoLongerWarned  *Objects `json:"noLongerWarned,omitempty"`
	NoLongerAudited *Objects `json:"noLongerAudited,omitempty"`
}

type impactGroup struct {
	name    string
	objects *Objects
}

func (i Impact) groups() []impactGroup {
	return []impactGroup{
		{"newly denied", i.NewlyDenied},
		{"newly warned", i.NewlyWarned},
		{"newly audited", i.NewlyAudited},
		{"no longer denied", i.NoLongerDenied},
		{"no longer warned", i.NoLongerWarned},
		{"no longer audited", i.NoLongerAudited},
	}
}

// tightens reports whether NEW reports an object OLD admitted silently or
// reported more weakly.
func (i Impact) tightens() bool {
	return i.NewlyDenied != nil || i.NewlyWarned != nil || i.NewlyAudited != nil
}

// Against summarises the audit behind the impact.
type Against struct {
	Inputs []string `json:"inputs"`
	// Objects reviewed, Skipped objects that could not be, and Errors inputs
	// that could not be read (each with its file and line).
	Objects int      `json:"objects"`
	Skipped int      `json:"skipped"`
	Errors  []string `json:"errors,omitempty"`
}

// ImpactOptions tune AuditImpact.
type ImpactOptions struct {
	// Limit bounds each object list; 0 means DefaultImpactLimit.
	Limit int
	// Workers is the number of parallel reviews; 0 means GOMAXPROCS.
	Workers int
	// Inputs names the resources as given, for the report.
	Inputs []string
}

// AuditImpact reviews every object of in with Gatekeeper's engine against
// both sides, in one pass (standard input can be read once), and fills
// r.Impact and r.Against. References are paired by initiative name and
// reference id; when each side is a single bundle they pair whatever the
// initiative is called, as audit --baseline does.
func AuditImpact(ctx context.Context, r *Report, old, new []*policysource.Bundle, in *resources.Inputs, opts ImpactOptions) error {
	if opts.Limit <= 0 {
		opts.Limit = DefaultImpactLimit
	}
	newPolicy, err := audit.Load(ctx, new)
	if err != nil {
		return err
	}
	oldPolicy, err := audit.Load(ctx, old)
	if err != nil {
		return err
	}
	single := ""
	if len(old) == 1 && len(new) == 1 {
		single = new[0].Output.Name
	}
	type refKey struct{ initiative, ref string }
	keyOf := func(res audit.Result) refKey {
		ref := res.Reference.Reference
		if ref == "" {
			ref = res.Constraint
		}
		b := res.Bundle
		if single != "" {
			b = single
		}
		return refKey{b, ref}
	}
	impacts := map[refKey]*Impact{}
	r.Against = &Against{Inputs: append([]string{}, opts.Inputs...)}
	err = audit.Run(ctx, newPolicy, in, audit.Options{Baseline: oldPolicy, Workers: opts.Workers}, func(e *audit.Entry) error {
		switch {
		case e.Err != nil:
			r.Against.Errors = append(r.Against.Errors, e.Err.Error())
			return nil
		case e.Skip != "":
			r.Against.Skipped++
			return nil
		}
		r.Against.Objects++
		// The strongest action of each reference on this object, on each side.
		was, is := map[refKey]int{}, map[refKey]int{}
		stronger := func(m map[refKey]int, k refKey, action string) {
			if rank := rendered.ActionRank(action); rank > m[k] {
				m[k] = rank
			}
		}
		for _, res := range e.Results {
			k := keyOf(res)
			stronger(is, k, res.EnforcementAction)
			switch {
			case res.BaselineAction != "":
				stronger(was, k, res.BaselineAction)
			case res.Status == audit.StatusUnchanged:
				stronger(was, k, res.EnforcementAction)
			}
		}
		for _, res := range e.Fixed {
			stronger(was, keyOf(res), res.EnforcementAction)
		}
		keys := map[refKey]bool{}
		for k := range was {
			keys[k] = true
		}
		for k := range is {
			keys[k] = true
		}
		name := e.Object.String() + " (" + e.Source.String() + ")"
		for k := range keys {
			before, after := was[k], is[k]
			if before == after {
				continue
			}
			im := impacts[k]
			if im == nil {
				im = &Impact{Initiative: k.initiative, Ref: k.ref}
				impacts[k] = im
			}
			if p := im.slot(after, true); p != nil {
				*p = (*p).add(opts.Limit, name)
			}
			if p := im.slot(before, false); p != nil {
				*p = (*p).add(opts.Limit, name)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(impacts), func(a, b refKey) int {
		if a.initiative != b.initiative {
			return cmp.Compare(a.initiative, b.initiative)
		}
		return cmp.Compare(a.ref, b.ref)
	})
	r.Impact = []Impact{}
	for _, k := range keys {
		r.Impact = append(r.Impact, *impacts[k])
	}
	return nil
}

// slot is the list an object goes in when a reference now does (newly) or
// no longer does the action of rank.
func (i *Impact) slot(rank int, newly bool) **Objects {
	switch {
	case rank == 3 && newly:
		return &i.NewlyDenied
	case rank == 2 && newly:
		return &i.NewlyWarned
	case rank == 1 && newly:
		return &i.NewlyAudited
	case rank == 3:
		return &i.NoLongerDenied
	case rank == 2:
		return &i.NoLongerWarned
	case rank == 1:
		return &i.NoLongerAudited
	}
	return nil
}
