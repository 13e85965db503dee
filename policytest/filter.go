package policytest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// nameFilter is --run. A regular expression selects tests by their full name
// (group/test/case). gator's form TEST//CASE is accepted too: TEST selects
// suite tests by name (or group/name), CASE their cases; for Rego unit tests
// and initiative tests the folder or file is the TEST and the test rule or
// case the CASE.
type nameFilter struct {
	full       *regexp.Regexp // the plain form
	test, kase *regexp.Regexp // the TEST//CASE form
}

func newNameFilter(expr string) (*nameFilter, error) {
	if expr == "" {
		return nil, nil
	}
	parts := strings.Split(expr, "//")
	switch len(parts) {
	case 1:
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, err
		}
		return &nameFilter{full: re}, nil
	case 2:
		test, err := regexp.Compile(parts[0])
		if err != nil {
			return nil, fmt.Errorf("test part %q: %w", parts[0], err)
		}
		kase, err := regexp.Compile(parts[1])
		if err != nil {
			return nil, fmt.Errorf("case part %q: %w", parts[1], err)
		}
		return &nameFilter{test: test, kase: kase}, nil
	}
	return nil, errors.New(`at most one "//" separates a test from a case (gator's TEST//CASE form)`)
}

// match reports whether a test is selected: group is the file or folder it
// comes from, test its name there, kase the case name ("" for a suite test
// without cases, which only an empty CASE part selects).
func (f *nameFilter) match(group, test, kase string) bool {
	if f == nil {
		return true
	}
	if f.full != nil {
		return f.full.MatchString(joinParts(group, test, kase))
	}
	if !f.test.MatchString(test) && !f.test.MatchString(joinParts(group, test)) {
		return false
	}
	return f.kase.MatchString(kase)
}

// joinParts joins the non-empty parts of a name with "/".
func joinParts(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "/")
}
