package azureimport_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"sigs.k8s.io/yaml"

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

// field follows a dotted path (map keys; [n] for list items) in a decoded YAML file.
func field(t *testing.T, files map[string][]byte, file, dotted string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(files[file], &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, seg := range strings.Split(dotted, ".") {
		if i, err := strconv.Atoi(seg); err == nil {
			list, _ := v.([]any)
			if i >= len(list) {
				return nil
			}
			v = list[i]
			continue
		}
		m, _ := v.(map[string]any)
		v = m[seg]
	}
	return v
}

// TestImportSemantics checks what the fixtures' settings became, one Azure
// rule at a time, independently of the golden files.
func TestImportSemantics(t *testing.T) {
	res := importFixtures(t, allFixtures...)
	const (
		baseline   = "initiatives/aks-prod-baseline.yaml"
		restricted = "initiatives/aks-prod-restricted.yaml"
		safeguards = "initiatives/aks-safeguards.yaml"
		labels     = "initiatives/contoso-required-labels.yaml"
	)
	tests := []struct {
		name, file, field, want string
	}{
		{"assignment effect Deny", baseline, "spec.policies.no-privileged-containers.effect", "deny"},
		{"policyEffect override by reference id", baseline, "spec.policies.no-host-path-volume.effect", "audit"},
		{"object parameter unwrapped", baseline, "spec.policies.no-host-path-volume.parameters.allowedHostPaths", "[map[pathPrefix:/var/log readOnly:true]]"},
		{"assignment replaces excludedNamespaces", baseline, "spec.defaults.match.excludedNamespaces", "[kube-system gatekeeper-system azure-arc ingress-nginx]"},
		{"5.x host namespaces leave host network to its own policy", baseline, "spec.policies.block-using-host-process-id-and-ipc.parameters.allowHostNetwork", "true"},
		{"literal member values", baseline, "spec.policies.block-using-host-network.parameters.maxPort", "0"},
		{"exemption references", baseline, "spec.exemptions.0.policies", "[no-host-path-volume block-using-host-network]"},
		{"exemption owner from metadata", baseline, "spec.exemptions.0.owner", "team-observability"},
		{"exemption expiry from expiresOn", baseline, "spec.exemptions.0.expires", "2027-06-30"},
		{"exemption reason with category", baseline, "spec.exemptions.0.reason", "Waiver: node-exporter reads host logs until the log shipper replaces it."},
		{"expired exemption left out", baseline, "spec.exemptions.1", "<nil>"},
		{"DoNotEnforce turns deny into audit", restricted, "spec.policies.no-privileged-containers.effect", "audit"},
		{"namespaces", restricted, "spec.policies.allowed-seccomp-profiles.match.namespaces", "[shop payments]"},
		{"assignment value through a set parameter", restricted, "spec.policies.container-capabilities.parameters.requiredDropCapabilities", "[ALL]"},
		{"ranges unwrapped", restricted, "spec.policies.allowed-users-groups.parameters.fsGroupRanges", "[map[max:65535 min:1]]"},
		{"exemption owner from --owner", restricted, "spec.exemptions.0.owner", "team-platform"},
		{"exemption without expiry gets the default", restricted, "spec.exemptions.0.expires", "2027-02-27"},
		{"image regex to prefixes", safeguards, "spec.policies.ensure-allowed-container-images-in-kubernetes-cluster.parameters.repositories", "[contoso.azurecr.io/ mcr.microsoft.com/]"},
		{"excluded containers", safeguards, "spec.policies.ensure-allowed-container-images-in-kubernetes-cluster.parameters.excludedContainers", "[istio-proxy]"},
		{"renamed parameter", safeguards, "spec.policies.memory-and-cpu-limits-in-kubernetes-cluster.parameters.memory", "4Gi"},
		{"override of two references", safeguards, "spec.policies.memory-and-cpu-limits-in-kubernetes-cluster.effect", "audit"},
		{"port ranges expanded", safeguards, "spec.policies.host-network-ports-in-kubernetes-cluster.parameters.allowedHostPorts", "[8080 9000 9001 9002]"},
		{"if(equals()) and warn", safeguards, "spec.policies.read-only-root-file-system-in-kubernetes-cluster.effect", "warn"},
		{"labelSelector", safeguards, "spec.policies.no-privilege-escalation-in-kubernetes-cluster.match.labelSelector.matchExpressions.0.operator", "DoesNotExist"},
		{"set default excludedNamespaces", safeguards, "spec.defaults.match.excludedNamespaces", "[kube-system gatekeeper-system azure-arc]"},
		{"member edict lacks is left out", safeguards, "spec.policies.restricted-node-edits-in-kubernetes-cluster", "<nil>"},
		{"custom definition assigned alone", labels, "spec.policies.contoso-required-labels.policy", "contoso-required-labels"},
		{"custom definition values", labels, "spec.policies.contoso-required-labels.parameters.labels", "[team cost-center]"},
		{"custom definition effect", labels, "spec.policies.contoso-required-labels.effect", "deny"},
		{"custom policy kinds", "policies/contoso-required-labels/policy.yaml", "spec.match.kinds.0.kinds", "[Pod]"},
		{"custom policy schema default from the definition", "policies/contoso-required-labels/policy.yaml", "spec.parameters.properties.labels.default", "[team]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(field(t, res.Files, tt.file, tt.field)); got != tt.want {
				t.Errorf("%s %s = %s, want %s", tt.file, tt.field, got, tt.want)
			}
		})
	}
	rego := string(res.Files["policies/contoso-required-labels/policy.rego"])
	if _, err := ast.ParseModuleWithOpts("policy.rego", rego, ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil || !strings.Contains(rego, "violation contains") {
		t.Errorf("the custom policy's Rego is not Rego v1 (%v):\n%s", err, rego)
	}
}
