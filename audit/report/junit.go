package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/edict-policy/edict/audit"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes one test case per object and policy it violates (a failure
// for deny and warn, a skipped case for dryrun, which Gatekeeper only
// reports), grouped in one suite per policy; skipped objects and input
// errors form a last suite.
func JUnit(w io.Writer, r *audit.Report) error {
	suites := junitSuites{Name: "edict audit"}
	index := map[string]int{}
	type caseKey struct{ suite, object, source string }
	cases := map[caseKey]int{}
	for _, res := range r.Results {
		name := policyName(res)
		si, ok := index[name]
		if !ok {
			si = len(suites.Suites)
			index[name] = si
			suites.Suites = append(suites.Suites, junitSuite{Name: name})
		}
		s := &suites.Suites[si]
		k := caseKey{name, res.Object.String(), res.Source.String()}
		msg := fmt.Sprintf("[%s] %s", res.EnforcementAction, oneLine(res.Message))
		if ci, ok := cases[k]; ok {
			c := &s.Cases[ci]
			if c.Failure != nil {
				c.Failure.Text += "\n" + msg
			} else {
				c.Skipped.Message += "; " + msg
			}
			continue
		}
		c := junitCase{Name: res.Object.String(), Classname: name, File: res.Source.File, Line: res.Source.Line}
		if res.EnforcementAction == "dryrun" {
			c.Skipped = &junitSkipped{Message: msg}
			s.Skipped++
		} else {
			c.Failure = &junitFailure{Message: oneLine(res.Message), Type: res.EnforcementAction, Text: msg}
			s.Failures++
		}
		cases[k] = len(s.Cases)
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	if len(r.Skipped)+len(r.Errors) > 0 {
		s := junitSuite{Name: "inputs"}
		for _, sk := range r.Skipped {
			name := sk.Source.String()
			if sk.Object != nil {
				name = sk.Object.String()
			}
			s.Cases = append(s.Cases, junitCase{Name: name, Classname: "inputs", File: sk.Source.File, Line: sk.Source.Line, Skipped: &junitSkipped{Message: sk.Reason}})
			s.Skipped++
			s.Tests++
		}
		for _, e := range r.Errors {
			s.Cases = append(s.Cases, junitCase{Name: e.File, Classname: "inputs", File: e.File, Line: e.Line, Failure: &junitFailure{Message: e.Msg, Type: "input", Text: e.String()}})
			s.Failures++
			s.Tests++
		}
		suites.Suites = append(suites.Suites, s)
	}
	for _, s := range suites.Suites {
		suites.Tests += s.Tests
		suites.Failures += s.Failures
		suites.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suites); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
