package azureimport

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/library"
	"github.com/edict-policy/edict/rendered"
)

// The generated InitiativeTest gives every imported reference one object it
// must not report and one it must report, taken from the library's own
// examples of the policy (example_allowed*, example_disallowed*). The
// examples were written for the library's sample parameters; the import's
// parameters may differ, so each example is reviewed with Gatekeeper's
// engine under the imported initiative and only examples that still do what
// their name says are used. The expected outcome is the engine's, so other
// references that also report the object are listed too.

// sample is one library example.
type sample struct {
	file    string // path inside the library
	allowed bool
	obj     map[string]any
}

func librarySamples(policy string) []sample {
	lib := library.FS()
	var dir string
	for _, cat := range []string{"pod-security", "general"} {
		if _, err := fs.Stat(lib, path.Join(cat, policy, "policy.yaml")); err == nil {
			dir = path.Join(cat, policy, "samples")
		}
	}
	if dir == "" {
		return nil
	}
	var out []sample
	_ = fs.WalkDir(lib, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		base := path.Base(p)
		allowed := strings.HasPrefix(base, "example_allowed")
		if !allowed && !strings.HasPrefix(base, "example_disallowed") {
			return nil
		}
		data, err := fs.ReadFile(lib, p)
		if err != nil || strings.Contains(string(data), "\n---") {
			return nil
		}
		var obj map[string]any
		if yaml.Unmarshal(data, &obj) != nil || obj == nil || obj["kind"] == "AdmissionReview" {
			return nil
		}
		out = append(out, sample{file: p, allowed: allowed, obj: obj})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out
}

// placeFor puts an object where a reference's match reaches it: a namespace
// the reference covers and is not excluded from, and the labels its
// selector asks for.
func placeFor(obj map[string]any, r *reference, excluded []string) map[string]any {
	u := (&unstructured.Unstructured{Object: obj}).DeepCopy()
	ns := "imported-workloads"
	if list, ok := r.Match["namespaces"].([]string); ok && len(list) > 0 {
		ns = strings.ReplaceAll(list[0], "*", "x")
		ns = strings.Trim(ns, "-")
	}
	if matchesAny(ns, excluded) {
		for _, alt := range []string{"apps", "default", "workloads-x"} {
			if !matchesAny(alt, excluded) {
				ns = alt
				break
			}
		}
	}
	if u.GetKind() != "Namespace" {
		u.SetNamespace(ns)
	}
	if sel, ok := r.Match["labelSelector"].(map[string]any); ok {
		labels := u.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		if ml, ok := sel["matchLabels"].(map[string]any); ok {
			for k, v := range ml {
				labels[k] = fmt.Sprint(v)
			}
		}
		if exprs, ok := sel["matchExpressions"].([]any); ok {
			for _, e := range exprs {
				m, _ := e.(map[string]any)
				key, _ := m["key"].(string)
				vals, _ := m["values"].([]any)
				switch op, _ := m["operator"].(string); op {
				case "In":
					if len(vals) > 0 {
						labels[key] = fmt.Sprint(vals[0])
					}
				case "Exists":
					labels[key] = "imported"
				case "NotIn", "DoesNotExist":
					delete(labels, key)
				}
			}
		}
		u.SetLabels(labels)
	}
	return u.Object
}

func matchesAny(ns string, patterns []string) bool {
	for _, p := range patterns {
		switch {
		case p == ns, p == "*":
			return true
		case strings.HasPrefix(p, "*") && strings.HasSuffix(p, "*") && len(p) > 1:
			if strings.Contains(ns, strings.Trim(p, "*")) {
				return true
			}
		case strings.HasSuffix(p, "*"):
			if strings.HasPrefix(ns, strings.TrimSuffix(p, "*")) {
				return true
			}
		case strings.HasPrefix(p, "*"):
			if strings.HasSuffix(ns, strings.TrimPrefix(p, "*")) {
				return true
			}
		}
	}
	return false
}

// testFor writes tests/<initiative>_test.yaml, building the imported
// initiative with edict's own compiler to choose the examples.
func (im *importer) testFor(name string, refs []*reference) {
	mem := fstest.MapFS{}
	for p, data := range im.files {
		mem[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	file := "initiatives/" + name + ".yaml"
	b, err := compile.NewBuilder(mem, ".", compile.Options{Now: im.opts.now()})
	var out *rendered.Bundle
	if err == nil {
		out, err = b.Build(im.ctx, file)
	}
	if err != nil {
		im.report.add(Item{Kind: "test", Name: name, Source: file, Status: NotMapped, Target: file,
			Note: "the imported initiative does not build, so no test was generated: " + firstLine(err.Error())})
		return
	}
	eng, err := engine.Load(im.ctx, out)
	if err != nil {
		im.report.add(Item{Kind: "test", Name: name, Source: file, Status: NotMapped, Note: "Gatekeeper's engine refused the imported initiative: " + firstLine(err.Error())})
		return
	}
	byConstraint := map[string]string{}
	for _, c := range out.Constraints {
		byConstraint[c.Name()] = c.Ref
	}
	var cases []*ordered
	for _, r := range refs {
		if r.Effect == "disabled" {
			im.report.add(Item{Kind: "test", Name: r.ID, Source: file, Status: Exact, Target: name + "/" + r.ID, Note: "disabled, so it has no test case"})
			continue
		}
		excluded, _ := r.Match["excludedNamespaces"].([]string)
		found := map[bool]bool{}
		for _, s := range librarySamples(r.Row.Policy) {
			if found[s.allowed] {
				continue
			}
			obj := placeFor(s.obj, r, excluded)
			outcomes, reported, err := review(im, eng, obj, byConstraint, r.ID)
			if err != nil || reported == s.allowed {
				continue
			}
			found[s.allowed] = true
			what := "is not reported"
			if !s.allowed {
				what = "is reported"
			}
			c := newOrdered().
				set("name", fmt.Sprintf("%s: %s %s (library example %s)", r.ID, objName(obj), what, strings.TrimPrefix(s.file, "")))
			c.set("object", obj)
			if len(outcomes) == 0 {
				c.set("expect", "allowed")
			} else {
				c.set("expect", outcomes)
			}
			cases = append(cases, c)
		}
		switch {
		case r.Policy == nil:
			im.report.add(Item{Kind: "test", Name: r.ID, Source: file, Status: Caveat, Target: "tests/" + name + "_test.yaml",
				Note: fmt.Sprintf("%s was imported from a custom definition and has no examples to draw cases from; add cases of your own", r.Row.Policy)})
		case found[true] && found[false]:
			im.report.add(Item{Kind: "test", Name: r.ID, Source: file, Status: Exact, Target: "tests/" + name + "_test.yaml", Note: "one allowed and one reported case"})
		default:
			missing := []string{}
			if !found[true] {
				missing = append(missing, "allowed")
			}
			if !found[false] {
				missing = append(missing, "reported")
			}
			im.report.add(Item{Kind: "test", Name: r.ID, Source: file, Status: Caveat, Target: "tests/" + name + "_test.yaml",
				Note: fmt.Sprintf("no library example of %s is %s under the imported settings; add a case of your own", r.Row.Policy, strings.Join(missing, " or "))})
		}
	}
	if len(cases) == 0 {
		return
	}
	seq := valueNode([]any{})
	seq.Style = 0
	for _, c := range cases {
		seq.Content = append(seq.Content, c.node)
	}
	root := newOrdered().
		set("apiVersion", "edict.dev/v1alpha1").
		set("kind", "InitiativeTest").
		set("metadata", newOrdered().set("name", name)).
		set("spec", newOrdered().set("initiative", "../"+file).set("cases", seq))
	im.files["tests/"+name+"_test.yaml"] = render("Generated by edict import azure: for every imported reference one object it\nreports and one it does not, from the library's examples of the policy.\nThe expected outcomes are what edict gave when the import ran; keep them\nas a regression test and add cases for your own workloads.", root)
}

func objName(obj map[string]any) string {
	u := &unstructured.Unstructured{Object: obj}
	return u.GetKind() + " " + u.GetName()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// review evaluates obj under the imported initiative and returns the
// outcome lists (denied/warned/audited -> references) and whether ref
// reported it.
func review(im *importer, eng *engine.Engine, obj map[string]any, byConstraint map[string]string, ref string) (map[string]any, bool, error) {
	vs, err := eng.Review(im.ctx, &unstructured.Unstructured{Object: obj})
	if err != nil {
		return nil, false, err
	}
	got := map[string][]string{}
	reported := false
	for _, v := range vs {
		o := rendered.OutcomeOfAction(v.EnforcementAction)
		r := byConstraint[v.Constraint]
		if r == "" {
			continue
		}
		if r == ref {
			reported = true
		}
		dup := false
		for _, x := range got[o] {
			dup = dup || x == r
		}
		if !dup {
			got[o] = append(got[o], r)
		}
	}
	out := map[string]any{}
	for o, list := range got {
		sort.Strings(list)
		out[o] = list
	}
	return out, reported, nil
}
