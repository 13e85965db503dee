package policytest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
)

// suite is gator's Suite format (test.gatekeeper.sh/v1alpha1). Unlike gator,
// unknown fields are errors: a misspelt assertion would otherwise silently
// assert the default ("yes").
type suite struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Metadata   map[string]any `yaml:"metadata"`
	Tests      []suiteTest    `yaml:"tests"`
	Skip       bool           `yaml:"skip"`
}

type suiteTest struct {
	Name       string       `yaml:"name"`
	Template   string       `yaml:"template"`
	Constraint string       `yaml:"constraint"`
	Expansion  string       `yaml:"expansion"`
	Cases      []*suiteCase `yaml:"cases"`
	Invalid    bool         `yaml:"invalid"`
	Skip       bool         `yaml:"skip"`
}

type suiteCase struct {
	Name       string      `yaml:"name"`
	Object     string      `yaml:"object"`
	Inventory  []string    `yaml:"inventory"`
	Assertions []assertion `yaml:"assertions"`
	Skip       bool        `yaml:"skip"`
}

type assertion struct {
	Violations *violationCount `yaml:"violations"`
	Message    *string         `yaml:"message"`
}

// violationCount is "yes", "no" or a number; other strings are kept and
// reported when the assertion runs, as gator does.
type violationCount struct {
	isInt bool
	n     int
	s     string
}

func (v *violationCount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: violations must be yes, no or a number", n.Line)
	}
	if n.Tag == "!!int" {
		var i int
		if err := n.Decode(&i); err != nil {
			return err
		}
		v.isInt, v.n = true, i
		return nil
	}
	if n.Tag == "!!str" {
		v.s = n.Value
		return nil
	}
	return fmt.Errorf("line %d: violations must be yes, no or a number, got %q", n.Line, n.Value)
}

func (v *violationCount) String() string {
	if v == nil {
		return "yes"
	}
	if v.isInt {
		return fmt.Sprint(v.n)
	}
	return v.s
}

// errBadAssertion marks assertions that cannot be evaluated (bad count or regex).
var errBadAssertion = errors.New("invalid assertion")

// check applies the assertion to a review's violations with gator's rules:
// yes = at least one matching, no = none, N = exactly N.
func (a *assertion) check(vs []engine.Violation) error {
	var re *regexp.Regexp
	if a.Message != nil {
		var err error
		if re, err = regexp.Compile(*a.Message); err != nil {
			return fmt.Errorf("%w: message: %w", errBadAssertion, err)
		}
	}
	matching := 0
	for _, v := range vs {
		if re == nil || re.MatchString(v.Msg) {
			matching++
		}
	}
	containing := ""
	if a.Message != nil {
		containing = fmt.Sprintf(" matching %q", *a.Message)
	}
	want := a.Violations
	switch {
	case want == nil || (!want.isInt && want.s == "yes"):
		if matching == 0 {
			return fmt.Errorf("got %d violations%s, want at least 1", matching, containing)
		}
	case !want.isInt && want.s == "no":
		if matching > 0 {
			return fmt.Errorf("got %d violations%s, want none", matching, containing)
		}
	case want.isInt && want.n >= 0:
		if matching != want.n {
			return fmt.Errorf("got %d violations%s, want exactly %d", matching, containing, want.n)
		}
	default:
		return fmt.Errorf("%w: violations must be a nonnegative integer, yes or no, got %q", errBadAssertion, want.String())
	}
	return nil
}

// suiteRunner runs the tests of one suite file.
type suiteRunner struct {
	r      *runner
	src    *source
	file   string // slash path in src.fsys
	group  string // display path
	node   *yaml.Node
	filter *nameFilter
	out    []Result
}

func (r *runner) runSuite(ctx context.Context, ref fileRef) []Result {
	sr := &suiteRunner{r: r, src: ref.src, file: ref.path, group: ref.src.display(ref.path), filter: r.filter}
	data, err := input.ReadFile(ref.src.fsys, ref.path)
	if err != nil {
		return []Result{sr.inputError("", 0, asInputError(sr.group, err))}
	}
	var s suite
	if err := decodeStrict(sr.group, data, &s); err != nil {
		return []Result{sr.inputError("", 0, asInputError(sr.group, err))}
	}
	sr.node = firstNode(data)
	if s.Skip {
		return []Result{{Kind: KindSuite, Group: sr.group, Status: StatusSkip, File: sr.group, Message: "suite skipped"}}
	}
	for i := range s.Tests {
		sr.runTest(ctx, i, &s.Tests[i])
	}
	return sr.out
}

// inputError reports a problem at a line of the suite file; problems found
// in another file (a template, an object) keep that file's name and line in
// the message.
func (sr *suiteRunner) inputError(name string, line int, ie *input.Error) Result {
	msg := ie.Msg
	if ie.File == sr.group {
		if ie.Line > 0 {
			line = ie.Line
		}
	} else {
		msg = ie.Error()
	}
	return Result{Kind: KindSuite, Group: sr.group, Name: name, Status: StatusError, File: sr.group, Line: line, Message: msg}
}

func (sr *suiteRunner) matches(test, kase string) bool {
	return sr.filter.match(sr.group, test, kase)
}

// resolve joins a suite-relative path as gator does; absolute paths and
// paths leading out of the repository are refused.
func (sr *suiteRunner) resolve(field, p string) (string, error) {
	j, err := sr.src.join(sr.file, field, p)
	if err != nil {
		return "", errors.New(pathErrMsg(err))
	}
	return j, nil
}

func (sr *suiteRunner) runTest(ctx context.Context, i int, t *suiteTest) {
	line := input.NodeLine(sr.node, "tests", i)
	caseName := func(c *suiteCase) string { return t.Name + "/" + c.Name }
	selected := len(t.Cases) == 0 && sr.matches(t.Name, "")
	for _, c := range t.Cases {
		selected = selected || sr.matches(t.Name, c.Name)
	}
	if !selected {
		return
	}
	if t.Skip {
		sr.out = append(sr.out, Result{Kind: KindSuite, Group: sr.group, Name: t.Name, Status: StatusSkip, File: sr.group, Line: line, Message: "test skipped"})
		return
	}
	start := time.Now()
	fail := func(status Status, msg string, at int) {
		if at == 0 {
			at = line
		}
		sr.out = append(sr.out, Result{Kind: KindSuite, Group: sr.group, Name: t.Name, Status: status, File: sr.group, Line: at, Message: msg, Duration: time.Since(start)})
	}
	inputErr := func(err error, at int) {
		ie := asInputError(sr.group, err)
		res := sr.inputError(t.Name, at, ie)
		if res.Line == 0 {
			res.Line = line
		}
		res.Duration = time.Since(start)
		sr.out = append(sr.out, res)
	}
	if t.Template == "" {
		fail(StatusError, "missing template", 0)
		return
	}
	tp, err := sr.resolve("template", t.Template)
	if err != nil {
		inputErr(err, input.NodeLine(sr.node, "tests", i, "template"))
		return
	}
	ref, err := resolveTemplateRef(sr.src, tp)
	if err != nil {
		inputErr(&input.Error{File: sr.group, Line: input.NodeLine(sr.node, "tests", i, "template"), Msg: "template " + sr.src.display(tp) + ": " + pathErrMsg(err)}, 0)
		return
	}
	entry := sr.r.templates.entry(ref)
	eng, err := sr.r.templates.acquire(ctx, entry)
	if err != nil {
		tline := input.NodeLine(sr.node, "tests", i, "template")
		if ie := asInputError(sr.group, err); ie.File != sr.group {
			// Name the field: the problem is in the file it names.
			err = &input.Error{File: sr.group, Line: tline, Msg: "template " + ie.Error()}
		}
		inputErr(err, tline)
		return
	}
	clean := true
	defer func() {
		// An engine whose constraint or data could not be removed is dropped,
		// so no later test sees its state.
		if clean {
			sr.r.templates.release(entry, eng)
		}
	}()

	if t.Constraint == "" {
		fail(StatusError, "missing constraint", 0)
		return
	}
	cp, err := sr.resolve("constraint", t.Constraint)
	if err != nil {
		inputErr(err, input.NodeLine(sr.node, "tests", i, "constraint"))
		return
	}
	cobj, err := sr.r.firstObject(sr.src, cp)
	if err != nil {
		inputErr(&input.Error{File: sr.group, Line: input.NodeLine(sr.node, "tests", i, "constraint"), Msg: "constraint " + sr.src.display(cp) + ": " + pathErrMsg(err)}, 0)
		return
	}
	if cobj.GroupVersionKind().Group != "constraints.gatekeeper.sh" {
		inputErr(&input.Error{File: sr.src.display(cp), Msg: fmt.Sprintf("not a constraint: %s %s", cobj.GetAPIVersion(), cobj.GetKind())}, input.NodeLine(sr.node, "tests", i, "constraint"))
		return
	}
	addErr := eng.AddConstraint(ctx, cobj)
	if addErr == nil {
		defer func() {
			if err := eng.RemoveConstraint(ctx, cobj); err != nil {
				clean = false
			}
		}()
	}
	if t.Invalid {
		switch {
		case errors.Is(addErr, engine.ErrSchema):
			sr.out = append(sr.out, Result{Kind: KindSuite, Group: sr.group, Name: t.Name, Status: StatusPass, File: sr.group, Line: line, Duration: time.Since(start)})
		case addErr == nil:
			fail(StatusFail, "the constraint was accepted; invalid: true expects the template's schema to reject it", 0)
		default:
			fail(StatusFail, "invalid: true expects a schema error, got: "+addErr.Error(), 0)
		}
		return
	}
	if addErr != nil {
		status := StatusError
		if errors.Is(addErr, engine.ErrSchema) {
			// The sample no longer fits the policy's parameters: a regression.
			status = StatusFail
		}
		fail(status, "constraint "+sr.src.display(cp)+": "+addErr.Error(), input.NodeLine(sr.node, "tests", i, "constraint"))
		return
	}
	var expObjs []*unstructured.Unstructured
	if t.Expansion != "" {
		ep, err := sr.resolve("expansion", t.Expansion)
		if err == nil {
			var objs []*unstructured.Unstructured
			if objs, err = sr.r.objects(sr.src, ep); err == nil {
				expObjs = objs
				err = eng.SetExpansion(objs)
				defer func() { _ = eng.SetExpansion(nil) }()
			}
			if err != nil {
				err = &input.Error{File: sr.group, Line: input.NodeLine(sr.node, "tests", i, "expansion"), Msg: "expansion " + sr.src.display(ep) + ": " + pathErrMsg(err)}
			}
		}
		if err != nil {
			inputErr(err, input.NodeLine(sr.node, "tests", i, "expansion"))
			return
		}
	}
	if len(t.Cases) == 0 {
		sr.out = append(sr.out, Result{Kind: KindSuite, Group: sr.group, Name: t.Name, Status: StatusPass, File: sr.group, Line: line, Duration: time.Since(start)})
		return
	}
	for j, c := range t.Cases {
		name := caseName(c)
		if !sr.matches(t.Name, c.Name) {
			continue
		}
		cline := input.NodeLine(sr.node, "tests", i, "cases", j)
		if c.Skip {
			sr.out = append(sr.out, Result{Kind: KindSuite, Group: sr.group, Name: name, Status: StatusSkip, File: sr.group, Line: cline, Message: "case skipped"})
			continue
		}
		var res Result
		if len(c.Inventory) > 0 {
			// Removing inventory leaves its emptied collections in
			// data.inventory, so a case with inventory runs on an engine of
			// its own that is then dropped: every case starts from an empty
			// inventory, as with gator's fresh client per case.
			res = sr.runIsolatedCase(ctx, entry, cobj, expObjs, i, j, c)
		} else {
			var ok bool
			res, ok = sr.runCase(ctx, eng, i, j, c)
			if !ok {
				clean = false
			}
		}
		res.Kind, res.Group, res.Name, res.File = KindSuite, sr.group, name, sr.group
		if res.Line == 0 {
			res.Line = cline
		}
		sr.out = append(sr.out, res)
	}
}

// runIsolatedCase runs one case on a fresh engine holding the test's
// template, constraint and expansion, and never returns that engine to the
// pool.
func (sr *suiteRunner) runIsolatedCase(ctx context.Context, entry *templateEntry, cobj *unstructured.Unstructured, expansion []*unstructured.Unstructured, i, j int, c *suiteCase) Result {
	eng, err := sr.r.templates.fresh(ctx, entry)
	if err == nil {
		err = eng.AddConstraint(ctx, cobj)
	}
	if err == nil && len(expansion) > 0 {
		err = eng.SetExpansion(expansion)
	}
	if err != nil {
		return Result{Status: StatusError, Message: err.Error(), Line: input.NodeLine(sr.node, "tests", i, "cases", j)}
	}
	res, _ := sr.runCase(ctx, eng, i, j, c)
	return res
}

// runCase reviews one case's object. ok is false when the engine could not
// be returned to its clean state.
func (sr *suiteRunner) runCase(ctx context.Context, eng *engine.Engine, i, j int, c *suiteCase) (res Result, ok bool) {
	start := time.Now()
	ok = true
	defer func() { res.Duration = time.Since(start) }()
	bad := func(msg string, path ...any) Result {
		return Result{Status: StatusError, Message: msg, Line: input.NodeLine(sr.node, append([]any{"tests", i, "cases", j}, path...)...)}
	}
	if c.Object == "" {
		return bad("missing object"), ok
	}
	if len(c.Assertions) == 0 {
		return bad("assertions must be non-empty"), ok
	}
	op, err := sr.resolve("object", c.Object)
	if err != nil {
		return bad(err.Error(), "object"), ok
	}
	objs, err := sr.r.objects(sr.src, op)
	if err != nil {
		return bad("object "+sr.src.display(op)+": "+pathErrMsg(err), "object"), ok
	}
	if len(objs) != 1 {
		return bad(fmt.Sprintf("object %s defines %d objects; a case reviews exactly one", sr.src.display(op), len(objs)), "object"), ok
	}
	var added []*unstructured.Unstructured
	defer func() {
		for _, o := range added {
			if err := eng.RemoveData(ctx, o); err != nil {
				ok = false
			}
		}
	}()
	for k, inv := range c.Inventory {
		ip, err := sr.resolve("inventory", inv)
		if err != nil {
			return bad(err.Error(), "inventory", k), ok
		}
		objs, err := sr.r.objects(sr.src, ip)
		if err != nil {
			return bad("inventory "+sr.src.display(ip)+": "+pathErrMsg(err), "inventory", k), ok
		}
		for _, o := range objs {
			if err := eng.AddData(ctx, o); err != nil {
				return bad("inventory "+sr.src.display(ip)+": "+err.Error(), "inventory", k), ok
			}
			added = append(added, o)
		}
	}
	var vs []engine.Violation
	err = sr.r.guard.run(ctx, func(ctx context.Context) error {
		vs, err = eng.Review(ctx, objs[0])
		return err
	})
	if err != nil {
		return bad("object "+sr.src.display(op)+": "+err.Error(), "object"), ok
	}
	for k := range c.Assertions {
		if err := c.Assertions[k].check(vs); err != nil {
			if errors.Is(err, errBadAssertion) {
				r := bad(err.Error(), "assertions", k)
				r.Violations = vs
				return r, ok
			}
			return Result{Status: StatusFail, Message: err.Error() + messagesOf(vs), Line: input.NodeLine(sr.node, "tests", i, "cases", j, "assertions", k), Violations: vs}, ok
		}
	}
	return Result{Status: StatusPass}, ok
}

func messagesOf(vs []engine.Violation) string {
	if len(vs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("; messages:")
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  - [%s %s] %s", v.EnforcementAction, v.Constraint, v.Msg)
	}
	return b.String()
}

// pathErrMsg shortens "open x: file does not exist" to the reason, since the
// caller names the file.
func pathErrMsg(err error) string {
	var ie *input.Error
	if errors.As(err, &ie) {
		msg := ie.Msg
		if ie.Hint != "" {
			msg += " (" + ie.Hint + ")"
		}
		if ie.Line > 0 {
			return fmt.Sprintf("line %d: %s", ie.Line, msg)
		}
		return msg
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
