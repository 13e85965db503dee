package compile

import (
	"encoding/json"
	"path"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/rendered"
)

// A referential policy brings its sync configuration: the template declares
// the kinds it reads (requires-sync-data, in Gatekeeper's format) and the
// bundle carries a SyncSet replicating them, listed with the templates so it
// is applied before any constraint. Policies that read no inventory bring
// neither.
func TestReferentialPoliciesCarrySyncSets(t *testing.T) {
	fsys := repo(map[string]string{"i.yaml": initiative(`  policies:
    unique-ingress-host: {}
    unique-service-selector: {}
    demo-labels: {}
`)})
	out, err := build(t, fsys, "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type gvk struct{ Group, Version, Kind string }
	want := map[string][]gvk{
		"templates/syncset.k8sedictuniqueingresshost.yaml":     {{"networking.k8s.io", "v1", "Ingress"}},
		"templates/syncset.k8sedictuniqueserviceselector.yaml": {{"", "v1", "Service"}},
	}
	if len(out.SyncSets) != len(want) {
		t.Fatalf("%d SyncSets, want %d", len(out.SyncSets), len(want))
	}
	for _, m := range out.SyncSets {
		var obj struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				GVKs []gvk `json:"gvks"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(m.Data, &obj); err != nil {
			t.Fatal(err)
		}
		w, ok := want[m.Path]
		switch {
		case !ok:
			t.Errorf("unexpected SyncSet %s", m.Path)
		case obj.APIVersion != "syncset.gatekeeper.sh/v1alpha1" || obj.Kind != "SyncSet":
			t.Errorf("%s: %s %s", m.Path, obj.APIVersion, obj.Kind)
		case len(obj.Spec.GVKs) != 1 || obj.Spec.GVKs[0] != w[0]:
			t.Errorf("%s: gvks %+v, want %+v", m.Path, obj.Spec.GVKs, w)
		case !strings.HasPrefix(obj.Metadata.Name, "k8sedictunique"):
			t.Errorf("%s: named %q, want its template's name", m.Path, obj.Metadata.Name)
		}
	}
	var kust struct {
		Resources []string `json:"resources"`
	}
	for _, k := range out.Kustomizations {
		if k.Path == "templates/kustomization.yaml" {
			if err := yaml.Unmarshal(k.Data, &kust); err != nil {
				t.Fatal(err)
			}
		}
	}
	for p := range want {
		found := false
		for _, r := range kust.Resources {
			found = found || r == path.Base(p)
		}
		if !found {
			t.Errorf("templates/kustomization.yaml does not list %s: %v", path.Base(p), kust.Resources)
		}
	}

	annotations := map[string]string{}
	for _, tm := range out.Templates {
		var obj struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(tm.Data, &obj); err != nil {
			t.Fatal(err)
		}
		annotations[tm.Policy] = obj.Metadata.Annotations[annotRequiresSyncData]
	}
	if a := annotations["demo-labels"]; a != "" {
		t.Errorf("demo-labels reads no inventory but declares %s", a)
	}
	var reqs [][]map[string][]string
	if err := json.Unmarshal([]byte(annotations["unique-ingress-host"]), &reqs); err != nil {
		t.Fatalf("requires-sync-data %q: %v", annotations["unique-ingress-host"], err)
	}
	if len(reqs) != 1 || len(reqs[0]) != 1 || reqs[0][0]["groups"][0] != "networking.k8s.io" || reqs[0][0]["versions"][0] != "v1" || reqs[0][0]["kinds"][0] != "Ingress" {
		t.Errorf("requires-sync-data = %v", reqs)
	}

	// The SyncSets survive the round trip through a bundle on disk, and a
	// templates bundle shared by several initiatives owns them.
	idx, err := out.Index()
	if err != nil {
		t.Fatal(err)
	}
	files := out.FileMap()
	if files[rendered.IndexFile], err = idx.Marshal(); err != nil {
		t.Fatal(err)
	}
	back, err := rendered.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.SyncSets) != 2 {
		t.Errorf("parsed back %d SyncSets, want 2", len(back.SyncSets))
	}
	shared, err := SharedTemplates("templates", "1.0.0", []*rendered.Bundle{out})
	if err != nil {
		t.Fatal(err)
	}
	if len(shared.SyncSets) != 2 {
		t.Errorf("the templates bundle holds %d SyncSets, want 2", len(shared.SyncSets))
	}
}

// A policy that reads data.inventory without spec.syncData would build a
// bundle whose cluster replicates nothing: the policy never fires, while its
// suites (which bring their own inventory) pass. The build refuses it at the
// reference; the test runner still renders it.
func TestInventoryWithoutSyncDataIsRefused(t *testing.T) {
	const rego = `package demo.dup

violation contains {"msg": msg} if {
	some other in data.inventory.cluster.v1.Namespace
	other.metadata.name == input.review.object.metadata.name
	msg := "duplicate"
}
`
	policy := strings.Replace(demoPolicy, "demo-labels", "dup-names", 1)
	fsys := repo(map[string]string{
		"policies/dup-names/policy.yaml": policy,
		"policies/dup-names/policy.rego": rego,
		"i.yaml":                         initiative("  policies:\n    dup-names: {}\n"),
	})
	_, err := build(t, fsys, "i.yaml")
	if err == nil || !strings.Contains(err.Error(), "policies/dup-names/policy.rego:4:") || !strings.Contains(err.Error(), "spec.syncData") {
		t.Fatalf("build of an inventory reader without syncData: %v", err)
	}
	if _, err := RenderPolicyTemplate(fsys, "policies/dup-names"); err != nil {
		t.Errorf("the test runner cannot render it: %v", err)
	}
	// Declaring the kind it reads makes it build, with its SyncSet.
	fsys["policies/dup-names/policy.yaml"].Data = []byte(strings.Replace(policy, "  parameters:", "  syncData: [{version: v1, kind: Namespace}]\n  parameters:", 1))
	out, err := build(t, fsys, "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.SyncSets) != 1 {
		t.Errorf("%d SyncSets, want 1", len(out.SyncSets))
	}
}
