package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/edict-policy/edict/audit"
)

// maxMarkdownRows keeps a pull-request comment short enough to read (and
// under GitHub's comment size limit); the JSON report has everything.
const maxMarkdownRows = 50

// Markdown writes a pull-request comment: a summary table, the new
// violations first, and the rest folded in <details>.
func Markdown(out io.Writer, r *audit.Report) error {
	w := bufio.NewWriter(out)
	s := r.Summary
	var names []string
	for _, b := range r.Policy {
		names = append(names, "`"+b.Name+"` "+b.Version)
	}
	fmt.Fprintf(w, "### edict audit: %s\n\n", strings.Join(names, ", "))
	if s.New != nil {
		if s.New.Total == 0 {
			fmt.Fprintf(w, "This change introduces **no new violations** (%d fixed).\n\n", s.Fixed.Total)
		} else {
			fmt.Fprintf(w, "This change newly denies **%s** and adds %d warn and %d dryrun results, in %s (%s affected); %d fixed.\n\n",
				plural(s.New.Deny, "result", "results"), s.New.Warn, s.New.Dryrun,
				plural(s.NewNamespaces, "namespace", "namespaces"), plural(s.NewObjects, "object", "objects"), s.Fixed.Total)
		}
	}
	fmt.Fprintf(w, "%s reviewed, %s with violations, %d skipped, %d input errors.\n\n", plural(s.Objects, "object", "objects"), plural(s.Violating, "object", "objects"), s.Skipped, s.Errors)
	fmt.Fprintln(w, "| | deny | warn | dryrun |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	if s.New != nil {
		fmt.Fprintf(w, "| **new** | %d | %d | %d |\n", s.New.Deny, s.New.Warn, s.New.Dryrun)
		fmt.Fprintf(w, "| unchanged | %d | %d | %d |\n", s.Unchanged.Deny, s.Unchanged.Warn, s.Unchanged.Dryrun)
		fmt.Fprintf(w, "| fixed | %d | %d | %d |\n", s.Fixed.Deny, s.Fixed.Warn, s.Fixed.Dryrun)
	}
	fmt.Fprintf(w, "| all | %d | %d | %d |\n\n", s.Results.Deny, s.Results.Warn, s.Results.Dryrun)

	var fresh, rest []audit.Result
	for _, res := range audit.SortResults(r.Results) {
		if res.Status == audit.StatusNew {
			fresh = append(fresh, res)
		} else {
			rest = append(rest, res)
		}
	}
	if len(fresh) > 0 {
		fmt.Fprintf(w, "#### New violations (%d)\n\n", len(fresh))
		table(w, fresh)
	}
	if len(rest) > 0 {
		title := "Violations"
		if s.New != nil {
			title = "Unchanged violations"
		}
		fmt.Fprintf(w, "<details><summary>%s (%d)</summary>\n\n", title, len(rest))
		table(w, rest)
		fmt.Fprintln(w, "</details>")
		fmt.Fprintln(w)
	}
	if len(r.Fixed) > 0 {
		fmt.Fprintf(w, "<details><summary>Fixed (%d)</summary>\n\n", len(r.Fixed))
		table(w, r.Fixed)
		fmt.Fprintln(w, "</details>")
		fmt.Fprintln(w)
	}
	if len(s.ByPolicy) > 0 {
		fmt.Fprintf(w, "<details><summary>By policy (%d)</summary>\n\n", len(s.ByPolicy))
		fmt.Fprintln(w, "| policy | reference | deny | warn | dryrun | new |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
		for _, p := range s.ByPolicy {
			n := "–"
			if p.New != nil {
				n = fmt.Sprint(p.New.Total)
			}
			fmt.Fprintf(w, "| %s | %s/%s | %d | %d | %d | %s |\n", cell(p.Policy), cell(p.Bundle), cell(p.Reference), p.Results.Deny, p.Results.Warn, p.Results.Dryrun, n)
		}
		fmt.Fprintln(w, "\n</details>")
		fmt.Fprintln(w)
	}
	if len(r.Skipped)+len(r.Errors) > 0 {
		fmt.Fprintf(w, "<details><summary>Skipped (%d) and input errors (%d)</summary>\n\n", len(r.Skipped), len(r.Errors))
		for i, sk := range r.Skipped {
			if i == maxMarkdownRows {
				fmt.Fprintf(w, "- … and %d more\n", len(r.Skipped)-i)
				break
			}
			what := ""
			if sk.Object != nil {
				what = "`" + sk.Object.String() + "` "
			}
			fmt.Fprintf(w, "- `%s` %s— %s\n", sk.Source, what, cell(sk.Reason))
		}
		for _, e := range r.Errors {
			fmt.Fprintf(w, "- error: `%s`\n", cell(e.String()))
		}
		fmt.Fprintln(w, "\n</details>")
	}
	return w.Flush()
}

func table(w io.Writer, rs []audit.Result) {
	fmt.Fprintln(w, "| action | object | policy | message | source |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i, res := range rs {
		if i == maxMarkdownRows {
			fmt.Fprintf(w, "\n… and %d more (see the JSON or SARIF report)\n", len(rs)-i)
			break
		}
		action := res.EnforcementAction
		if res.BaselineAction != "" {
			action += " (was " + res.BaselineAction + ")"
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %s | `%s` |\n", action, res.Object, cell(policyName(res)), cell(res.Message), location(res))
	}
	fmt.Fprintln(w)
}

// cell escapes text for a markdown table cell.
func cell(s string) string {
	s = oneLine(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return s
}
