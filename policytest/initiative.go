package policytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/schemas"
)

// initiativeTest is kind InitiativeTest; schemas/initiativetest.schema.json
// is its contract.
type initiativeTest struct {
	Spec struct {
		Initiative string           `json:"initiative"`
		Inventory  []any            `json:"inventory"`
		Cases      []initiativeCase `json:"cases"`
	} `json:"spec"`
}

type initiativeCase struct {
	Name   string `json:"name"`
	Object any    `json:"object"`
	Expect any    `json:"expect"`
}

// expectation is a case's expect field decoded: nil lists are unchecked.
type expectation struct {
	allowed  bool
	outcomes map[string][]string // denied/warned/audited -> refs, sorted
	messages []string
}

var outcomeOrder = rendered.Outcomes()

// initiativeEnv is one resolved initiative loaded into an engine, shared by
// every InitiativeTest naming it. Reviews never mutate it.
type initiativeEnv struct {
	once sync.Once
	err  error
	out  *rendered.Bundle
	eng  *engine.Engine
	refs map[string]string // lowercase constraint kind + "/" + name -> ref
	all  map[string]bool   // every reference id, enabled or not
}

func (r *runner) initiative(ctx context.Context, src *source, file string, builtin bool) *initiativeEnv {
	key := src.id + "\x00" + file
	if builtin {
		key = "builtin\x00" + file
	}
	r.initMu.Lock()
	env, ok := r.inits[key]
	if !ok {
		env = &initiativeEnv{}
		r.inits[key] = env
	}
	r.initMu.Unlock()
	env.once.Do(func() { env.err = r.loadInitiative(ctx, env, src, file, builtin) })
	return env
}

func (r *runner) builder(src *source) (*compile.Builder, error) {
	r.initMu.Lock()
	defer r.initMu.Unlock()
	if b, ok := r.builders[src]; ok {
		return b, nil
	}
	b, err := compile.NewBuilder(src.repoFS(), ".", r.opts.Compile)
	if err != nil {
		return nil, err
	}
	r.builders[src] = b
	return b, nil
}

func (r *runner) loadInitiative(ctx context.Context, env *initiativeEnv, src *source, file string, builtin bool) error {
	b, err := r.builder(src)
	if err != nil {
		return err
	}
	if !builtin {
		rel, ok := src.rel(file)
		if !ok {
			return fmt.Errorf("%s is outside the repository root %s", src.display(file), src.display(src.root))
		}
		file = rel
	}
	// The builder serialises builds through it itself.
	if builtin {
		env.out, err = b.BuildBuiltin(ctx, file)
	} else {
		env.out, err = b.Build(ctx, file)
	}
	if err != nil {
		return err
	}
	eng, err := r.initiativeEngine(ctx, env.out, nil)
	if err != nil {
		return err
	}
	env.eng = eng
	env.refs = map[string]string{}
	env.all = map[string]bool{}
	for _, p := range env.out.Policies {
		env.all[p.Ref] = true
		if p.Constraint != "" {
			env.refs[strings.ToLower(p.Template)+"/"+p.Constraint] = p.Ref
		}
	}
	return nil
}

// initiativeRunner runs one InitiativeTest file.
type initiativeRunner struct {
	r     *runner
	src   *source
	file  string
	group string
	node  *yaml.Node
}

func (r *runner) runInitiativeTest(ctx context.Context, ref fileRef) []Result {
	ir := &initiativeRunner{r: r, src: ref.src, file: ref.path, group: ref.src.display(ref.path)}
	fileErr := func(ie *input.Error) []Result {
		return []Result{{Kind: KindInitiative, Group: ir.group, Status: StatusError, File: ir.group, Line: ie.Line, Message: ie.Msg}}
	}
	data, err := input.ReadFile(ref.src.fsys, ref.path)
	if err != nil {
		return fileErr(asInputError(ir.group, err))
	}
	t, err := ir.decode(data)
	if err != nil {
		return fileErr(asInputError(ir.group, err))
	}
	// The initiative: a file next to the test, or a built-in by name.
	initLine := input.NodeLine(ir.node, "spec", "initiative")
	builtin := false
	initPath, err := ref.src.join(ref.path, "spec.initiative", t.Spec.Initiative)
	if err != nil {
		return fileErr(&input.Error{File: ir.group, Line: initLine, Msg: pathErrMsg(err)})
	}
	if _, err := input.Stat(ref.src.fsys, initPath); err != nil {
		if strings.ContainsAny(t.Spec.Initiative, "/.") || input.IsInputError(err) {
			return fileErr(&input.Error{File: ir.group, Line: input.NodeLine(ir.node, "spec", "initiative"), Msg: fmt.Sprintf("initiative %s: %s", ref.src.display(initPath), pathErrMsg(err))})
		}
		initPath, builtin = t.Spec.Initiative, true
	}
	env := r.initiative(ctx, ref.src, initPath, builtin)
	if env.err != nil {
		return fileErr(&input.Error{File: ir.group, Line: input.NodeLine(ir.node, "spec", "initiative"), Msg: "initiative " + t.Spec.Initiative + ": " + env.err.Error()})
	}
	var inventory []*unstructured.Unstructured
	for i, src := range t.Spec.Inventory {
		objs, err := ir.objects(src)
		if err != nil {
			return fileErr(&input.Error{File: ir.group, Line: input.NodeLine(ir.node, "spec", "inventory", i), Msg: "inventory: " + err.Error()})
		}
		inventory = append(inventory, objs...)
	}
	eng := env.eng
	if len(inventory) > 0 {
		// Inventory is per test file: such a file gets its own engine.
		var err error
		if eng, err = r.initiativeEngine(ctx, env.out, inventory); err != nil {
			return fileErr(&input.Error{File: ir.group, Line: input.NodeLine(ir.node, "spec", "inventory"), Msg: err.Error()})
		}
	}
	var out []Result
	for i, c := range t.Spec.Cases {
		res := Result{Kind: KindInitiative, Group: ir.group, Name: c.Name, File: ir.group, Line: input.NodeLine(ir.node, "spec", "cases", i)}
		if !r.filter.match("", res.Group, res.Name) {
			continue
		}
		start := time.Now()
		ir.runCase(ctx, env, eng, i, &c, &res)
		res.Duration = time.Since(start)
		out = append(out, res)
	}
	return out
}

// initiativeEngine loads a rendered initiative (templates, constraints and
// expansion templates) and inventory into a new engine.
func (r *runner) initiativeEngine(ctx context.Context, out *rendered.Bundle, inventory []*unstructured.Unstructured) (*engine.Engine, error) {
	eng, err := engine.Load(ctx, out, r.engineOpts...)
	if err != nil {
		return nil, err
	}
	for _, o := range inventory {
		if err := eng.AddData(ctx, o); err != nil {
			return nil, err
		}
	}
	return eng, nil
}

// decode validates data against the InitiativeTest schema, reporting every
// problem with its line, and decodes it.
func (ir *initiativeRunner) decode(data []byte) (*initiativeTest, error) {
	d, err := input.ParseDocument(ir.group, data)
	if err != nil {
		return nil, oneError(err)
	}
	ir.node = d.Root
	s, err := schemas.Compiled("InitiativeTest")
	if err != nil {
		return nil, err
	}
	known := func(p []string) []string { return schemas.Fields("InitiativeTest", p) }
	if err := input.SchemaErrors(d, nil, s.Validate(d.Value), known); err != nil {
		return nil, oneError(err)
	}
	raw, err := json.Marshal(d.Value)
	if err != nil {
		return nil, &input.Error{File: ir.group, Msg: err.Error()}
	}
	var t initiativeTest
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, &input.Error{File: ir.group, Msg: err.Error()}
	}
	return &t, nil
}

// oneError folds input errors into the one a test result carries: at the
// first problem's line, every problem in its message (later ones with their
// own line), field and hint included.
func oneError(err error) error {
	var list input.ErrorList
	var one *input.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = input.ErrorList{one}
	default:
		return err
	}
	msgs := make([]string, len(list))
	for i, e := range list {
		m := e.Msg
		if e.Field != "" {
			m = e.Field + ": " + m
		}
		if e.Hint != "" {
			m += " (" + e.Hint + ")"
		}
		if i > 0 && e.Line > 0 {
			m = fmt.Sprintf("line %d: %s", e.Line, m)
		}
		msgs[i] = m
	}
	return &input.Error{File: list[0].File, Line: list[0].Line, Column: list[0].Column, Msg: strings.Join(msgs, "; ")}
}

// objects resolves an object source: a path relative to the test file or an
// inline object.
func (ir *initiativeRunner) objects(src any) ([]*unstructured.Unstructured, error) {
	if p, ok := src.(string); ok {
		full, err := ir.src.join(ir.file, "path", p)
		if err != nil {
			return nil, errors.New(pathErrMsg(err))
		}
		objs, err := ir.r.objects(ir.src, full)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", ir.src.display(full), pathErrMsg(err))
		}
		return objs, nil
	}
	u, err := toUnstructured(src)
	if err != nil {
		return nil, err
	}
	return []*unstructured.Unstructured{u}, nil
}

func parseExpect(v any) expectation {
	if s, ok := v.(string); ok && s == "allowed" {
		return expectation{allowed: true}
	}
	e := expectation{outcomes: map[string][]string{}}
	m, _ := v.(map[string]any)
	for _, o := range outcomeOrder {
		list, ok := m[o].([]any)
		if !ok {
			continue
		}
		refs := []string{}
		for _, r := range list {
			refs = append(refs, fmt.Sprint(r))
		}
		sort.Strings(refs)
		e.outcomes[o] = refs
	}
	if list, ok := m["messages"].([]any); ok {
		for _, r := range list {
			e.messages = append(e.messages, fmt.Sprint(r))
		}
	}
	return e
}

func (ir *initiativeRunner) runCase(ctx context.Context, env *initiativeEnv, eng *engine.Engine, i int, c *initiativeCase, res *Result) {
	bad := func(msg string, at ...any) {
		res.Status, res.Message = StatusError, msg
		if l := input.NodeLine(ir.node, append([]any{"spec", "cases", i}, at...)...); l > 0 {
			res.Line = l
		}
	}
	want := parseExpect(c.Expect)
	for _, refs := range want.outcomes {
		for _, ref := range refs {
			if !env.all[ref] {
				bad(fmt.Sprintf("initiative %s has no reference %q%s", env.out.Name, ref, closest(ref, env.all)), "expect")
				return
			}
		}
	}
	var res0 []*regexp.Regexp
	for _, m := range want.messages {
		re, err := regexp.Compile(m)
		if err != nil {
			bad("expect.messages: "+err.Error(), "expect", "messages")
			return
		}
		res0 = append(res0, re)
	}
	objs, err := ir.objects(c.Object)
	if err != nil {
		bad("object: "+err.Error(), "object")
		return
	}
	var problems []string
	for k, obj := range objs {
		var vs []engine.Violation
		err := ir.r.guard.run(ctx, func(ctx context.Context) error {
			var err error
			vs, err = eng.Review(ctx, obj)
			return err
		})
		if err != nil {
			bad("object: "+err.Error(), "object")
			return
		}
		res.Violations = append(res.Violations, vs...)
		got := map[string][]string{}
		for _, v := range vs {
			o := rendered.OutcomeOfAction(v.EnforcementAction)
			ref := env.refs[strings.ToLower(v.Kind)+"/"+v.Constraint]
			if ref == "" {
				ref = v.Constraint
			}
			got[o] = appendUnique(got[o], ref)
		}
		for o := range got {
			sort.Strings(got[o])
		}
		label := ""
		if len(objs) > 1 {
			label = fmt.Sprintf("object %d (%s %s): ", k+1, obj.GetKind(), obj.GetName())
		}
		if want.allowed {
			if len(vs) > 0 {
				problems = append(problems, label+"expected allowed, got "+describeOutcomes(got))
			}
			continue
		}
		mismatch := false
		for _, o := range outcomeOrder {
			exp, checked := want.outcomes[o]
			if !checked || slices.Equal(exp, got[o]) {
				continue
			}
			mismatch = true
			problems = append(problems, fmt.Sprintf("%sexpected %s by %s, got %s by %s", label, o, listOrNone(exp), o, listOrNone(got[o])))
		}
		if mismatch {
			outcome := describeOutcomes(got)
			if outcome == "" {
				outcome = "allowed"
			}
			problems = append(problems, label+"outcome: "+outcome)
		}
		for _, re := range res0 {
			found := false
			for _, v := range vs {
				found = found || re.MatchString(v.Msg)
			}
			if !found {
				problems = append(problems, fmt.Sprintf("%sno violation message matches %q", label, re.String()))
			}
		}
	}
	if len(problems) == 0 {
		res.Status, res.Violations = StatusPass, nil
		return
	}
	res.Status = StatusFail
	res.Message = strings.Join(problems, "\n") + messagesOf(res.Violations)
}

func describeOutcomes(got map[string][]string) string {
	var parts []string
	for _, o := range outcomeOrder {
		if len(got[o]) > 0 {
			parts = append(parts, o+" by "+strings.Join(got[o], ", "))
		}
	}
	for o, refs := range got {
		if !slices.Contains(outcomeOrder, o) {
			parts = append(parts, o+" by "+strings.Join(refs, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// closest suggests the nearest known reference id, with the compiler's
// notion of "near" so that build and test hint alike.
func closest(name string, known map[string]bool) string {
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	if hint := compile.Suggest(name, names); hint != "" {
		return " (" + hint + ")"
	}
	return ""
}
