package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/audit"
	"github.com/edict-policy/edict/internal/golden"
	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/schemas"
	"github.com/edict-policy/edict/source"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var cached *audit.Report

// fixture audits the audit package's workloads against its team
// initiative, with pod-security-restricted as the baseline, so every
// status (new, unchanged, fixed), action, skip and input error appears.
func fixture(t *testing.T) *audit.Report {
	t.Helper()
	if cached != nil {
		return cached
	}
	ctx := context.Background()
	wd, _ := os.Getwd()
	t.Cleanup(func() { _ = os.Chdir(wd) })
	if err := os.Chdir("../testdata"); err != nil {
		t.Fatal(err)
	}
	cur, err := source.Resolve(ctx, "repo/initiatives/selective.yaml", source.Options{Root: "repo"})
	if err != nil {
		t.Fatal(err)
	}
	base, err := source.Resolve(ctx, "pod-security-restricted", source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := audit.Load(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	bp, err := audit.Load(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	extra := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: patch, namespace: shop}\nspec: {replicas: 2}\n---\nkind: [\n"
	in, err := resources.Open([]string{"workloads", "-"}, strings.NewReader(extra), resources.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	c := audit.NewCollector(cur, base)
	if err := audit.Run(ctx, p, in, audit.Options{Baseline: bp}, c.Add); err != nil {
		t.Fatal(err)
	}
	cached = c.Report()
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	return cached
}

func render(t *testing.T, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, fixture(t)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFixtureCoversEveryCase(t *testing.T) {
	s := fixture(t).Summary
	if s.New.Total == 0 || s.Unchanged.Total == 0 || s.Fixed.Total == 0 || s.Skipped != 1 || s.Errors != 1 ||
		s.Results.Deny == 0 || s.Results.Warn == 0 || s.Results.Dryrun == 0 {
		t.Fatalf("the fixture does not cover every case: %+v", s)
	}
}

func TestGolden(t *testing.T) {
	for _, f := range []struct{ format, file string }{
		{"text", "report.txt"},
		{"markdown", "report.md"},
		{"json", "report.json"},
		{"junit", "report.junit.xml"},
	} {
		t.Run(f.format, func(t *testing.T) { golden.Check(t, filepath.Join("testdata", f.file), render(t, f.format)) })
	}
}

func compileSchema(t *testing.T, url string, raw []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("invalid: %v", err)
	}
}

// The SARIF output validates against the OASIS SARIF 2.1.0 schema.
func TestSARIFValidates(t *testing.T) {
	raw, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	s := compileSchema(t, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", raw)
	out := render(t, "sarif")
	validate(t, s, out)
	for _, want := range []string{`"version": "2.1.0"`, `"ruleId": "privileged-containers"`, `"uri": "workloads/snapshot.yaml"`, `"startLine": 32`, `"level": "error"`, `"level": "warning"`, `"level": "note"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("SARIF lacks %s", want)
		}
	}
	// A broken report must fail the same check, or the check proves nothing.
	broken := bytes.Replace(out, []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(broken))
	if s.Validate(v) == nil {
		t.Error("the SARIF schema accepted an invalid level")
	}
}

// The JSON output validates against the schema `edict schema auditreport` prints.
func TestJSONValidates(t *testing.T) {
	raw, err := schemas.Get("auditreport")
	if err != nil {
		t.Fatal(err)
	}
	validate(t, compileSchema(t, schemas.URL("auditreport"), raw), render(t, "json"))
}

// The policyreport output decodes strictly into the OpenReports API types.
func TestPolicyReportDecodes(t *testing.T) {
	out := render(t, "policyreport")
	docs := strings.Split(string(out), "\n---\n")
	namespaces := map[string]bool{}
	total := 0
	for _, d := range docs {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(d), &head); err != nil {
			t.Fatal(err)
		}
		var results []reportsv1alpha1.ReportResult
		switch head.Kind {
		case "Report":
			var r reportsv1alpha1.Report
			if err := yaml.UnmarshalStrict([]byte(d), &r); err != nil {
				t.Fatalf("not a Report: %v", err)
			}
			if r.APIVersion != "openreports.io/v1alpha1" || r.Namespace == "" || namespaces[r.Namespace] {
				t.Errorf("report %s/%s (%s)", r.Namespace, r.Name, r.APIVersion)
			}
			namespaces[r.Namespace] = true
			if r.Summary.Fail+r.Summary.Warn != len(r.Results) {
				t.Errorf("summary %+v for %d results", r.Summary, len(r.Results))
			}
			results = r.Results
		case "ClusterReport":
			var r reportsv1alpha1.ClusterReport
			if err := yaml.UnmarshalStrict([]byte(d), &r); err != nil {
				t.Fatalf("not a ClusterReport: %v", err)
			}
			results = r.Results
		default:
			t.Fatalf("unexpected kind %q", head.Kind)
		}
		for _, res := range results {
			if res.Source != "edict" || res.Policy == "" || len(res.Subjects) != 1 || res.Properties["enforcementAction"] == "" {
				t.Errorf("incomplete result %+v", res)
			}
		}
		total += len(results)
	}
	if total != len(fixture(t).Results) {
		t.Errorf("%d report results for %d audit results", total, len(fixture(t).Results))
	}
}

func TestJUnitParses(t *testing.T) {
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(render(t, "junit"), &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Tests == 0 || suites.Failures == 0 || len(suites.Suites) < 5 {
		t.Errorf("junit: %+v", suites)
	}
}

func TestMarkdownPutsNewFirst(t *testing.T) {
	md := string(render(t, "markdown"))
	newAt := strings.Index(md, "#### New violations")
	restAt := strings.Index(md, "<details><summary>Unchanged violations")
	if newAt < 0 || restAt < 0 || newAt > restAt {
		t.Errorf("new violations are not first and the rest folded: new at %d, unchanged at %d", newAt, restAt)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "html", fixture(t)); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("err = %v", err)
	}
}
