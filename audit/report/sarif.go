package report

import (
	"bytes"
	"encoding/json"
	"io"
	"path"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/edict-policy/edict/audit"
)

// informationURI is where the SARIF tool entry points readers.
const informationURI = "https://github.com/edict-policy/edict"

// SARIF writes SARIF 2.1.0: one rule per policy, one result per violation
// located at the object's file and line, so code scanning annotates the
// manifests in a pull request. deny is an error, warn a warning, dryrun a note.
func SARIF(w io.Writer, r *audit.Report) error {
	rep := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("edict", informationURI)
	rules := map[string]bool{}
	for _, res := range r.Results {
		id := ruleID(res)
		if !rules[id] {
			rules[id] = true
			run.AddRule(id).
				WithName(id).
				WithDescription("Gatekeeper constraint kind " + res.Kind + " (edict policy " + id + ")").
				WithProperties(sarif.NewPropertyBag().Add("constraintKind", res.Kind))
		}
	}
	for _, res := range r.Results {
		uri, line := artifact(res)
		run.AddDistinctArtifact(uri)
		props := sarif.NewPropertyBag().
			Add("bundle", res.Bundle).
			Add("reference", res.Reference.Reference).
			Add("constraint", res.Constraint).
			Add("enforcementAction", res.EnforcementAction).
			Add("object", res.Object.String())
		if res.Status != "" {
			props.Add("status", string(res.Status))
		}
		run.CreateResultForRule(ruleID(res)).
			WithLevel(level(res.EnforcementAction)).
			WithMessage(sarif.NewTextMessage(res.Object.String() + ": " + oneLine(res.Message))).
			WithProperties(props).
			AddLocation(sarif.NewLocationWithPhysicalLocation(
				sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)).
					WithRegion(sarif.NewRegion().WithStartLine(line))))
	}
	rep.AddRun(run)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func ruleID(res audit.Result) string {
	if res.Policy != "" {
		return res.Policy
	}
	return strings.ToLower(res.Kind)
}

func level(action string) string {
	switch action {
	case "deny":
		return "error"
	case "warn":
		return "warning"
	}
	return "note"
}

// artifact is the file a result points at: the manifest, or the
// kustomization file of kustomize output (line 1).
func artifact(res audit.Result) (string, int) {
	src := res.Source
	uri := strings.TrimPrefix(src.File, "./")
	if src.Kustomization != "" {
		uri = path.Join(src.Kustomization, "kustomization.yaml")
	}
	if uri == "-" {
		uri = "stdin"
	}
	line := src.Line
	if line < 1 {
		line = 1
	}
	return uri, line
}
