// Package report writes an audit report in the formats people and CI
// systems read: text for terminals, JSON (schema: `edict schema
// auditreport`), SARIF 2.1.0 for code scanning, markdown for pull-request
// comments, JUnit XML for test dashboards, and OpenReports Report objects
// for Policy Reporter and similar dashboards.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/edict-policy/edict/audit"
)

// Formats lists the formats Write accepts.
var Formats = []string{"text", "json", "sarif", "markdown", "junit", "policyreport"}

// Write renders r in format to w.
func Write(w io.Writer, format string, r *audit.Report) error {
	switch format {
	case "text":
		return Text(w, r)
	case "json":
		return JSON(w, r)
	case "sarif":
		return SARIF(w, r)
	case "markdown":
		return Markdown(w, r)
	case "junit":
		return JUnit(w, r)
	case "policyreport":
		return PolicyReport(w, r)
	}
	return fmt.Errorf("unknown format %q (formats: %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the report as indented JSON.
func JSON(w io.Writer, r *audit.Report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// policyName is how a result's reference reads: bundle/reference.
func policyName(res audit.Result) string {
	ref := res.Reference.Reference
	if ref == "" {
		ref = res.Constraint
	}
	if res.Bundle == "" {
		return ref
	}
	return res.Bundle + "/" + ref
}

func location(res audit.Result) string { return res.Source.String() }

// byObject groups results by object, keeping input order.
type objectGroup struct {
	obj     audit.Object
	source  string
	results []audit.Result
}

func groupByObject(rs []audit.Result) []objectGroup {
	var groups []objectGroup
	index := map[string]int{}
	for _, r := range rs {
		k := r.Object.String() + "\x00" + r.Source.String()
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, objectGroup{obj: r.Object, source: location(r)})
		}
		groups[i].results = append(groups[i].results, r)
	}
	return groups
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func nsName(n string) string {
	if n == "" {
		return "(cluster)"
	}
	return n
}

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
