package azureimport_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/edict-policy/edict/azureimport"
	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/internal/golden"
	"github.com/edict-policy/edict/policytest"
)

// now is the fixed clock of the fixtures: exemptions expire relative to it.
var now = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func readFixtures(t *testing.T, names ...string) []azureimport.File {
	t.Helper()
	var files []azureimport.File
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", "azure", n))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, azureimport.File{Name: n, Data: data})
	}
	return files
}

var allFixtures = []string{"baseline-set.json", "restricted-set.json", "safeguards-set.json", "definitions.json", "assignments.json", "exemptions.json"}

func importFixtures(t *testing.T, names ...string) *azureimport.Result {
	t.Helper()
	res, err := azureimport.Import(context.Background(), readFixtures(t, names...), azureimport.Options{Owner: "team-platform", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unreadable) > 0 {
		t.Fatalf("unreadable: %v", res.Unreadable)
	}
	return res
}

func memFS(files map[string][]byte) fstest.MapFS {
	m := fstest.MapFS{}
	for p, d := range files {
		m[p] = &fstest.MapFile{Data: d, Mode: 0o644}
	}
	return m
}

// TestImportBuildsAndTests imports every fixture, then builds every
// generated initiative with edict's compiler (Gatekeeper's engine and
// kustomize check each bundle) and runs edict test on the generated
// repository: the InitiativeTests, and the custom policy's suite.
func TestImportBuildsAndTests(t *testing.T) {
	res := importFixtures(t, allFixtures...)
	repo := memFS(res.Files)
	b, err := compile.NewBuilder(repo, ".", compile.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var initiatives []string
	for p := range res.Files {
		if strings.HasPrefix(p, "initiatives/") {
			initiatives = append(initiatives, p)
		}
	}
	sort.Strings(initiatives)
	want := []string{"initiatives/aks-prod-baseline.yaml", "initiatives/aks-prod-restricted.yaml", "initiatives/aks-safeguards.yaml", "initiatives/contoso-required-labels.yaml"}
	if strings.Join(initiatives, ",") != strings.Join(want, ",") {
		t.Fatalf("initiatives %v, want %v", initiatives, want)
	}
	for _, f := range initiatives {
		out, err := b.Build(context.Background(), f)
		if err != nil {
			t.Errorf("build %s: %v", f, err)
			continue
		}
		if len(out.Constraints) == 0 {
			t.Errorf("%s: no constraints rendered", f)
		}
	}
	rep, err := policytest.Run(context.Background(), repo, nil, policytest.Options{Compile: compile.Options{Now: now}, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	_ = policytest.WriteText(&text, rep, policytest.TextOptions{})
	if rep.ExitCode() != policytest.ExitOK {
		t.Fatalf("edict test of the imported repository failed:\n%s", text.String())
	}
	// Every initiative of library policies has its generated test; the
	// custom policy has no examples to draw from, and the report says so.
	for _, name := range []string{"aks-prod-baseline", "aks-prod-restricted", "aks-safeguards"} {
		if _, ok := res.Files["tests/"+name+"_test.yaml"]; !ok {
			t.Errorf("no generated test for %s", name)
		}
	}
	if !strings.Contains(text.String(), "passed") {
		t.Errorf("test report names no passed tests:\n%s", text.String())
	}
}

// TestImportGolden pins the report (text, JSON and IMPORT.md) and every
// generated file: what was mapped, with which caveat, and what was not.
func TestImportGolden(t *testing.T) {
	res := importFixtures(t, allFixtures...)
	var text, js bytes.Buffer
	if err := res.Report.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := res.Report.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/golden/report.txt", text.Bytes())
	golden.Check(t, "testdata/golden/report.json", js.Bytes())
	golden.CheckTree(t, "testdata/golden/repo", res.Files)
}
