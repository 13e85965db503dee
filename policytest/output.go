package policytest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// TextOptions tune the text report.
type TextOptions struct {
	// Verbose lists passing and skipped tests too.
	Verbose bool
	// CoverageReport lists the uncovered lines of every folder.
	CoverageReport bool
}

// WriteText writes the human report: failures and errors first, then
// coverage, then the closing line "N passed, N failed" on its own (with
// ", N errors" when a test could not run), ending in a newline.
func WriteText(w io.Writer, rep *Report, opts TextOptions) error {
	ew := &errWriter{w: w}
	for _, res := range rep.Results {
		if res.Status != StatusFail && res.Status != StatusError {
			continue
		}
		label := "FAIL "
		if res.Status == StatusError {
			label = "ERROR"
		}
		loc := res.Group
		if res.File != "" {
			loc = res.File
			if res.Line > 0 {
				loc = fmt.Sprintf("%s:%d", res.File, res.Line)
			}
		}
		name := res.Name
		if name == "" {
			name = "(" + string(res.Kind) + ")"
		}
		ew.printf("%s %s %s\n", label, name, loc)
		if res.Group != res.File && res.Group != "" {
			ew.printf("      in %s\n", res.Group)
		}
		for _, line := range strings.Split(res.Message, "\n") {
			ew.printf("      %s\n", line)
		}
	}
	if opts.Verbose {
		for _, res := range rep.Results {
			switch res.Status {
			case StatusPass:
				ew.printf("ok    %s\n", res.FullName())
			case StatusSkip:
				ew.printf("skip  %s\n", res.FullName())
			}
		}
	}
	if len(rep.Coverage) > 0 {
		ew.printf("coverage:\n")
		width := 0
		for _, c := range rep.Coverage {
			width = max(width, len(c.Group))
		}
		for _, c := range rep.Coverage {
			ew.printf("  %-*s %5.1f%% (%d/%d lines)\n", width, c.Group, c.Percent, c.Covered, c.Total)
			if !opts.CoverageReport {
				continue
			}
			for _, f := range c.Files {
				if len(f.Uncovered) == 0 {
					continue
				}
				ew.printf("    %s: uncovered lines %s\n", f.File, formatRanges(f.Uncovered))
			}
		}
	}
	if rep.Skipped > 0 {
		ew.printf("%d skipped\n", rep.Skipped)
	}
	ew.printf("%s\n", rep.Summary())
	return ew.err
}

func formatRanges(rs []LineRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r.End <= r.Start {
			parts[i] = fmt.Sprint(r.Start)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r.Start, r.End)
		}
	}
	return strings.Join(parts, ", ")
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// JUnit XML, in the shape CI systems (Jenkins, GitLab, GitHub reporters) read.
type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Errors   int             `xml:"errors,attr"`
	Skipped  int             `xml:"skipped,attr"`
	Time     string          `xml:"time,attr"`
	Cases    []junitTestCase `xml:"testcase"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite per group (suite
// file, policy folder, InitiativeTest file), one testcase per test.
func WriteJUnit(w io.Writer, rep *Report) error {
	root := junitTestSuites{Name: "edict test", Time: seconds(rep.Duration.Seconds())}
	index := map[string]int{}
	durations := map[string]float64{}
	for _, res := range rep.Results {
		key := string(res.Kind) + " " + res.Group
		i, ok := index[key]
		if !ok {
			i = len(root.Suites)
			index[key] = i
			root.Suites = append(root.Suites, junitTestSuite{Name: key})
		}
		s := &root.Suites[i]
		name := res.Name
		if name == "" {
			name = string(res.Kind)
		}
		tc := junitTestCase{Name: name, Classname: res.Group, File: res.File, Line: res.Line, Time: seconds(res.Duration.Seconds())}
		first, _, _ := strings.Cut(res.Message, "\n")
		switch res.Status {
		case StatusFail:
			tc.Failure = &junitMessage{Message: first, Type: "failure", Text: res.Message}
			s.Failures++
		case StatusError:
			tc.Error = &junitMessage{Message: first, Type: "bad input", Text: res.Message}
			s.Errors++
		case StatusSkip:
			tc.Skipped = &junitMessage{Message: res.Message}
			s.Skipped++
		}
		s.Tests++
		durations[key] += res.Duration.Seconds()
		s.Cases = append(s.Cases, tc)
	}
	sort.SliceStable(root.Suites, func(i, j int) bool { return root.Suites[i].Name < root.Suites[j].Name })
	for i := range root.Suites {
		s := &root.Suites[i]
		s.Time = seconds(durations[s.Name])
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
