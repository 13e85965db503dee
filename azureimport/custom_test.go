package azureimport_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/edict-policy/edict/azureimport"
	"github.com/edict-policy/edict/compile"
)

// customDefinition is a custom Kubernetes definition embedding template.
func customDefinition(template string) string {
	return `{
  "properties": {
    "displayName": "Contoso no latest",
    "mode": "Microsoft.Kubernetes.Data",
    "parameters": {
      "effect": {"type": "String", "defaultValue": "Deny"},
      "tags": {"type": "Array", "defaultValue": ["latest"]}
    },
    "policyRule": {
      "if": {"field": "type", "in": ["Microsoft.ContainerService/managedClusters"]},
      "then": {
        "effect": "[parameters('effect')]",
        "details": {
          "templateInfo": {"sourceType": "Base64Encoded", "content": "` + base64.StdEncoding.EncodeToString([]byte(template)) + `"},
          "apiGroups": [""],
          "kinds": ["Pod"],
          "values": {"tags": "[parameters('tags')]"}
        }
      }
    }
  },
  "id": "/subscriptions/0/providers/Microsoft.Authorization/policyDefinitions/contoso-no-latest",
  "name": "contoso-no-latest"
}`
}

const assignNoLatest = `{
  "name": "no-latest",
  "policyDefinitionId": "/subscriptions/0/providers/Microsoft.Authorization/policyDefinitions/contoso-no-latest",
  "parameters": {"tags": {"value": ["latest", "dev"]}}
}`

// A Gatekeeper 3.19 template: Rego v1 in code[].source, with a library.
const v1Template = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8scontosonolatest
spec:
  crd:
    spec:
      names:
        kind: K8sContosoNoLatest
      validation:
        openAPIV3Schema:
          type: object
          properties:
            tags:
              type: array
              items: {type: string}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: v1
            rego: |
              package k8scontosonolatest

              import data.lib.contosotags

              violation contains {"msg": msg} if {
                some c in input.review.object.spec.containers
                contosotags.tag(c.image) in input.parameters.tags
                msg := sprintf("container %v uses a forbidden tag", [c.name])
              }
            libs:
              - |
                package lib.contosotags

                tag(image) := t if {
                  parts := split(image, ":")
                  count(parts) > 1
                  t := parts[count(parts) - 1]
                }
`

func TestCustomTemplateForms(t *testing.T) {
	tests := []struct {
		name     string
		template string
		file     string // a generated file that must exist
		note     string // else: the not-mapped note
	}{
		{"v1 template with a library", v1Template, "lib/contosotags.rego", ""},
		{"not a template", "apiVersion: v1\nkind: ConfigMap\n", "", `expected a ConstraintTemplate, got kind "ConfigMap"`},
		{"library in edict's namespace", strings.ReplaceAll(v1Template, "contosotags", "pods"), "", "must be lib.<name> and not one of edict's own"},
		{"CEL only", strings.Replace(v1Template, "engine: Rego", "engine: K8sNativeValidation", 1), "", "no Rego in the template"},
		{"Rego that does not parse", strings.Replace(v1Template, "violation contains", "violation contains contains", 1), "", "the template's Rego"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := []azureimport.File{{Name: "def.json", Data: []byte(customDefinition(tt.template))}, {Name: "assign.json", Data: []byte(assignNoLatest)}}
			res, err := azureimport.Import(context.Background(), files, azureimport.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if tt.note != "" {
				for _, it := range res.Report.Items {
					if it.Status == azureimport.NotMapped && it.Path == "properties.policyRule.then.details.templateInfo.content" && strings.Contains(it.Note, tt.note) {
						return
					}
				}
				t.Fatalf("no not-mapped item with %q:\n%s", tt.note, reportText(t, res))
			}
			if _, ok := res.Files[tt.file]; !ok {
				t.Fatalf("no %s among %v\n%s", tt.file, keys(res.Files), reportText(t, res))
			}
			b, err := compile.NewBuilder(memFS(res.Files), ".", compile.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			out, err := b.Build(context.Background(), "initiatives/no-latest.yaml")
			if err != nil {
				t.Fatalf("build: %v\n%s", err, res.Files["initiatives/no-latest.yaml"])
			}
			if len(out.Constraints) != 1 || out.Constraints[0].Policy != "contoso-no-latest" {
				t.Fatalf("constraints %v", out.Constraints)
			}
			ini := string(res.Files["initiatives/no-latest.yaml"])
			if !strings.Contains(ini, "tags: [latest, dev]") || !strings.Contains(ini, "effect: deny") {
				t.Errorf("initiative:\n%s", ini)
			}
		})
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
