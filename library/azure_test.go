package library_test

import (
	"path"
	"strings"
	"testing"

	"github.com/edict-policy/edict/library"
)

// libraryPolicies reads every policy.yaml of the library, by policy name.
func libraryPolicies(t *testing.T) map[string]policyFile {
	t.Helper()
	fsys := library.FS()
	out := map[string]policyFile{}
	for _, dir := range policyDirs(t, fsys) {
		out[path.Base(dir)] = readPolicy(t, fsys, dir)
	}
	return out
}

func properties(p policyFile) map[string]any {
	props, _ := p.Spec.Parameters["properties"].(map[string]any)
	return props
}

// TestAzureMappingNamesLibrary checks the table against the library: every
// row names a policy that exists and only parameters that policy has.
func TestAzureMappingNamesLibrary(t *testing.T) {
	table, err := library.AzureMapping()
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Definitions) == 0 || len(table.ExcludedNamespaces) == 0 {
		t.Fatal("the Azure mapping table is empty")
	}
	policies := libraryPolicies(t)
	for _, d := range table.Definitions {
		if d.Unsupported != "" {
			continue
		}
		p, ok := policies[d.Policy]
		if !ok {
			t.Errorf("%s (%s): policy %q is not in the library", d.ID, d.DisplayName, d.Policy)
			continue
		}
		props := properties(p)
		for name := range d.Set {
			if _, ok := props[name]; !ok {
				t.Errorf("%s: set.%s: policy %s has no parameter %q", d.ID, name, d.Policy, name)
			}
		}
		for azureName, tr := range d.Parameters {
			if tr.To == "" {
				continue
			}
			prop, ok := props[tr.To].(map[string]any)
			if !ok {
				t.Errorf("%s: parameters.%s: policy %s has no parameter %q", d.ID, azureName, d.Policy, tr.To)
				continue
			}
			// A translation into a list must land on a list parameter, and
			// a plain rename keeps the kind of value.
			switch tr.Kind {
			case library.TranslateUnwrap, library.TranslateImageRegex, library.TranslatePortList:
				if prop["type"] != "array" {
					t.Errorf("%s: parameters.%s: %s produces a list but %s.%s is %v", d.ID, azureName, tr.Kind, d.Policy, tr.To, prop["type"])
				}
			}
		}
	}
}

// TestAzureMappingCoversLibrary: every library policy that declares an Azure
// definition among its controls has a row mapping that definition to it, so
// the importer never reports a definition edict implements as unmapped.
func TestAzureMappingCoversLibrary(t *testing.T) {
	table, err := library.AzureMapping()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, p := range libraryPolicies(t) {
		for _, c := range p.Spec.Controls {
			id, ok := strings.CutPrefix(c, "azure:")
			if !ok || strings.Contains(id, "/") {
				continue // azure:deployment-safeguards/... names no definition id
			}
			n++
			d, ok := table.Lookup(id, -1)
			if !ok {
				t.Errorf("policy %s declares %s; the Azure mapping table has no row for it", name, c)
				continue
			}
			found := false
			for _, row := range table.Definitions {
				if row.ID == id && row.Policy == name {
					found = true
				}
			}
			if !found {
				t.Errorf("policy %s declares %s; the table maps it to %q", name, c, d.Policy)
			}
		}
	}
	if n == 0 {
		t.Fatal("no library policy declares an Azure control")
	}
}

func TestAzureMappingLookup(t *testing.T) {
	table, err := library.AzureMapping()
	if err != nil {
		t.Fatal(err)
	}
	const hostNetwork = "82985f06-dc18-4a48-bc1c-b9f4f0098cfe"
	tests := []struct {
		id     string
		major  int
		policy string
		found  bool
	}{
		{hostNetwork, 6, "host-network-ports", true},
		{hostNetwork, 7, "host-ports", true},
		{hostNetwork, -1, "host-ports", true}, // unpinned: Azure's newest version
		{hostNetwork, 99, "", false},
		{"95edb821-ddaf-4404-9732-666045e056b4", 9, "privileged-containers", true},
		{"00000000-0000-0000-0000-000000000000", -1, "", false},
	}
	for _, tc := range tests {
		d, ok := table.Lookup(tc.id, tc.major)
		if ok != tc.found || (ok && d.Policy != tc.policy) {
			t.Errorf("Lookup(%s, %d) = %v, %v; want %q, %v", tc.id, tc.major, d, ok, tc.policy, tc.found)
		}
	}
}

func TestParseAzureMappingRejects(t *testing.T) {
	const head = "definitions:\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", head + "  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, polcy: q}\n", "unknown field"},
		{"both policy and unsupported", head + "  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, unsupported: r}\n", "exactly one of policy and unsupported"},
		{"bad id", head + "  - {id: 95EDB821, displayName: x, policy: p}\n", "lowercase GUID"},
		{"bad kind", head + "  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, parameters: {a: {to: b, kind: guess}}}\n", `kind "guess"`},
		{"unwrap without field", head + "  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, parameters: {a: {to: b, kind: unwrap}}}\n", "kind unwrap"},
		{"dropped without reason", head + "  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, parameters: {a: {kind: dropped}}}\n", "has a reason"},
		{"overlapping versions", head + "  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, versions: [1, 2]}\n  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, versions: [2]}\n", "same id and version"},
		{"empty", "excludedNamespaces: [a]\n", "no definitions"},
		{"a file kind", "apiVersion: edict.dev/v1alpha1\nkind: Policy\n", "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := library.ParseAzureMapping([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.want)
			}
		})
	}
}

func FuzzParseAzureMapping(f *testing.F) {
	f.Add([]byte("definitions:\n  - {id: 95edb821-ddaf-4404-9732-666045e056b4, displayName: x, policy: p, versions: [1]}\n"))
	f.Add([]byte("definitions: [{parameters: {a: {kind: unwrap}}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := library.ParseAzureMapping(data)
		if err != nil {
			return
		}
		// Whatever parses must be usable: every row answers a lookup.
		for _, d := range table.Definitions {
			if _, ok := table.Lookup(d.ID, -1); !ok {
				t.Fatalf("row %s parsed but Lookup cannot find it", d.ID)
			}
		}
	})
}
