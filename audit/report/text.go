package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/edict-policy/edict/audit"
)

// Text writes a summary per policy and per namespace, then the violations
// grouped by object, then what was fixed, skipped or unreadable.
func Text(out io.Writer, r *audit.Report) error {
	w := bufio.NewWriter(out)
	s := r.Summary
	var names []string
	for _, b := range r.Policy {
		names = append(names, b.Name+" "+b.Version+" ("+b.Origin+")")
	}
	fmt.Fprintf(w, "edict audit: %s\n", strings.Join(names, ", "))
	if len(r.Baseline) > 0 {
		var bn []string
		for _, b := range r.Baseline {
			bn = append(bn, b.Name+" "+b.Version+" ("+b.Origin+")")
		}
		fmt.Fprintf(w, "baseline:    %s\n", strings.Join(bn, ", "))
	}
	fmt.Fprintf(w, "%s reviewed, %s with violations, %s, %s\n",
		plural(s.Objects, "object", "objects"), plural(s.Violating, "object", "objects"),
		plural(s.Skipped, "skipped", "skipped"), plural(s.Errors, "input error", "input errors"))
	fmt.Fprintf(w, "results: %d deny, %d warn, %d dryrun\n", s.Results.Deny, s.Results.Warn, s.Results.Dryrun)
	if s.New != nil {
		fmt.Fprintf(w, "new:     %d deny, %d warn, %d dryrun in %s in %s; %d unchanged, %d fixed\n",
			s.New.Deny, s.New.Warn, s.New.Dryrun, plural(s.NewObjects, "object", "objects"),
			plural(s.NewNamespaces, "namespace", "namespaces"), s.Unchanged.Total, s.Fixed.Total)
	}
	if len(s.ByPolicy) > 0 {
		fmt.Fprintln(w, "\nBy policy")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		header := "  POLICY\tREFERENCE\tDENY\tWARN\tDRYRUN"
		if s.New != nil {
			header += "\tNEW\tFIXED"
		}
		fmt.Fprintln(tw, header)
		for _, p := range s.ByPolicy {
			line := fmt.Sprintf("  %s\t%s/%s\t%d\t%d\t%d", p.Policy, p.Bundle, p.Reference, p.Results.Deny, p.Results.Warn, p.Results.Dryrun)
			if p.New != nil {
				line += fmt.Sprintf("\t%d\t%d", p.New.Total, p.Fixed)
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
		fmt.Fprintln(w, "\nBy namespace")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		header = "  NAMESPACE\tDENY\tWARN\tDRYRUN"
		if s.New != nil {
			header += "\tNEW"
		}
		fmt.Fprintln(tw, header)
		for _, n := range s.ByNamespace {
			line := fmt.Sprintf("  %s\t%d\t%d\t%d", nsName(n.Namespace), n.Results.Deny, n.Results.Warn, n.Results.Dryrun)
			if n.New != nil {
				line += fmt.Sprintf("\t%d", n.New.Total)
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	if len(r.Results) > 0 {
		fmt.Fprintln(w, "\nViolations")
		for _, g := range groupByObject(r.Results) {
			fmt.Fprintf(w, "%s  (%s)\n", g.obj, g.source)
			for _, res := range g.results {
				status := ""
				if res.Status != "" {
					status = " [" + string(res.Status)
					if res.BaselineAction != "" {
						status += ", was " + res.BaselineAction
					}
					status += "]"
				}
				fmt.Fprintf(w, "  %-6s %s%s: %s\n", res.EnforcementAction, policyName(res), status, oneLine(res.Message))
			}
		}
	}
	if len(r.Fixed) > 0 {
		fmt.Fprintln(w, "\nFixed (in the baseline, gone now)")
		for _, g := range groupByObject(r.Fixed) {
			fmt.Fprintf(w, "%s  (%s)\n", g.obj, g.source)
			for _, res := range g.results {
				fmt.Fprintf(w, "  %-6s %s: %s\n", res.EnforcementAction, policyName(res), oneLine(res.Message))
			}
		}
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintln(w, "\nSkipped")
		for _, sk := range r.Skipped {
			what := ""
			if sk.Object != nil {
				what = sk.Object.String() + ": "
			}
			fmt.Fprintf(w, "  %s: %s%s\n", sk.Source, what, sk.Reason)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(w, "\nInput errors")
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	return w.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
