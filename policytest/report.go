package policytest

import (
	"fmt"
	"sort"
	"time"

	"github.com/edict-policy/edict/engine"
)

// Kind says which runner produced a result.
type Kind string

const (
	KindRego       Kind = "rego"       // an OPA unit test (test_* rule)
	KindSuite      Kind = "suite"      // a gator suite case (or a test without cases)
	KindInitiative Kind = "initiative" // an InitiativeTest case
	KindCoverage   Kind = "coverage"   // the --coverage-min gate of one policy folder
	KindInput      Kind = "input"      // a path or file that could not be read or classified
)

// Status is the outcome of one test.
type Status string

const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"  // the policy did not behave as the test expects
	StatusError Status = "error" // the test could not run: bad input
	StatusSkip  Status = "skip"  // skipped by the test file itself
)

// Result is one test's outcome.
type Result struct {
	Kind Kind `json:"kind"`
	// Group is the file or folder the test comes from (suite file, policy
	// folder, InitiativeTest file); Name identifies the test inside it.
	Group  string `json:"group"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	// File and Line point at the test's definition, when known.
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message,omitempty"`
	// Violations are what Gatekeeper's engine returned, for suite and
	// initiative cases that did not pass.
	Violations []engine.Violation `json:"violations,omitempty"`
	Duration   time.Duration      `json:"durationNanos"`
}

// FullName is the name --run filters on: group and name joined by "/".
func (r *Result) FullName() string { return joinName(r.Group, r.Name) }

func joinName(group, name string) string {
	if name == "" {
		return group
	}
	return group + "/" + name
}

// Coverage is the Rego line coverage of one policy (or library) folder by its
// unit tests; test files themselves are not counted.
type Coverage struct {
	Group   string         `json:"group"`
	Covered int            `json:"coveredLines"`
	Total   int            `json:"totalLines"`
	Percent float64        `json:"percent"`
	Files   []FileCoverage `json:"files"`
}

// FileCoverage is the coverage of one Rego file.
type FileCoverage struct {
	File      string      `json:"file"`
	Covered   int         `json:"coveredLines"`
	Total     int         `json:"totalLines"`
	Uncovered []LineRange `json:"uncovered,omitempty"`
}

// LineRange is an inclusive range of 1-based lines.
type LineRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Report is the outcome of a run.
type Report struct {
	Results  []Result      `json:"results"`
	Coverage []Coverage    `json:"coverage,omitempty"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"` // tests that ran and failed
	Errors   int           `json:"errors"` // tests that could not run: bad input
	Skipped  int           `json:"skipped"`
	Duration time.Duration `json:"durationNanos"`
}

// Exit codes of a run, as the CLI uses them.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitBadInput = 2
)

// ExitCode is 2 when any test could not run because of bad input, 1 when any
// test failed, 0 otherwise.
func (r *Report) ExitCode() int {
	switch {
	case r.Errors > 0:
		return ExitBadInput
	case r.Failed > 0:
		return ExitFailure
	}
	return ExitOK
}

// Summary is the closing line of a run: "N passed, N failed", and ", N
// errors" when bad input kept tests from running, so input mistakes are not
// counted as failing tests.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%d passed, %d failed", r.Passed, r.Failed)
	if r.Errors > 0 {
		s += fmt.Sprintf(", %d errors", r.Errors)
	}
	return s
}

// finish sorts results into a stable order and counts them.
func (r *Report) finish() {
	sort.SliceStable(r.Results, func(i, j int) bool {
		a, b := &r.Results[i], &r.Results[j]
		if ka, kb := kindOrder(a.Kind), kindOrder(b.Kind); ka != kb {
			return ka < kb
		}
		return a.Group < b.Group
	})
	sort.Slice(r.Coverage, func(i, j int) bool { return r.Coverage[i].Group < r.Coverage[j].Group })
	r.Passed, r.Failed, r.Errors, r.Skipped = 0, 0, 0, 0
	for _, res := range r.Results {
		switch res.Status {
		case StatusPass:
			r.Passed++
		case StatusFail:
			r.Failed++
		case StatusError:
			r.Errors++
		case StatusSkip:
			r.Skipped++
		}
	}
}

func kindOrder(k Kind) int {
	switch k {
	case KindRego:
		return 0
	case KindCoverage:
		return 1
	case KindSuite:
		return 2
	}
	return 3
}
