package policytest

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func run(t testing.TB, fsys fstest.MapFS, paths []string, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), fsys, paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func runDir(t testing.TB, dir string, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), os.DirFS(dir), []string{"."}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// verdicts renders results one per line, "status name", plus the message's
// first line for failures and errors: what gator verify would decide.
func verdicts(rep *Report) string {
	var lines []string
	for _, r := range rep.Results {
		line := fmt.Sprintf("%-5s %s", r.Status, r.FullName())
		if r.Status == StatusError || r.Status == StatusFail {
			first, _, _ := strings.Cut(r.Message, "\n")
			loc := r.File
			if r.Line > 0 {
				loc = fmt.Sprintf("%s:%d", r.File, r.Line)
			}
			line += "\n      " + loc + ": " + first
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + fmt.Sprintf("\n%d passed, %d failed, %d errors, %d skipped\n", rep.Passed, rep.Failed, rep.Errors, rep.Skipped)
}

// The gator suites under testdata are also run with `gator verify` by hand;
// the golden verdicts are gator's (unknown fields aside, which gator ignores).
func TestSuiteVerdicts(t *testing.T) {
	tests := []struct {
		dir      string
		exit     int
		passed   int
		failed   int
		errors   int
		skipped  int
		compiles int64 // distinct templates compiled once, plus a fresh engine per case with inventory
	}{
		{dir: "gator", exit: ExitOK, passed: 34, skipped: 2, compiles: 9}, // 5 templates, 4 cases with inventory
		{dir: "failing", exit: ExitFailure, passed: 1, failed: 6, compiles: 1},
		{dir: "bad", exit: ExitBadInput, passed: 2, failed: 0, errors: 11, compiles: 2}, // the broken template is tried once
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			r, err := newRunner(Options{Parallel: 1})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := r.run(context.Background(), []Source{{FS: os.DirFS("testdata"), Paths: []string{tt.dir}}})
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "verdicts-"+tt.dir+".golden"), []byte(verdicts(rep)))
			if rep.ExitCode() != tt.exit || rep.Passed != tt.passed || rep.Failed != tt.failed || rep.Errors != tt.errors || rep.Skipped != tt.skipped {
				t.Errorf("exit %d, %d passed, %d failed, %d errors, %d skipped; want exit %d, %d/%d/%d/%d",
					rep.ExitCode(), rep.Passed, rep.Failed, rep.Errors, rep.Skipped, tt.exit, tt.passed, tt.failed, tt.errors, tt.skipped)
			}
			if got := r.templates.compiles.Load(); got != tt.compiles {
				t.Errorf("compiled templates %d times, want %d", got, tt.compiles)
			}
		})
	}
}

// runTestdata runs every fixture: the gator suites and the repository
// (which is a root of its own, for its lib/ folder and initiatives).
func runTestdata(t testing.TB) *Report {
	t.Helper()
	rep, err := RunSources(context.Background(), []Source{
		{FS: os.DirFS("testdata"), Paths: []string{"gator", "failing", "bad"}},
		{FS: os.DirFS("testdata/repo"), Paths: []string{"."}, Prefix: "repo/"},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func find(t *testing.T, rep *Report, name string) Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.FullName() == name {
			return r
		}
	}
	t.Fatalf("no result %q", name)
	return Result{}
}

// Individual behaviours of the suite runner, beyond the golden verdicts.
func TestSuiteDetails(t *testing.T) {
	rep := runTestdata(t)
	tests := []struct {
		name    string
		status  Status
		line    int
		message string // substring
	}{
		{"failing/suite.yaml/wrong-expectations/count-mismatch", StatusFail, 13, "got 2 violations, want exactly 1"},
		{"failing/suite.yaml/wrong-expectations/count-mismatch", StatusFail, 13, "[warn need-owner-and-team] Pod default/web is missing label team"},
		{"failing/suite.yaml/constraint-rejected-by-schema", StatusFail, 38, "must be of type array"},
		{"bad/unknown_field.yaml", StatusError, 11, `unknown field "violation" in assertion`},
		{"bad/missing_file.yaml/missing-object/no-such-file", StatusError, 9, "does_not_exist.yaml"},
		{"bad/missing_file.yaml/missing-object/other-case-runs", StatusPass, 0, ""},
		{"bad/template_does_not_compile.yaml/no-violation-rule", StatusError, 5, "missing required rules: [violation]"},
		{"bad/invalid_object.yaml/object-is-not-yaml/broken-yaml", StatusError, 9, "not_yaml.txt: line 4: invalid YAML"},
		{"bad/good_suite.yaml/still-runs/labelled", StatusPass, 0, ""},
		{"gator/expansion/suite.yaml/pods-of-deployments/generated-pod-unlabelled", StatusPass, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := find(t, rep, tt.name)
			if r.Status != tt.status || !strings.Contains(r.Message, tt.message) || (tt.line > 0 && r.Line != tt.line) {
				t.Errorf("got %s line %d %q; want %s line %d containing %q", r.Status, r.Line, r.Message, tt.status, tt.line, tt.message)
			}
		})
	}
	// testdata folders below a given path are skipped; named directly they run.
	if rep := runDir(t, ".", Options{}); len(rep.Results) != 0 {
		t.Errorf("walking the package folder found %d tests under testdata; want none", len(rep.Results))
	}
}

func TestRunFilter(t *testing.T) {
	tests := []struct {
		run  string
		want []string
	}{
		{"inventory-from", []string{"gator/inventory/suite.yaml/unique-host/inventory-from-previous-case-is-gone"}},
		// A test name selects all its cases, as in gator.
		{"labels/suite.yaml/two-labels/", []string{
			"gator/labels/suite.yaml/two-labels/both-missing",
			"gator/labels/suite.yaml/two-labels/default-assertion-is-yes",
			"gator/labels/suite.yaml/two-labels/team-missing",
		}},
		{"parameters-must-be", []string{"gator/labels/suite.yaml/parameters-must-be-a-list"}},
		{"nothing-matches-this", nil},
		// gator's TEST//CASE form: a test name, then a case name.
		{"two-labels//team", []string{"gator/labels/suite.yaml/two-labels/team-missing"}},
		{"^owner$//", []string{
			"gator/labels/suite.yaml/owner/labelled",
			"gator/labels/suite.yaml/owner/namespace-not-matched-by-kind",
			"gator/labels/suite.yaml/owner/unlabelled",
		}},
		{"//-missing$", []string{
			"gator/expansion/suite.yaml/expansion-with-enforcement-action/both-labels-missing",
			"gator/labels/suite.yaml/two-labels/both-missing",
			"gator/labels/suite.yaml/two-labels/team-missing",
		}},
		// A test without cases is selected by its name.
		{"parameters-must//", []string{"gator/labels/suite.yaml/parameters-must-be-a-list"}},
		{"owner//no-such-case", nil},
		// Rego unit tests: the folder is the test, the rule the case.
		{"repo/lib$//missing_label", []string{"repo/lib/test_missing_label"}},
		// Initiative tests: the file is the test.
		{"prod_test.yaml//exempt", []string{"repo/tests/prod_test.yaml/exempt-namespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.run, func(t *testing.T) {
			rep, err := RunSources(context.Background(), []Source{
				{FS: os.DirFS("testdata"), Paths: []string{"gator"}},
				{FS: os.DirFS("testdata"), Root: "repo", Paths: []string{"repo/lib", "repo/tests/prod_test.yaml"}, Prefix: "repo/"},
			}, Options{Run: tt.run})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rep.Results {
				got = append(got, r.FullName())
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("ran %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"(", "a//(", "a//b//c"} {
		if _, err := Run(context.Background(), os.DirFS("testdata"), nil, Options{Run: bad}); err == nil {
			t.Errorf("the invalid --run expression %q was accepted", bad)
		}
	}
}

func TestRepository(t *testing.T) {
	rep := runDir(t, "testdata/repo", Options{Compile: compile.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})
	golden.Check(t, filepath.Join("testdata", "verdicts-repo.golden"), []byte(verdicts(rep)))
	tests := []struct {
		name    string
		status  Status
		message []string
	}{
		{"lib/test_missing_label", StatusPass, nil},
		{"policies/required-labels/test_unlabelled_pod_denied", StatusPass, nil},
		{"policies/required-labels/suite.yaml/policy-file/disallowed", StatusPass, nil},
		{"policies/required-labels/suite.yaml/policy-folder/disallowed", StatusPass, nil},
		{"tests/prod_test.yaml/unlabelled-pod-in-prod-warned-and-audited", StatusPass, nil},
		{"tests/prod_test.yaml/deployment-expanded-to-its-pod", StatusPass, nil},
		{"tests/prod_test.yaml/exempt-namespace", StatusPass, nil},
		{"tests/prod_failing_test.yaml/privileged-pod-expected-allowed", StatusFail, []string{
			"expected allowed, got denied by privileged-containers",
			"[deny repo-prod-privileged-containers]", "privileged",
		}},
		{"tests/prod_failing_test.yaml/wrong-outcome", StatusFail, []string{
			"expected warned by privileged-containers, got warned by none",
			"outcome: denied by privileged-containers",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := find(t, rep, tt.name)
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Message, tt.status)
			}
			for _, m := range tt.message {
				if !strings.Contains(r.Message, m) {
					t.Errorf("message %q lacks %q", r.Message, m)
				}
			}
		})
	}
	var cov *Coverage
	for i := range rep.Coverage {
		if rep.Coverage[i].Group == "policies/required-labels" {
			cov = &rep.Coverage[i]
		}
	}
	if cov == nil || cov.Covered != 5 || cov.Total != 8 || len(cov.Files) != 1 || fmt.Sprint(cov.Files[0].Uncovered) != "[{13 15}]" {
		t.Errorf("coverage of policies/required-labels = %+v; want 5/8 lines, 13-15 uncovered", cov)
	}
}

func TestCoverageGate(t *testing.T) {
	tests := []struct {
		min    float64
		status Status
	}{
		{60, StatusPass},
		{62.5, StatusPass},
		{80, StatusFail},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.min), func(t *testing.T) {
			rep, err := Run(context.Background(), os.DirFS("testdata/repo"), []string{"policies", "lib"}, Options{CoverageMin: tt.min})
			if err != nil {
				t.Fatal(err)
			}
			r := find(t, rep, "policies/required-labels/coverage")
			if r.Status != tt.status || r.Kind != KindCoverage {
				t.Errorf("gate at %v%%: %s %q, want %s", tt.min, r.Status, r.Message, tt.status)
			}
			if lib := find(t, rep, "lib/coverage"); lib.Status != StatusPass {
				t.Errorf("fully covered lib: %s %q", lib.Status, lib.Message)
			}
		})
	}
}

// Unit tests of a folder compile in isolation: two folders declaring the
// same package do not collide, and v0 Rego is still accepted.
func TestUnitIsolation(t *testing.T) {
	fsys := fstest.MapFS{
		"a/src.rego":      {Data: []byte("package same\n\nallow if input.x == 1\n")},
		"a/src_test.rego": {Data: []byte("package same_test\n\nimport data.same\n\ntest_allow if same.allow with input as {\"x\": 1}\n")},
		"b/src.rego":      {Data: []byte("package same\n\nallow { input.x == 2 }\n")},
		"b/src_test.rego": {Data: []byte("package same_test\n\nimport data.same\n\ntest_allow { same.allow with input as {\"x\": 2} }\n\ntest_fails { same.allow with input as {\"x\": 3} }\n")},
		"c/bad_test.rego": {Data: []byte("package broken\n\ntest_x if {\n")},
	}
	rep := run(t, fsys, nil, Options{})
	want := map[string]Status{
		"a/test_allow": StatusPass,
		"b/test_allow": StatusPass,
		"b/test_fails": StatusFail,
		"c":            StatusError,
	}
	for name, status := range want {
		if r := find(t, rep, name); r.Status != status {
			t.Errorf("%s: %s %q, want %s", name, r.Status, r.Message, status)
		}
	}
	if r := find(t, rep, "c"); r.File != "c/bad_test.rego" || r.Line == 0 {
		t.Errorf("parse error at %s:%d, want a line of c/bad_test.rego", r.File, r.Line)
	}
	if rep.ExitCode() != ExitBadInput {
		t.Errorf("exit %d, want %d", rep.ExitCode(), ExitBadInput)
	}
}

func TestInitiativeTestInput(t *testing.T) {
	repo, err := os.ReadFile("testdata/repo/initiatives/prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	policy := "testdata/repo/policies/required-labels/"
	base := fstest.MapFS{"initiatives/prod.yaml": {Data: repo}}
	for _, f := range []string{"policy.yaml", "policy.rego"} {
		data, err := os.ReadFile(policy + f)
		if err != nil {
			t.Fatal(err)
		}
		base["policies/required-labels/"+f] = &fstest.MapFile{Data: data}
	}
	lib, err := os.ReadFile("testdata/repo/lib/labels.rego")
	if err != nil {
		t.Fatal(err)
	}
	base["lib/labels.rego"] = &fstest.MapFile{Data: lib}
	const head = "apiVersion: edict.dev/v1alpha1\nkind: InitiativeTest\nmetadata:\n  name: t\nspec:\n  initiative: ../initiatives/prod.yaml\n  cases:\n"
	pod := "      object: {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: apps}, spec: {containers: [{name: c, image: x}]}}\n"
	tests := []struct {
		name   string
		body   string
		status Status
		line   int
		msg    string
	}{
		{"warned", "    - name: c\n" + pod + "      expect: {warned: [labels]}\n", StatusPass, 8, ""},
		{"unknown field", "    - name: c\n" + pod + "      expected: allowed\n", StatusError, 8, `line 10: spec.cases.0.expected: unknown field (did you mean "expect"?)`},
		{"missing expect", "    - name: c\n" + pod, StatusError, 8, "missing required field(s): expect"},
		{"unknown outcome", "    - name: c\n" + pod + "      expect: {blocked: [labels]}\n", StatusError, 10, "blocked"},
		{"unknown reference", "    - name: c\n" + pod + "      expect: {denied: [privileged-container]}\n", StatusError, 10, `no reference "privileged-container" (did you mean "privileged-containers"?)`},
		{"missing object file", "    - name: c\n      object: nope.yaml\n      expect: allowed\n", StatusError, 9, "nope.yaml"},
		{"missing initiative", strings.Replace(head, "prod.yaml", "gone.yaml", 1)[len(head):] + "    - name: c\n" + pod + "      expect: allowed\n", StatusError, 0, ""},
		{"bad message regex", "    - name: c\n" + pod + "      expect: {messages: ['(']}\n", StatusError, 10, "expect.messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range base {
				fsys[k] = v
			}
			h := head
			if tt.name == "missing initiative" {
				h = strings.Replace(head, "prod.yaml", "gone.yaml", 1)
				tt.line, tt.msg = 6, "gone.yaml"
			}
			fsys["tests/t_test.yaml"] = &fstest.MapFile{Data: []byte(h + tt.body)}
			rep := run(t, fsys, []string{"tests"}, Options{})
			if len(rep.Results) != 1 {
				t.Fatalf("got %d results: %+v", len(rep.Results), rep.Results)
			}
			r := rep.Results[0]
			if r.Status != tt.status || r.Line != tt.line || !strings.Contains(r.Message, tt.msg) {
				t.Errorf("got %s at line %d: %q; want %s at line %d containing %q", r.Status, r.Line, r.Message, tt.status, tt.line, tt.msg)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	fsys := fstest.MapFS{
		"notes.yaml":       {Data: []byte("kind: ConfigMap\n")},
		"suite/suite.yaml": {Data: []byte("kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests: []\n")},
	}
	tests := []struct {
		paths []string
		exit  int
		msg   string
	}{
		{[]string{"missing"}, ExitBadInput, "file does not exist"},
		{[]string{"notes.yaml"}, ExitBadInput, "not a gator Suite"},
		{[]string{"../outside"}, ExitBadInput, "not a path inside"},
		{[]string{"suite"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.paths, ","), func(t *testing.T) {
			rep := run(t, fsys, tt.paths, Options{})
			if rep.ExitCode() != tt.exit {
				t.Fatalf("exit %d, want %d: %+v", rep.ExitCode(), tt.exit, rep.Results)
			}
			if tt.msg != "" && !strings.Contains(rep.Results[0].Message, tt.msg) {
				t.Errorf("message %q lacks %q", rep.Results[0].Message, tt.msg)
			}
		})
	}
}

// JUnit output must have the elements and counts of the JUnit XML schema.
func TestJUnit(t *testing.T) {
	rep := runTestdata(t)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, rep); err != nil {
		t.Fatal(err)
	}
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string    `xml:"name,attr"`
		Classname string    `xml:"classname,attr"`
		Time      *float64  `xml:"time,attr"`
		Failure   *failure  `xml:"failure"`
		Error     *failure  `xml:"error"`
		Skipped   *struct{} `xml:"skipped"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Time     float64    `xml:"time,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	var doc struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	dec := xml.NewDecoder(&buf)
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not well-formed JUnit XML: %v", err)
	}
	if doc.Tests != rep.Passed+rep.Failed+rep.Errors+rep.Skipped || doc.Failures != rep.Failed || doc.Errors != rep.Errors || doc.Skipped != rep.Skipped {
		t.Errorf("testsuites counts tests=%d failures=%d errors=%d skipped=%d disagree with the report %+v", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, rep)
	}
	var tests, failures, errors, skipped int
	for _, s := range doc.Suites {
		var f, e, sk int
		for _, c := range s.Cases {
			if c.Name == "" || c.Classname == "" || c.Time == nil {
				t.Errorf("testcase %+v lacks name, classname or time", c)
			}
			if c.Failure != nil {
				f++
				if c.Failure.Message == "" {
					t.Errorf("failure of %s has no message", c.Name)
				}
			}
			if c.Error != nil {
				e++
			}
			if c.Skipped != nil {
				sk++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("testsuite %s counts %d/%d/%d/%d, its testcases %d/%d/%d/%d", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
		}
		tests, failures, errors, skipped = tests+s.Tests, failures+f, errors+e, skipped+sk
	}
	if tests != doc.Tests || failures != doc.Failures || errors != doc.Errors || skipped != doc.Skipped {
		t.Errorf("testsuites totals %d/%d/%d/%d, sum of testsuite %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errors, skipped)
	}
	if doc.Failures == 0 || doc.Errors == 0 || doc.Skipped == 0 {
		t.Error("the testdata should produce failures, errors and skips")
	}
}

func TestText(t *testing.T) {
	rep := runTestdata(t)
	var buf bytes.Buffer
	if err := WriteText(&buf, rep, TextOptions{CoverageReport: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("the report does not end with a newline: %q", out[max(0, len(out)-40):])
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	// Bad input is counted apart from failing tests.
	if last, want := lines[len(lines)-1], fmt.Sprintf("%d passed, %d failed, %d errors", rep.Passed, rep.Failed, rep.Errors); last != want || rep.Errors == 0 || rep.Failed == 0 {
		t.Errorf("closing line %q, want %q (with both failures and errors)", last, want)
	}
	if !strings.HasPrefix(out, "FAIL ") && !strings.HasPrefix(out, "ERROR") {
		t.Errorf("failures do not come first:\n%s", out)
	}
	for _, want := range []string{
		"ERROR (suite) bad/unknown_field.yaml:11",
		"FAIL  wrong-expectations/count-mismatch failing/suite.yaml:13",
		"repo/policies/required-labels/policy.rego: uncovered lines 13-15",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ok    ") {
		t.Error("passing tests listed without Verbose")
	}
}

// TestForbiddenBuiltinsInUnitTests: Rego unit tests compile with
// Gatekeeper's capability set, so a test cannot reach the network or the
// runtime of the machine running it.
func TestForbiddenBuiltinsInUnitTests(t *testing.T) {
	tests := []struct{ name, call string }{
		{"dns", `count(net.lookup_ip_addr("edict-test.invalid")) >= 0`},
		{"http", `http.send({"method": "GET", "url": "http://127.0.0.1:1"}).status_code == 0`},
		{"runtime", `opa.runtime().env.HOME != ""`},
		{"lib", `data.lib.leak.home != ""`},
	}
	fsys := fstest.MapFS{
		"lib/leak.rego": {Data: []byte("package lib.leak\n\nhome := opa.runtime().env.HOME\n")},
	}
	for _, tt := range tests {
		fsys[tt.name+"/x_test.rego"] = &fstest.MapFile{Data: []byte("package x_test\n\ntest_call if {\n\t" + tt.call + "\n}\n")}
	}
	rep := run(t, fsys, []string{"dns", "http", "runtime", "lib"}, Options{})
	for _, tt := range tests {
		r := find(t, rep, tt.name)
		if r.Status != StatusError || !strings.Contains(r.Message, "undefined function") {
			t.Errorf("%s: %s %q, want an error naming the undefined builtin", tt.name, r.Status, r.Message)
		}
	}
}

// TestRegoFailureDetail: a failing Rego unit test says which expression
// failed and the values of its variables, not just "failed".
func TestRegoFailureDetail(t *testing.T) {
	rep, err := Run(context.Background(), os.DirFS("testdata"), []string{"regofail"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"test_two_violations": {
			"failed at regofail/p/policy_test.rego:10:",
			"count(result) == 2",
			`{{"msg": "container a is privileged"}}`,
		},
		"test_message": {
			"failed at regofail/p/policy_test.rego:16:",
			`v.msg == "container b is privileged"`,
			`v.msg: "container a is privileged"`,
		},
	}
	if rep.Passed != 1 || rep.Failed != 2 {
		t.Fatalf("%d passed, %d failed; want 1 and 2", rep.Passed, rep.Failed)
	}
	for _, res := range rep.Results {
		for _, w := range want[res.Name] {
			if !strings.Contains(res.Message, w) {
				t.Errorf("%s: message lacks %q:\n%s", res.Name, w, res.Message)
			}
		}
	}
}

// TestTemplatePoolIsBounded: a run keeps at most its pool of compiled
// engines however many templates it meets, and a suite's tests still share
// one compilation of their template.
func TestTemplatePoolIsBounded(t *testing.T) {
	dir := t.TempDir()
	if err := writeBenchTree(dir, 6); err != nil {
		t.Fatal(err)
	}
	for _, parallel := range []int{1, 2} {
		r, err := newRunner(Options{Parallel: parallel})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.run(context.Background(), []Source{{FS: os.DirFS(dir), Paths: []string{"."}}})
		if err != nil || rep.Failed+rep.Errors > 0 || rep.Passed != 66 {
			t.Fatalf("parallel %d: %v, %d passed, %d failed, %d errors", parallel, err, rep.Passed, rep.Failed, rep.Errors)
		}
		if n := len(r.templates.idle); n > 2*parallel {
			t.Errorf("parallel %d: %d idle engines kept, want at most %d", parallel, n, 2*parallel)
		}
		// One compilation per template (three tests each) plus a fresh
		// engine for each case with inventory.
		if got := r.templates.compiles.Load(); parallel == 1 && got != 6+6 {
			t.Errorf("compiled templates %d times, want %d", got, 12)
		}
	}
}
