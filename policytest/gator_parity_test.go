package policytest

import (
	"context"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/verify"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/library"
)

// parityControl is a case appended to one suite that expects the wrong
// verdict, so that the comparison always holds a failure both runners must
// report: a parity check that only ever saw passes would prove little.
const parityControl = `
  - name: parity-control
    template: policy.yaml
    constraint: samples/sys-admin/constraint.yaml
    cases:
      - name: disallowed-expected-allowed
        object: samples/sys-admin/example_disallowed_containers.yaml
        assertions:
          - violations: no
`

const parityControlSuite = "general/forbidden-capabilities/suite.yaml"

// TestGatorVerifyParity runs every suite of the built-in library twice: with
// edict test, which renders each policy.yaml in memory, and with gator's own
// verify runner (pkg/gator/verify, the code behind `gator verify`) on the same
// suites pointing at the ConstraintTemplate edict renders for that policy.
// Every case must get the same verdict from both.
func TestGatorVerifyParity(t *testing.T) {
	ctx := context.Background()
	edictFS, gatorFS := parityTrees(t)

	rep, err := RunSources(ctx, []Source{{FS: edictFS, Paths: []string{"."}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	edictPass := map[string]bool{}
	for _, r := range rep.Results {
		if r.Kind != KindSuite || r.Status == StatusSkip {
			continue
		}
		if r.Status == StatusError {
			t.Errorf("edict test: %s: %s", r.FullName(), r.Message)
		}
		edictPass[r.FullName()] = r.Status == StatusPass
	}

	gatorPass := gatorVerdicts(ctx, t, gatorFS)

	if len(edictPass) < 100 {
		t.Fatalf("edict test judged %d suite cases; the library has far more", len(edictPass))
	}
	var names []string
	for n := range edictPass {
		names = append(names, n)
	}
	for n := range gatorPass {
		if _, ok := edictPass[n]; !ok {
			t.Errorf("%s: gator verify judged a case edict test did not", n)
		}
	}
	sort.Strings(names)
	failures := 0
	for _, n := range names {
		g, ok := gatorPass[n]
		switch {
		case !ok:
			t.Errorf("%s: judged by edict test, not by gator verify", n)
		case g != edictPass[n]:
			t.Errorf("%s: edict test passes=%v, gator verify passes=%v", n, edictPass[n], g)
		case !g:
			failures++
		}
	}
	control := parityControlSuite + "/parity-control/disallowed-expected-allowed"
	if edictPass[control] || gatorPass[control] {
		t.Errorf("%s expects the wrong verdict; edict passes=%v, gator passes=%v", control, edictPass[control], gatorPass[control])
	}
	if failures != 1 {
		t.Errorf("%d cases failed under both runners; want only the control", failures)
	}
	t.Logf("%d suite cases, same verdict from edict test and gator verify", len(names))
}

// parityTrees copies the library into two trees: edict's, where suites name
// policy.yaml as usual, and gator's, where each policy folder also holds the
// template edict renders (template.yaml) and suites name it instead.
func parityTrees(t *testing.T) (edictFS, gatorFS fstest.MapFS) {
	t.Helper()
	lib := library.FS()
	edictFS, gatorFS = fstest.MapFS{}, fstest.MapFS{}
	err := fs.WalkDir(lib, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(lib, p)
		if err != nil {
			return err
		}
		if p == parityControlSuite {
			data = append(append([]byte{}, data...), parityControl...)
		}
		edictFS[p] = &fstest.MapFile{Data: data}
		if path.Base(p) == "suite.yaml" {
			data = []byte(strings.ReplaceAll(string(data), "template: policy.yaml", "template: template.yaml"))
		}
		gatorFS[p] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for p := range edictFS {
		if path.Base(p) != "policy.yaml" {
			continue
		}
		dir := path.Dir(p)
		tmpl, err := compile.RenderPolicyTemplate(lib, dir)
		if err != nil {
			t.Fatalf("render %s: %v", dir, err)
		}
		gatorFS[path.Join(dir, "template.yaml")] = &fstest.MapFile{Data: tmpl.Data}
		n++
	}
	if n == 0 {
		t.Fatal("no policies in the library")
	}
	return edictFS, gatorFS
}

// gatorVerdicts runs gator's verify runner over every suite of fsys and
// returns, per suite/test/case, whether the case passed. A test that fails
// as a whole (its template or constraint rejected) fails all its cases.
func gatorVerdicts(ctx context.Context, t *testing.T, fsys fs.FS) map[string]bool {
	t.Helper()
	var suites []*verify.Suite
	for _, category := range []string{"general", "pod-security"} {
		s, err := verify.ReadSuites(fsys, category, category, true)
		if err != nil {
			t.Fatalf("gator: read suites: %v", err)
		}
		suites = append(suites, s...)
	}
	runner, err := verify.NewRunner(fsys, func(opts ...gator.Opt) (gator.Client, error) {
		return gator.NewOPAClient(false, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	filter, err := verify.NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range suites {
		res := runner.Run(ctx, filter, s)
		if res.Error != nil {
			t.Errorf("gator: %s: %v", s.InputPath, res.Error)
			continue
		}
		for i, tr := range res.TestResults {
			if tr.Skipped {
				continue
			}
			if tr.Error != nil {
				t.Logf("gator: %s/%s: %v", s.InputPath, tr.Name, tr.Error)
			}
			for j, c := range s.Tests[i].Cases {
				pass := tr.Error == nil && j < len(tr.CaseResults) && tr.CaseResults[j].Error == nil
				if tr.Error == nil && j < len(tr.CaseResults) && tr.CaseResults[j].Skipped {
					continue
				}
				out[s.InputPath+"/"+tr.Name+"/"+c.Name] = pass
			}
		}
	}
	return out
}
