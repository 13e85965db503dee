package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// Report is the findings of one lint run over several initiatives.
type Report struct {
	Findings []Finding `json:"findings"`
}

// Add appends the findings of one initiative, leaving out those already
// reported for another: a parent linted on its own and again through each
// child would otherwise repeat every finding it decides.
func (r *Report) Add(fs []Finding) {
	seen := map[string]bool{}
	key := func(f Finding) string {
		ack := ""
		if f.Acknowledged != nil {
			ack = f.Acknowledged.Position()
		}
		return strings.Join([]string{f.Rule, f.Position(), strings.Join(f.References, ","), f.Message, ack}, "\x00")
	}
	for _, f := range r.Findings {
		seen[key(f)] = true
	}
	for _, f := range fs {
		if !seen[key(f)] {
			seen[key(f)] = true
			r.Findings = append(r.Findings, f)
		}
	}
}

// Open are the findings no acknowledgement accepts.
func (r *Report) Open() []Finding { return Unacknowledged(r.Findings) }

// Count returns how many open findings there are of each severity, and how
// many were acknowledged.
func (r *Report) Count() (errors, warnings, acknowledged int) {
	for _, f := range r.Findings {
		switch {
		case f.Acknowledged != nil:
			acknowledged++
		case f.Severity == Error:
			errors++
		default:
			warnings++
		}
	}
	return errors, warnings, acknowledged
}

// Summary is one line counting the findings.
func (r *Report) Summary() string {
	e, w, a := r.Count()
	return fmt.Sprintf("lint: %d %s, %d %s, %d acknowledged", e, plural(e, "error"), w, plural(w, "warning"), a)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// WriteText writes one line per open finding (acknowledged ones too when
// all is set, marked with their reason) and a summary line.
func WriteText(w io.Writer, r *Report, all bool) error {
	var b strings.Builder
	for _, f := range r.Findings {
		switch {
		case f.Acknowledged == nil:
			fmt.Fprintln(&b, f.String())
		case all:
			fmt.Fprintf(&b, "%s [acknowledged at %s: %s]\n", f.String(), f.Acknowledged.Position(), f.Acknowledged.Reason)
		}
	}
	fmt.Fprintln(&b, r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// Position is file:line:column of the acknowledgement.
func (a *Acknowledgement) Position() string {
	return Finding{File: a.File, Line: a.Line, Column: a.Column}.Position()
}

// jsonReport is the JSON output: every finding, acknowledged or not, and the counts.
type jsonReport struct {
	Findings     []Finding `json:"findings"`
	Errors       int       `json:"errors"`
	Warnings     int       `json:"warnings"`
	Acknowledged int       `json:"acknowledged"`
}

// WriteJSON writes the report as JSON.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{Findings: r.Findings}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	out.Errors, out.Warnings, out.Acknowledged = r.Count()
	return encode(w, out)
}

func encode(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// informationURI is where the SARIF tool entry points readers.
const informationURI = "https://github.com/edict-policy/edict"

// WriteSARIF writes SARIF 2.1.0 for code scanning: every rule with its
// explanation, one result per finding at the setting's line and column,
// and acknowledged findings as in-source suppressions with their reason.
func WriteSARIF(w io.Writer, r *Report) error {
	rep := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("edict", informationURI)
	for _, rule := range Rules() {
		run.AddRule(rule.ID).
			WithName(rule.ID).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(rule.Summary)).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(rule.Why)).
			WithHelp(sarif.NewMultiformatMessageString().WithText(rule.Fix)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(string(rule.Severity)))
	}
	for _, f := range r.Findings {
		uri := f.File
		run.AddDistinctArtifact(uri)
		region := sarif.NewRegion().WithStartLine(max(f.Line, 1))
		if f.Column > 0 {
			region.WithStartColumn(f.Column)
		}
		msg := f.Message
		if len(f.References) > 0 {
			msg = strings.Join(f.References, ", ") + ": " + msg
		}
		if f.Hint != "" {
			msg += " (" + f.Hint + ")"
		}
		props := sarif.NewPropertyBag().Add("initiative", f.Initiative)
		if len(f.References) > 0 {
			props.Add("references", f.References)
		}
		res := run.CreateResultForRule(f.Rule).
			WithLevel(string(f.Severity)).
			WithMessage(sarif.NewTextMessage(msg)).
			WithProperties(props).
			AddLocation(sarif.NewLocationWithPhysicalLocation(
				sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)).
					WithRegion(region)))
		if a := f.Acknowledged; a != nil {
			res.AddSuppression(sarif.NewSuppression().WithKind("inSource").WithJustification(a.Reason).
				WithLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(a.File)).
					WithRegion(sarif.NewRegion().WithStartLine(max(a.Line, 1))))))
		}
	}
	rep.AddRun(run)
	return encode(w, rep)
}
