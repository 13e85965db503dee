package bundle

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

const testPub = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample\n-----END PUBLIC KEY-----\n"

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bundle -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func splitDocs(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for _, part := range strings.Split(string(b), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(part), &m); err != nil {
			t.Fatalf("invalid YAML: %v\n%s", err, part)
		}
		docs = append(docs, m)
	}
	return docs
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func TestFluxManifests(t *testing.T) {
	out, err := FluxManifests("oci://ghcr.io/contoso/policies/contoso-prod:2.3.0", GitOpsOptions{PublicKey: []byte(testPub)})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "flux.yaml", out)
	docs := splitDocs(t, out)
	if len(docs) != 4 {
		t.Fatalf("%d documents, want Secret, OCIRepository and two Kustomizations", len(docs))
	}
	secret, repo, tmpl, cons := docs[0], docs[1], docs[2], docs[3]
	if dig(secret, "stringData", "cosign.pub") != testPub {
		t.Error("Secret does not carry the public key under a .pub key")
	}
	if dig(repo, "spec", "verify", "provider") != "cosign" || dig(repo, "spec", "verify", "secretRef", "name") != dig(secret, "metadata", "name") {
		t.Errorf("OCIRepository verify = %v", dig(repo, "spec", "verify"))
	}
	if dig(repo, "spec", "url") != "oci://ghcr.io/contoso/policies/contoso-prod" || dig(repo, "spec", "ref", "tag") != "2.3.0" {
		t.Errorf("OCIRepository source = %v %v", dig(repo, "spec", "url"), dig(repo, "spec", "ref"))
	}
	if dig(tmpl, "spec", "path") != "./templates" || dig(cons, "spec", "path") != "./constraints" {
		t.Error("Kustomization paths")
	}
	deps, _ := dig(cons, "spec", "dependsOn").([]any)
	if len(deps) != 1 || dig(deps[0].(map[string]any), "name") != dig(tmpl, "metadata", "name") {
		t.Errorf("constraints dependsOn = %v", deps)
	}

	// Pinned by digest, the ref uses the digest.
	out, err = FluxManifests("oci://ghcr.io/p@sha256:"+strings.Repeat("b", 64), GitOpsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if docs := splitDocs(t, out); dig(docs[0], "spec", "ref", "digest") != "sha256:"+strings.Repeat("b", 64) {
		t.Errorf("digest ref: %s", out)
	}
	if !strings.Contains(string(out), "WARNING: no --key") {
		t.Error("unverified Flux output has no warning")
	}
	if _, err := FluxManifests("dist/layout:v1", GitOpsOptions{}); err == nil {
		t.Error("a layout path accepted as a cluster source")
	}
}

func TestArgoManifests(t *testing.T) {
	out, err := ArgoManifests("oci://ghcr.io/contoso/policies/contoso-prod:2.3.0", GitOpsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "argo.yaml", out)
	app := splitDocs(t, out)[0]
	if dig(app, "kind") != "Application" || dig(app, "spec", "source", "repoURL") != "oci://ghcr.io/contoso/policies/contoso-prod" ||
		dig(app, "spec", "source", "targetRevision") != "2.3.0" || dig(app, "spec", "source", "path") != "." {
		t.Errorf("Application = %v", app)
	}
	out, err = ArgoManifests("oci://localhost:5000/p:v1", GitOpsOptions{Insecure: true, Name: "edict"})
	if err != nil {
		t.Fatal(err)
	}
	docs := splitDocs(t, out)
	if len(docs) != 2 || dig(docs[0], "stringData", "insecureOCIForceHttp") != "true" || dig(docs[1], "metadata", "name") != "edict" {
		t.Errorf("insecure Argo output:\n%s", out)
	}
}
