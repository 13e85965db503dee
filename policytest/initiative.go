package policytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
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

var outcomeOrder = []string{"denied", "warned", "audited"}

// outcomeOf maps an enforcement action to the InitiativeTest outcome.
func outcomeOf(action string) string {
	switch action {
	case "deny":
		return "denied"
	case "warn":
		return "warned"
	case "dryrun":
		return "audited"
	}
	return action
}

var (
	itSchemaOnce sync.Once
	itSchema     *jsonschema.Schema
	itSchemaErr  error
	printer      = message.NewPrinter(language.English)
)

func initiativeTestSchema() (*jsonschema.Schema, error) {
	itSchemaOnce.Do(func() {
		raw, err := schemas.Get("InitiativeTest")
		if err != nil {
			itSchemaErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			itSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		url := schemas.URL("InitiativeTest")
		if itSchemaErr = c.AddResource(url, doc); itSchemaErr != nil {
			return
		}
		itSchema, itSchemaErr = c.Compile(url)
	})
	return itSchema, itSchemaErr
}

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
	// A builder keeps caches; builds through it take turns.
	r.buildMu.Lock()
	if builtin {
		env.out, err = b.BuildBuiltin(ctx, file)
	} else {
		env.out, err = b.Build(ctx, file)
	}
	r.buildMu.Unlock()
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
	fileErr := func(ie *InputError) []Result {
		return []Result{{Kind: KindInitiative, Group: ir.group, Status: StatusError, File: ir.group, Line: ie.Line, Message: ie.Msg}}
	}
	data, err := readFile(ref.src.fsys, ref.path)
	if err != nil {
		return fileErr(asInputError(ir.group, err))
	}
	t, err := ir.decode(data)
	if err != nil {
		return fileErr(asInputError(ir.group, err))
	}
	// The initiative: a file next to the test, or a built-in by name.
	initPath := path.Join(path.Dir(ref.path), t.Spec.Initiative)
	builtin := false
	if _, err := fs.Stat(ref.src.fsys, initPath); err != nil {
		if strings.ContainsAny(t.Spec.Initiative, "/.") {
			return fileErr(&InputError{File: ir.group, Line: lineOf(ir.node, "spec", "initiative"), Msg: fmt.Sprintf("initiative %s: %s", ref.src.display(initPath), pathErrMsg(err))})
		}
		initPath, builtin = t.Spec.Initiative, true
	}
	env := r.initiative(ctx, ref.src, initPath, builtin)
	if env.err != nil {
		return fileErr(&InputError{File: ir.group, Line: lineOf(ir.node, "spec", "initiative"), Msg: "initiative " + t.Spec.Initiative + ": " + env.err.Error()})
	}
	var inventory []*unstructured.Unstructured
	for i, src := range t.Spec.Inventory {
		objs, err := ir.objects(src)
		if err != nil {
			return fileErr(&InputError{File: ir.group, Line: lineOf(ir.node, "spec", "inventory", i), Msg: "inventory: " + err.Error()})
		}
		inventory = append(inventory, objs...)
	}
	eng := env.eng
	if len(inventory) > 0 {
		// Inventory is per test file: such a file gets its own engine.
		var err error
		if eng, err = r.initiativeEngine(ctx, env.out, inventory); err != nil {
			return fileErr(&InputError{File: ir.group, Line: lineOf(ir.node, "spec", "inventory"), Msg: err.Error()})
		}
	}
	var out []Result
	for i, c := range t.Spec.Cases {
		res := Result{Kind: KindInitiative, Group: ir.group, Name: c.Name, File: ir.group, Line: lineOf(ir.node, "spec", "cases", i)}
		if r.filter != nil && !r.filter.MatchString(res.FullName()) {
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
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlErr(ir.group, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &InputError{File: ir.group, Line: 1, Msg: "the file is empty"}
	}
	ir.node = doc.Content[0]
	var v any
	if err := doc.Decode(&v); err != nil {
		return nil, yamlErr(ir.group, err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, &InputError{File: ir.group, Msg: err.Error()}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, &InputError{File: ir.group, Msg: err.Error()}
	}
	s, err := initiativeTestSchema()
	if err != nil {
		return nil, err
	}
	if err := s.Validate(inst); err != nil {
		return nil, ir.schemaError(err)
	}
	var t initiativeTest
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, &InputError{File: ir.group, Msg: err.Error()}
	}
	return &t, nil
}

// schemaError reports the most specific schema complaints, first line first.
func (ir *initiativeRunner) schemaError(err error) error {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return &InputError{File: ir.group, Msg: err.Error()}
	}
	leaves := schemaLeaves(ve)
	// A oneOf reports every branch; drop "expected allowed"-style complaints
	// when another branch says something more specific about the same value.
	deepest := map[string]bool{}
	for _, l := range leaves {
		if !isShallow(l) {
			deepest[strings.Join(l.InstanceLocation, "/")] = true
		}
	}
	type item struct {
		line int
		msg  string
	}
	var items []item
	seen := map[string]bool{}
	for _, l := range leaves {
		loc := strings.Join(l.InstanceLocation, "/")
		if isShallow(l) && hasDeeper(deepest, loc) {
			continue
		}
		path := make([]any, len(l.InstanceLocation))
		for i, p := range l.InstanceLocation {
			if n, err := strconv.Atoi(p); err == nil {
				path[i] = n
			} else {
				path[i] = p
			}
		}
		field := strings.ReplaceAll(loc, "/", ".")
		var msg string
		switch k := l.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			msg = "unknown field(s): " + strings.Join(k.Properties, ", ")
			if len(k.Properties) == 1 {
				path = append(path, k.Properties[0])
			}
		case *kind.Required:
			msg = "missing required field(s): " + strings.Join(k.Missing, ", ")
		default:
			msg = l.ErrorKind.LocalizedString(printer)
		}
		if field != "" {
			msg = field + ": " + msg
		}
		if seen[msg] {
			continue
		}
		seen[msg] = true
		items = append(items, item{lineOf(ir.node, path...), msg})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].line < items[j].line })
	if len(items) == 0 {
		return &InputError{File: ir.group, Msg: ve.Error()}
	}
	msgs := make([]string, len(items))
	for i, it := range items {
		msgs[i] = it.msg
		if i > 0 && it.line > 0 {
			msgs[i] = fmt.Sprintf("line %d: %s", it.line, it.msg)
		}
	}
	return &InputError{File: ir.group, Line: items[0].line, Msg: strings.Join(msgs, "; ")}
}

func isShallow(l *jsonschema.ValidationError) bool {
	switch l.ErrorKind.(type) {
	case *kind.Const, *kind.Type:
		return true
	}
	return false
}

func hasDeeper(locs map[string]bool, loc string) bool {
	for l := range locs {
		if l == loc || strings.HasPrefix(l, loc+"/") {
			return true
		}
	}
	return false
}

func schemaLeaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, schemaLeaves(c)...)
	}
	return out
}

// objects resolves an object source: a path relative to the test file or an
// inline object.
func (ir *initiativeRunner) objects(src any) ([]*unstructured.Unstructured, error) {
	if p, ok := src.(string); ok {
		full := path.Join(path.Dir(ir.file), p)
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
		if l := lineOf(ir.node, append([]any{"spec", "cases", i}, at...)...); l > 0 {
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
		vs, err := eng.Review(ctx, obj)
		if err != nil {
			bad("object: "+err.Error(), "object")
			return
		}
		res.Violations = append(res.Violations, vs...)
		got := map[string][]string{}
		for _, v := range vs {
			o := outcomeOf(v.EnforcementAction)
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
			if !checked || equalStrings(exp, got[o]) {
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
		if !contains(outcomeOrder, o) {
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
	if contains(s, v) {
		return s
	}
	return append(s, v)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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
