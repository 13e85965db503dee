package compile

import (
	"encoding/json"
	"path"

	"github.com/edict-policy/edict/input"

	"github.com/edict-policy/edict/rendered"
)

// Referential policies read other objects from data.inventory, which
// Gatekeeper fills only with the kinds it is told to replicate. The template
// says which kinds it needs (the requires-sync-data annotation, which
// Gatekeeper's tooling such as `gator sync test` checks), and the bundle
// carries a SyncSet that replicates them. SyncSets arrived in Gatekeeper
// 3.15, older than every release edict targets; Gatekeeper replicates the
// union of every SyncSet and its Config, so one SyncSet per policy, named
// after its template, is shared by every bundle that uses the policy.

const annotRequiresSyncData = "metadata.gatekeeper.sh/requires-sync-data"

// requiresSyncData is the annotation's value: a list of requirements, all
// of which must hold, each a list of equivalent {groups, versions, kinds}.
func requiresSyncData(p *Policy) (string, error) {
	reqs := make([][]map[string][]string, 0, len(p.Spec.SyncData))
	for _, k := range p.Spec.SyncData {
		reqs = append(reqs, []map[string][]string{{
			"groups":   {k.Group},
			"versions": {k.Version},
			"kinds":    {k.Kind},
		}})
	}
	b, err := json.Marshal(reqs)
	return string(b), err
}

// syncSetFor renders the SyncSet of a referential policy under templates/,
// applied with the templates, before any constraint; nil for a policy that
// reads no inventory.
func syncSetFor(p *Policy) (*rendered.Manifest, error) {
	if len(p.Spec.SyncData) == 0 {
		return nil, nil
	}
	gvks := make([]any, 0, len(p.Spec.SyncData))
	for _, k := range p.Spec.SyncData {
		gvks = append(gvks, map[string]any{"group": k.Group, "version": k.Version, "kind": k.Kind})
	}
	obj := map[string]any{
		"apiVersion": rendered.SyncSetGroup + "/v1alpha1",
		"kind":       "SyncSet",
		"metadata": map[string]any{
			"name":        p.TemplateName(),
			"labels":      map[string]any{labelManagedBy: "edict", labelPolicy: p.Metadata.Name},
			"annotations": map[string]any{annotSyncWave: "-1"},
		},
		"spec": map[string]any{"gvks": gvks},
	}
	return rendered.NewManifest("templates/syncset."+p.TemplateName()+".yaml", obj)
}

// checkSyncData refuses a policy that reads data.inventory without saying
// which kinds: its bundle would carry no SyncSet, Gatekeeper would replicate
// nothing, and in the cluster the policy would never fire while every suite
// (which supplies its own inventory) passes. Only builds check it; tests run
// with the inventory they are given.
func checkSyncData(cp *CompiledPolicy) *input.Error {
	if cp.inventoryAt == [2]int{} || len(cp.Spec.SyncData) > 0 {
		return nil
	}
	return &input.Error{
		File: path.Join(cp.Dir, "policy.rego"), Line: cp.inventoryAt[0], Column: cp.inventoryAt[1],
		Msg:  "reads data.inventory, but policy.yaml declares no spec.syncData: Gatekeeper would replicate nothing and the policy would never fire in a cluster",
		Hint: "list the kinds it reads in spec.syncData, for example [{group: networking.k8s.io, version: v1, kind: Ingress}]",
	}
}
