package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/resources"
)

// Status compares a result with the baseline.
type Status string

// Result statuses when a baseline is given.
const (
	StatusNew       Status = "new"
	StatusUnchanged Status = "unchanged"
	StatusFixed     Status = "fixed"
)

// Object identifies a reviewed object.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (o Object) String() string {
	s := o.Kind + " "
	if o.Namespace != "" {
		s += o.Namespace + "/"
	}
	return s + o.Name
}

// Result is one violation of one constraint by one object.
type Result struct {
	Object Object           `json:"object"`
	Source resources.Source `json:"source"`
	Reference
	// EnforcementAction is the constraint's action: deny, warn or dryrun
	// (audit effect); the action of the expansion template when it overrides it.
	EnforcementAction string `json:"enforcementAction"`
	Message           string `json:"message"`
	Details           any    `json:"details,omitempty"`
	// Status is set when a baseline is given; BaselineAction is the action
	// the same violation had in the baseline when it differs.
	Status         Status `json:"status,omitempty"`
	BaselineAction string `json:"baselineAction,omitempty"`
}

// Entry is what one input item produced, delivered in input order.
type Entry struct {
	Source resources.Source
	// Object is nil for input errors.
	Object *Object
	// Results are the object's violations; Fixed are violations the
	// baseline had and the policy under audit no longer has.
	Results []Result
	Fixed   []Result
	// Skip says why the object was not reviewed.
	Skip string
	// Err is an input error (invalid YAML, unreadable file).
	Err error
}

// Options tune Run.
type Options struct {
	// Baseline, when set, reviews every object a second time and marks
	// results new, unchanged or fixed.
	Baseline *Policy
	// Workers is the number of parallel reviews; 0 means GOMAXPROCS.
	Workers int
}

// Run reviews every object of in against p and hands one Entry per input
// item to sink, in input order. Before the reviews, a first pass gives the
// engines the Namespaces of the inputs (namespaceSelector) and, when a
// template reads data.inventory, every object, as gator test does.
func Run(ctx context.Context, p *Policy, in *resources.Inputs, opts Options, sink func(*Entry) error) error {
	policies := []*Policy{p}
	if opts.Baseline != nil {
		policies = append(policies, opts.Baseline)
	}
	if err := prepare(ctx, policies, in); err != nil {
		return err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		seq  int
		item resources.Item
	}
	type done struct {
		seq   int
		entry *Entry
	}
	jobs := make(chan job, workers*4)
	results := make(chan done, workers*4)
	var walkErr error
	go func() {
		defer close(jobs)
		seq := 0
		walkErr = in.Walk(ctx, func(d resources.Document) bool {
			for _, it := range resources.Decode(d) {
				select {
				case jobs <- job{seq: seq, item: it}:
					seq++
				case <-ctx.Done():
					return false
				}
			}
			return true
		})
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				e := review(ctx, p, opts.Baseline, j.item)
				select {
				case results <- done{seq: j.seq, entry: e}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Reorder: entries wait here until every earlier one was delivered;
	// at most a few per worker are ever pending.
	pending := map[int]*Entry{}
	next := 0
	var sinkErr error
	for d := range results {
		if sinkErr != nil {
			continue
		}
		pending[d.seq] = d.entry
		for {
			e, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := sink(e); err != nil {
				sinkErr = err
				cancel()
				break
			}
		}
	}
	if sinkErr != nil {
		return sinkErr
	}
	if walkErr != nil && !errors.Is(walkErr, context.Canceled) {
		return walkErr
	}
	return ctx.Err()
}

// prepare is the first pass: Namespaces for every engine, and the whole
// inventory for engines whose templates read it.
func prepare(ctx context.Context, policies []*Policy, in *resources.Inputs) error {
	inventory := false
	for _, p := range policies {
		inventory = inventory || p.inventory
	}
	var namespaces []*unstructured.Unstructured
	seen := map[string]int{}
	err := in.Walk(ctx, func(d resources.Document) bool {
		if !inventory && d.Rendered == nil && !bytes.Contains(d.Data, []byte("Namespace")) {
			return true
		}
		for _, it := range resources.Decode(d) {
			obj := it.Object
			if obj == nil {
				continue
			}
			if gvk := obj.GroupVersionKind(); gvk.Kind == "Namespace" && gvk.Group == "" {
				// Later copies win, as when gator adds them in order.
				if i, dup := seen[obj.GetName()]; dup {
					namespaces[i] = obj
				} else {
					seen[obj.GetName()] = len(namespaces)
					namespaces = append(namespaces, obj)
				}
			}
			if inventory {
				for _, p := range policies {
					if p.inventory {
						_ = p.eng.AddData(ctx, obj)
					}
				}
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, p := range policies {
		if p.inventory {
			for _, o := range p.objects {
				_ = p.eng.AddData(ctx, o)
			}
		}
		if err := p.eng.SetNamespaces(namespaces); err != nil {
			return err
		}
	}
	return nil
}

func identity(obj *unstructured.Unstructured) *Object {
	return &Object{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: objectName(obj)}
}

func objectName(obj *unstructured.Unstructured) string {
	if n := obj.GetName(); n != "" {
		return n
	}
	if g := obj.GetGenerateName(); g != "" {
		return g + "*"
	}
	return ""
}

func review(ctx context.Context, p, baseline *Policy, it resources.Item) *Entry {
	e := &Entry{Source: it.Source, Skip: it.Skip, Err: it.Err}
	if it.Object == nil {
		return e
	}
	e.Object = identity(it.Object)
	if it.Skip != "" {
		return e
	}
	cur, err := p.results(ctx, it.Object, e.Object, it.Source)
	if err != nil {
		e.Skip = skipReason(err)
		return e
	}
	if baseline == nil {
		e.Results = cur
		return e
	}
	old, err := baseline.results(ctx, it.Object, e.Object, it.Source)
	if err != nil {
		// The baseline cannot judge the object: everything is new.
		old = nil
	}
	e.Results, e.Fixed = compare(cur, old, len(p.Bundles) == 1 && len(baseline.Bundles) == 1)
	return e
}

func skipReason(err error) string {
	if errors.Is(err, engine.ErrExpansion) {
		return "cannot be expanded into the Pod it would create: " + err.Error()
	}
	return "cannot be reviewed: " + err.Error()
}

func (p *Policy) results(ctx context.Context, obj *unstructured.Unstructured, id *Object, src resources.Source) ([]Result, error) {
	vs, err := p.eng.Review(ctx, obj)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(vs))
	for _, v := range vs {
		out = append(out, Result{
			Object:            *id,
			Source:            src,
			Reference:         p.reference(v),
			EnforcementAction: v.EnforcementAction,
			Message:           v.Msg,
			Details:           v.Details,
		})
	}
	return out, nil
}

// compare marks current results against the baseline's results for the
// same object. A violation is the same when bundle, reference, constraint
// kind and message agree (the bundle is ignored when each side is one
// bundle, so an initiative compares with a renamed copy or the built-in it
// extends); if its action became stricter it counts as new, since that is
// what the change newly does to the object.
func compare(cur, old []Result, ignoreBundle bool) (marked, fixed []Result) {
	key := func(r Result) string {
		b := r.Bundle
		if ignoreBundle {
			b = ""
		}
		return b + "\x00" + r.Reference.Reference + "\x00" + r.Kind + "\x00" + r.Message
	}
	pool := map[string][]int{}
	for i, r := range old {
		pool[key(r)] = append(pool[key(r)], i)
	}
	used := make([]bool, len(old))
	marked = make([]Result, len(cur))
	for i, r := range cur {
		r.Status = StatusNew
		if idx := pool[key(r)]; len(idx) > 0 {
			o := old[idx[0]]
			pool[key(r)] = idx[1:]
			used[idx[0]] = true
			if o.EnforcementAction != r.EnforcementAction {
				r.BaselineAction = o.EnforcementAction
			}
			if rendered.ActionRank(r.EnforcementAction) <= rendered.ActionRank(o.EnforcementAction) {
				r.Status = StatusUnchanged
			}
		}
		marked[i] = r
	}
	for i, o := range old {
		if !used[i] {
			o.Status = StatusFixed
			fixed = append(fixed, o)
		}
	}
	return marked, fixed
}

// String describes an entry's problem, for logs.
func (e *Entry) String() string {
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case e.Skip != "":
		return fmt.Sprintf("%s: skipped: %s", e.Source, e.Skip)
	}
	return e.Source.String()
}
