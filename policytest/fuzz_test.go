package policytest

import (
	"context"
	"os"
	"testing"
	"testing/fstest"
)

// The test runner reads suites, initiative tests and objects that people
// write by hand. Whatever a file holds, Run must report it as a result and
// never panic or stop the run.

func fuzzSeed(f *testing.F, path string) {
	f.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
}

func FuzzSuiteFile(f *testing.F) {
	fuzzSeed(f, "testdata/gator/labels/suite.yaml")
	f.Add([]byte("kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: x\n  template: t.yaml\n  cases: [{name: c, object: o.yaml, assertions: [{violations: -1}]}]\n"))
	f.Add([]byte("kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests: [{cases: [{assertions: [{message: '('}]}]}]\n"))
	template, err := os.ReadFile("testdata/gator/labels/template.yaml")
	if err != nil {
		f.Fatal(err)
	}
	constraint, err := os.ReadFile("testdata/gator/labels/constraint_owner.yaml")
	if err != nil {
		f.Fatal(err)
	}
	pod, err := os.ReadFile("testdata/gator/labels/pod_unlabelled.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, suite []byte) {
		fsys := fstest.MapFS{
			"s/suite.yaml":            {Data: suite},
			"s/template.yaml":         {Data: template},
			"s/constraint_owner.yaml": {Data: constraint},
			"s/pod_unlabelled.yaml":   {Data: pod},
			"s/t.yaml":                {Data: template},
			"s/o.yaml":                {Data: pod},
		}
		rep, err := Run(context.Background(), fsys, []string{"s"}, Options{Parallel: 1})
		if err != nil {
			t.Fatalf("Run returned an error instead of a report: %v", err)
		}
		if rep == nil {
			t.Fatal("no report")
		}
	})
}

func FuzzInitiativeTestFile(f *testing.F) {
	fuzzSeed(f, "testdata/repo/tests/prod_test.yaml")
	f.Add([]byte("apiVersion: edict.dev/v1alpha1\nkind: InitiativeTest\nmetadata: {name: x}\nspec:\n  initiative: pod-security-baseline\n  cases: [{name: a, object: {kind: Pod}, expect: allowed}]\n"))
	f.Add([]byte("apiVersion: edict.dev/v1alpha1\nkind: InitiativeTest\nspec: {initiative: ../../etc/passwd, cases: []}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"tests/x_test.yaml": {Data: data}}
		rep, err := Run(context.Background(), fsys, []string{"tests"}, Options{Parallel: 1})
		if err != nil {
			t.Fatalf("Run returned an error instead of a report: %v", err)
		}
		if rep == nil {
			t.Fatal("no report")
		}
	})
}
