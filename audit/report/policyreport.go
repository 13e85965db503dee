package report

import (
	"io"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/audit"
)

// reportSource names edict as the producer of report results.
const reportSource = "edict"

// PolicyReport writes OpenReports (openreports.io/v1alpha1) Report objects,
// the successor of the policy working group's wgpolicyk8s.io PolicyReport
// that Policy Reporter reads: one Report per namespace and one
// ClusterReport for cluster-scoped objects, as a multi-document YAML
// stream. deny and dryrun violations are "fail" results, warn ones "warn";
// the enforcement action, reference and source location are properties.
func PolicyReport(w io.Writer, r *audit.Report) error {
	byNS := map[string][]reportsv1alpha1.ReportResult{}
	for _, res := range r.Results {
		result := reportsv1alpha1.ReportResult{
			Source:      reportSource,
			Policy:      policyName(res),
			Rule:        res.Constraint,
			Category:    res.Policy,
			Severity:    severity(res.EnforcementAction),
			Result:      "fail",
			Description: oneLine(res.Message),
			Subjects: []corev1.ObjectReference{{
				APIVersion: res.Object.APIVersion,
				Kind:       res.Object.Kind,
				Namespace:  res.Object.Namespace,
				Name:       res.Object.Name,
			}},
			Properties: map[string]string{
				"enforcementAction": res.EnforcementAction,
				"bundle":            res.Bundle,
				"reference":         res.Reference.Reference,
				"constraintKind":    res.Kind,
				"source":            res.Source.String(),
			},
		}
		if res.EnforcementAction == "warn" {
			result.Result = "warn"
		}
		if res.Status != "" {
			result.Properties["status"] = string(res.Status)
		}
		byNS[res.Object.Namespace] = append(byNS[res.Object.Namespace], result)
	}
	var docs []any
	for _, ns := range sortedStrings(keys(byNS)) {
		results := byNS[ns]
		summary := reportsv1alpha1.ReportSummary{}
		for _, res := range results {
			if res.Result == "warn" {
				summary.Warn++
			} else {
				summary.Fail++
			}
		}
		meta := metav1.ObjectMeta{
			Name:   "edict-audit",
			Labels: map[string]string{"app.kubernetes.io/managed-by": "edict"},
		}
		if ns == "" {
			docs = append(docs, &reportsv1alpha1.ClusterReport{
				TypeMeta:   metav1.TypeMeta{APIVersion: reportsv1alpha1.SchemeGroupVersion.String(), Kind: "ClusterReport"},
				ObjectMeta: meta,
				Source:     reportSource,
				Summary:    summary,
				Results:    results,
			})
			continue
		}
		meta.Namespace = ns
		docs = append(docs, &reportsv1alpha1.Report{
			TypeMeta:   metav1.TypeMeta{APIVersion: reportsv1alpha1.SchemeGroupVersion.String(), Kind: "Report"},
			ObjectMeta: meta,
			Source:     reportSource,
			Summary:    summary,
			Results:    results,
		})
	}
	for i, d := range docs {
		data, err := yaml.Marshal(d)
		if err != nil {
			return err
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

func severity(action string) reportsv1alpha1.ResultSeverity {
	switch action {
	case "deny":
		return "high"
	case "warn":
		return "medium"
	}
	return "low"
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
