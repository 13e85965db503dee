package azureimport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/edict-policy/edict/azureimport"
)

const setHead = `{
  "properties": {
    "displayName": "Contoso pods",
    "parameters": {
      "effect": {"type": "String", "defaultValue": "Audit"},
      "excludedNamespaces": {"type": "Array", "defaultValue": ["kube-system"]}
    },
    "policyDefinitions": [
      {
        "policyDefinitionReferenceId": "NoPrivilegedContainers",
        "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/%s",
        "parameters": {
          "effect": {"value": %s}
        }
      }
    ]
  },
  "id": "/subscriptions/0/providers/Microsoft.Authorization/policySetDefinitions/contoso-pods",
  "name": "contoso-pods"
}`

func set(defID, effect string) string {
	return strings.Replace(strings.Replace(setHead, "%s", defID, 1), "%s", effect, 1)
}

const privileged = "95edb821-ddaf-4404-9732-666045e056b4"

// TestBadInput: each problem is reported with the file, its line and
// column, and the JSON path, and the rest of the input is still imported.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		unreadable string // the error of an unreadable file, if any
		source     string // file:line:col of the not-mapped item
		path       string
		note       string
	}{
		{
			name:       "not JSON",
			files:      map[string]string{"set.yaml": "properties:\n  displayName: x\n"},
			unreadable: "set.yaml:1:1: not valid JSON",
		},
		{
			name:       "truncated JSON",
			files:      map[string]string{"set.json": "{\n  \"properties\": {\n    \"displayName\": \"x\""},
			unreadable: "set.json:3:23: not valid JSON: unexpected end of the file",
		},
		{
			name:       "duplicate key",
			files:      map[string]string{"set.json": "{\"name\": \"a\",\n \"name\": \"b\"}"},
			unreadable: `set.json:2:2: not valid JSON: duplicate key "name"`,
		},
		{
			name: "ARM-mode definition",
			files: map[string]string{"storage.json": `{
  "properties": {
    "displayName": "Storage accounts should use private link",
    "mode": "Indexed",
    "policyRule": {"if": {"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, "then": {"effect": "audit"}}
  },
  "name": "storage-private-link"
}`},
			source: "storage.json:4:13", path: "properties.mode", note: `mode "Indexed" is an Azure resource (ARM) policy`,
		},
		{
			name:   "unknown built-in id",
			files:  map[string]string{"set.json": set("0f0e0d0c-0b0a-4909-8807-060504030201", `"[parameters('effect')]"`)},
			source: "set.json:9:7", path: "properties.policyDefinitions[0]", note: "unknown built-in definition id 0f0e0d0c-0b0a-4909-8807-060504030201",
		},
		{
			name:   "unevaluable expression",
			files:  map[string]string{"set.json": set(privileged, `"[resourceGroup().tags.effect]"`)},
			source: "set.json:13:31", path: "properties.policyDefinitions[0].parameters.effect.value", note: "function resourceGroup() is not supported",
		},
		{
			name:   "unknown set parameter",
			files:  map[string]string{"set.json": set(privileged, `"[parameters('efect')]"`)},
			source: "set.json:13:31", path: "properties.policyDefinitions[0].parameters.effect.value", note: `the set has no parameter "efect"`,
		},
		{
			name: "wrong-typed assignment value",
			files: map[string]string{
				"set.json": set(privileged, `"[parameters('effect')]"`),
				"assignment.json": `{
  "name": "contoso-pods-prod",
  "policyDefinitionId": "/subscriptions/0/providers/Microsoft.Authorization/policySetDefinitions/contoso-pods",
  "parameters": {
    "effect": {"value": ["Deny"]}
  }
}`,
			},
			source: "assignment.json:5:25", path: "parameters.effect.value", note: "parameter effect is declared String but the assignment gives a array",
		},
		{
			name:   "not a policy resource",
			files:  map[string]string{"other.json": `{"apiVersion": "v1", "kind": "ConfigMap"}`},
			source: "other.json:1:1", note: "not an Azure policy set definition",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []azureimport.File
			for _, n := range sortedNames(tt.files) {
				files = append(files, azureimport.File{Name: n, Data: []byte(tt.files[n])})
			}
			res, err := azureimport.Import(context.Background(), files, azureimport.Options{Now: now, Owner: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.unreadable != "" {
				if len(res.Unreadable) != 1 || !strings.HasPrefix(res.Unreadable[0].Error(), tt.unreadable) {
					t.Fatalf("unreadable %v, want %q", res.Unreadable, tt.unreadable)
				}
				return
			}
			if len(res.Unreadable) != 0 {
				t.Fatalf("unreadable: %v", res.Unreadable)
			}
			if res.Report.OK() {
				t.Fatalf("the report has nothing not mapped:\n%s", reportText(t, res))
			}
			for _, it := range res.Report.Items {
				if it.Status == azureimport.NotMapped && it.Source == tt.source && it.Path == tt.path && strings.Contains(it.Note, tt.note) {
					return
				}
			}
			t.Fatalf("no not-mapped item at %s %s with %q:\n%s", tt.source, tt.path, tt.note, reportText(t, res))
		})
	}
}

// TestBadMemberKeepsTheRest: one member that cannot be mapped leaves the
// initiative with the others, and the import still builds.
func TestBadMemberKeepsTheRest(t *testing.T) {
	data := strings.Replace(set("0f0e0d0c-0b0a-4909-8807-060504030201", `"Deny"`), `    ]
  },`, `      ,{
        "policyDefinitionReferenceId": "ReadOnlyRoot",
        "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/df49d893-a74c-421d-bc95-c663042e5b80",
        "parameters": {"effect": {"value": "Deny"}}
      }
    ]
  },`, 1)
	res, err := azureimport.Import(context.Background(), []azureimport.File{{Name: "set.json", Data: []byte(data)}}, azureimport.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ini := string(res.Files["initiatives/contoso-pods.yaml"])
	if !strings.Contains(ini, "read-only-root:") || strings.Contains(ini, "no-privileged-containers") {
		t.Fatalf("initiative:\n%s", ini)
	}
	if res.Report.NotMapped != 1 {
		t.Fatalf("not mapped %d, want 1:\n%s", res.Report.NotMapped, reportText(t, res))
	}
}

func reportText(t *testing.T, res *azureimport.Result) string {
	t.Helper()
	var b strings.Builder
	if err := res.Report.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// FuzzImport: whatever a file holds, the import never panics, and every
// item it reports as not mapped says why.
func FuzzImport(f *testing.F) {
	f.Add([]byte(set(privileged, `"[parameters('effect')]"`)), []byte(`{"name": "a", "policyDefinitionId": "/subscriptions/0/providers/Microsoft.Authorization/policySetDefinitions/contoso-pods", "parameters": {"effect": {"value": "Deny"}}, "overrides": [{"kind": "policyEffect", "value": "Audit"}]}`))
	f.Add([]byte(set("df49d893-a74c-421d-bc95-c663042e5b80", `"[if(equals(parameters('effect'), 'Audit'), 'Deny', 'Audit')]"`)), []byte(`[{"exemptionCategory": "Waiver", "policyAssignmentId": "a"}]`))
	f.Add([]byte(`{"properties": {"mode": "Microsoft.Kubernetes.Data", "policyRule": {"then": {"details": {"templateInfo": {"sourceType": "Base64Encoded", "content": "e30="}}}}}}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		res, err := azureimport.Import(context.Background(), []azureimport.File{{Name: "a.json", Data: a}, {Name: "b.json", Data: b}}, azureimport.Options{Now: now, Owner: "o"})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Report.Items {
			if it.Status == azureimport.NotMapped && it.Note == "" {
				t.Fatalf("not-mapped item without a reason: %+v", it)
			}
		}
		if _, ok := res.Files["IMPORT.md"]; !ok {
			t.Fatal("no IMPORT.md")
		}
	})
}

// TestARMTemplate: a policy set inside an ARM deployment template, with its
// expressions escaped for ARM as infrastructure-as-code repositories keep
// them, imports like the deployed set.
func TestARMTemplate(t *testing.T) {
	inner := strings.ReplaceAll(set(privileged, `"[[parameters('effect')]"`), `"id": "/subscriptions/0/providers/Microsoft.Authorization/policySetDefinitions/contoso-pods",`, `"type": "Microsoft.Authorization/policySetDefinitions",`)
	inner = strings.Replace(inner, `"/providers/Microsoft.Authorization/policyDefinitions/`+privileged+`"`, `"[tenantResourceId('Microsoft.Authorization/policyDefinitions', '`+privileged+`')]"`, 1)
	tmpl := `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [` + inner + `,
    {
      "type": "Microsoft.Authorization/policyAssignments",
      "name": "contoso-pods-prod",
      "apiVersion": "2025-01-01",
      "properties": {
        "policyDefinitionId": "[resourceId('Microsoft.Authorization/policySetDefinitions', 'contoso-pods')]",
        "parameters": {"effect": {"value": "Deny"}}
      }
    }
  ]
}`
	res, err := azureimport.Import(context.Background(), []azureimport.File{{Name: "main.json", Data: []byte(tmpl)}}, azureimport.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Report.OK() {
		t.Fatalf("not everything mapped:\n%s", reportText(t, res))
	}
	ini := string(res.Files["initiatives/contoso-pods-prod.yaml"])
	if !strings.Contains(ini, "effect: deny") {
		t.Fatalf("the assignment's Deny did not reach the reference:\n%s", ini)
	}
}
