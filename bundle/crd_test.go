package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// crdSchema is one custom resource's schema from testdata/crds: the
// openAPIV3Schema of a released CRD (see testdata/crds/README.md), checked
// the way the API server does: unknown fields are what pruning would drop,
// and the schema validator checks types, enums, patterns and required fields.
type crdSchema struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
}

func loadCRDSchemas(t *testing.T) map[string]*crdSchema {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "crds", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRD schemas under testdata/crds: %v", err)
	}
	out := map[string]*crdSchema{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			APIVersion string                   `json:"apiVersion"`
			Kind       string                   `json:"kind"`
			Schema     apiextv1.JSONSchemaProps `json:"schema"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		internal := &apiextensions.JSONSchemaProps{}
		if err := apiextv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&doc.Schema, internal, nil); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		structural, err := structuralschema.NewStructural(internal)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		validator, _, err := apiservervalidation.NewSchemaValidator(internal)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[doc.APIVersion+" "+doc.Kind] = &crdSchema{structural: structural, validator: validator}
	}
	return out
}

// argoRepositorySecretKeys are the stringData keys Argo CD 3.5 reads from a
// repository Secret (util/db/repository_secrets.go, secretToRepository).
var argoRepositorySecretKeys = map[string]bool{
	"name": true, "url": true, "type": true, "project": true, "username": true, "password": true,
	"bearerToken": true, "insecure": true, "insecureOCIForceHttp": true, "enableOCI": true,
	"tlsClientCertData": true, "tlsClientCertKey": true, "proxy": true, "noProxy": true,
	"forceHttpBasicAuth": true, "useAzureWorkloadIdentity": true,
}

// checkAPIObjects validates every document against the API it claims: the
// released Flux and Argo CD CRD schemas, and core/v1 for Secrets (decoded
// strictly into the real type).
func checkAPIObjects(t *testing.T, schemas map[string]*crdSchema, docs []map[string]any) {
	t.Helper()
	for i, d := range docs {
		apiVersion, _ := d["apiVersion"].(string)
		kind, _ := d["kind"].(string)
		where := func() string { return fmt.Sprintf("%s %s (document %d)", apiVersion, kind, i+1) }
		if apiVersion == "v1" && kind == "Secret" {
			raw, _ := json.Marshal(d)
			var s corev1.Secret
			if err := yaml.UnmarshalStrict(raw, &s); err != nil {
				t.Errorf("%s: %v", where(), err)
			}
			if s.Labels["argocd.argoproj.io/secret-type"] == "repository" {
				for k := range s.StringData {
					if !argoRepositorySecretKeys[k] {
						t.Errorf("%s: Argo CD does not read repository Secret key %q", where(), k)
					}
				}
				if _, ok := s.StringData["password"]; ok {
					t.Errorf("%s: a password was written", where())
				}
			}
			continue
		}
		s, ok := schemas[apiVersion+" "+kind]
		if !ok {
			t.Errorf("%s: no schema to check it against", where())
			continue
		}
		obj := runtime.DeepCopyJSON(d)
		unknown := pruning.PruneWithOptions(obj, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
		sort.Strings(unknown)
		if len(unknown) > 0 {
			t.Errorf("%s: fields the API does not have: %s", where(), strings.Join(unknown, ", "))
		}
		for _, e := range apiservervalidation.ValidateCustomResource(nil, d, s.validator) {
			t.Errorf("%s: %v", where(), e)
		}
	}
}
