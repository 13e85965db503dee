package policytest

import (
	"context"
	"testing"
)

// The built-in library's unit tests and example suites must all pass: this
// is the check library authors run on their policies and samples.
func TestBuiltinLibrary(t *testing.T) {
	rep, err := RunSources(context.Background(), nil, Options{Library: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]int{}
	for _, r := range rep.Results {
		kinds[r.Kind]++
		if r.Status == StatusFail || r.Status == StatusError {
			t.Errorf("%s %s (%s:%d): %s", r.Status, r.FullName(), r.File, r.Line, r.Message)
		}
	}
	if kinds[KindRego] == 0 || kinds[KindSuite] == 0 {
		t.Errorf("found %d unit tests and %d suite cases in the library; want both", kinds[KindRego], kinds[KindSuite])
	}
	if len(rep.Coverage) == 0 {
		t.Error("no coverage reported for the library")
	}
	for _, c := range rep.Coverage {
		if c.Total == 0 {
			t.Errorf("%s: no Rego lines counted", c.Group)
		}
	}
}
