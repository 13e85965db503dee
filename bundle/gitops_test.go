package bundle

import (
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

const testPub = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample\n-----END PUBLIC KEY-----\n"

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

func docKinds(docs []map[string]any) string {
	var kinds []string
	for _, d := range docs {
		kinds = append(kinds, d["kind"].(string))
	}
	return strings.Join(kinds, ",")
}

func byKindName(docs []map[string]any, kind, name string) map[string]any {
	for _, d := range docs {
		if d["kind"] == kind && (name == "" || dig(d, "metadata", "name") == name) {
			return d
		}
	}
	return nil
}

const digestRef = "oci://ghcr.io/p@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

// TestFluxManifests renders the Flux wiring for each way a cluster reaches
// a registry, pins each output in a golden file, and checks every object
// against the released Flux CRD schemas (source-controller v1.9.1,
// kustomize-controller v1.9.4).
func TestFluxManifests(t *testing.T) {
	schemas := loadCRDSchemas(t)
	tests := []struct {
		name   string
		ref    string
		opts   GitOpsOptions
		kinds  string
		check  func(t *testing.T, docs []map[string]any, out string)
		golden string
	}{
		{
			name: "verified tag", ref: "oci://ghcr.io/contoso/policies/contoso-prod:2.3.0",
			opts: GitOpsOptions{PublicKey: []byte(testPub)}, golden: "flux.yaml",
			kinds: "Secret,OCIRepository,Kustomization,Kustomization",
			check: func(t *testing.T, docs []map[string]any, out string) {
				secret, repo := docs[0], docs[1]
				tmpl, cons := byKindName(docs, "Kustomization", "contoso-prod-templates"), byKindName(docs, "Kustomization", "contoso-prod-constraints")
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
				if !strings.Contains(out, "# Verified:") || strings.Contains(out, "NOT VERIFIED") {
					t.Errorf("header of verified output:\n%s", out)
				}
			},
		},
		{
			name: "azure workload identity", ref: "oci://contoso.azurecr.io/policies/contoso-prod:2.3.0",
			opts: GitOpsOptions{PublicKey: []byte(testPub), Provider: "azure", Interval: "1h30m"}, golden: "flux-azure.yaml",
			kinds: "Secret,OCIRepository,Kustomization,Kustomization",
			check: func(t *testing.T, docs []map[string]any, out string) {
				repo := docs[1]
				if dig(repo, "spec", "provider") != "azure" || dig(repo, "spec", "secretRef") != nil || dig(repo, "spec", "interval") != "1h30m" {
					t.Errorf("OCIRepository spec = %v", dig(repo, "spec"))
				}
				if dig(docs[2], "spec", "interval") != "1h30m" {
					t.Error("Kustomization interval differs from --interval")
				}
				if !strings.Contains(out, "azure workload identity") {
					t.Errorf("header does not say how the registry is reached:\n%s", out)
				}
			},
		},
		{
			name: "pull secret, semver, unverified", ref: "oci://ghcr.io/contoso/policies",
			opts: GitOpsOptions{SecretRef: "ghcr-pull", Semver: ">=2.0.0 <3.0.0", Namespace: "policy-system", Name: "platform"}, golden: "flux-secret-ref.yaml",
			kinds: "OCIRepository,Kustomization,Kustomization",
			check: func(t *testing.T, docs []map[string]any, out string) {
				repo := docs[0]
				if dig(repo, "spec", "secretRef", "name") != "ghcr-pull" || dig(repo, "spec", "provider") != nil || dig(repo, "spec", "verify") != nil {
					t.Errorf("OCIRepository spec = %v", dig(repo, "spec"))
				}
				if dig(repo, "spec", "ref", "semver") != ">=2.0.0 <3.0.0" || dig(repo, "spec", "ref", "tag") != nil {
					t.Errorf("ref = %v", dig(repo, "spec", "ref"))
				}
				if dig(repo, "metadata", "namespace") != "policy-system" || dig(repo, "metadata", "name") != "platform" {
					t.Errorf("metadata = %v", dig(repo, "metadata"))
				}
				if !strings.Contains(out, "# NOT VERIFIED: no --key") || strings.Contains(out, "cosign-verified") || strings.Contains(out, "# Verified") {
					t.Errorf("header of unverified output:\n%s", out)
				}
			},
		},
		{
			name: "digest, insecure, explicit generic provider", ref: digestRef,
			opts:  GitOpsOptions{Insecure: true, Provider: "generic"},
			kinds: "OCIRepository,Kustomization,Kustomization",
			check: func(t *testing.T, docs []map[string]any, out string) {
				repo := docs[0]
				if dig(repo, "spec", "ref", "digest") != strings.TrimPrefix(digestRef, "oci://ghcr.io/p@") || dig(repo, "spec", "insecure") != true {
					t.Errorf("spec = %v", dig(repo, "spec"))
				}
				if dig(repo, "spec", "provider") != nil {
					t.Error("the default provider is written out")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := FluxManifests(tt.ref, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				golden.Check(t, filepath.Join("testdata", tt.golden), out)
			}
			docs := splitDocs(t, out)
			if got := docKinds(docs); got != tt.kinds {
				t.Fatalf("documents %s, want %s", got, tt.kinds)
			}
			checkAPIObjects(t, schemas, docs)
			tt.check(t, docs, string(out))
		})
	}
}

func TestArgoManifests(t *testing.T) {
	schemas := loadCRDSchemas(t)
	tests := []struct {
		name   string
		ref    string
		opts   GitOpsOptions
		kinds  string
		check  func(t *testing.T, docs []map[string]any, out string)
		golden string
	}{
		{
			name: "tag, defaults", ref: "oci://ghcr.io/contoso/policies/contoso-prod:2.3.0", golden: "argo.yaml",
			kinds: "Application",
			check: func(t *testing.T, docs []map[string]any, out string) {
				app := docs[0]
				if dig(app, "spec", "source", "repoURL") != "oci://ghcr.io/contoso/policies/contoso-prod" ||
					dig(app, "spec", "source", "targetRevision") != "2.3.0" || dig(app, "spec", "source", "path") != "." {
					t.Errorf("source = %v", dig(app, "spec", "source"))
				}
				if dig(app, "spec", "project") != "default" || dig(app, "spec", "destination", "server") != "https://kubernetes.default.svc" ||
					dig(app, "metadata", "namespace") != "argocd" {
					t.Errorf("Application = %v", app)
				}
				if !strings.Contains(out, "NOT VERIFIED by Argo CD") {
					t.Errorf("header:\n%s", out)
				}
			},
		},
		{
			name: "private registry, project, named destination", ref: digestRef, golden: "argo-private.yaml",
			opts:  GitOpsOptions{Project: "platform", DestName: "prod-eu", Namespace: "argocd-apps", RepoUsername: "ci-bot", Name: "platform-policies"},
			kinds: "Secret,Application",
			check: func(t *testing.T, docs []map[string]any, out string) {
				secret, app := docs[0], docs[1]
				if dig(secret, "metadata", "labels", "argocd.argoproj.io/secret-type") != "repository" ||
					dig(secret, "stringData", "type") != "oci" || dig(secret, "stringData", "url") != dig(app, "spec", "source", "repoURL") ||
					dig(secret, "stringData", "username") != "ci-bot" {
					t.Errorf("repository Secret = %v", secret)
				}
				if dig(app, "spec", "project") != "platform" || dig(app, "spec", "destination", "name") != "prod-eu" ||
					dig(app, "spec", "destination", "server") != nil || dig(app, "metadata", "namespace") != "argocd-apps" {
					t.Errorf("Application = %v", app)
				}
				if dig(app, "spec", "source", "targetRevision") != strings.TrimPrefix(digestRef, "oci://ghcr.io/p@") {
					t.Errorf("targetRevision = %v", dig(app, "spec", "source", "targetRevision"))
				}
				if !strings.Contains(out, "holds no password") {
					t.Errorf("header does not say the password is missing:\n%s", out)
				}
			},
		},
		{
			name: "plain HTTP registry, explicit server", ref: "oci://localhost:5000/p:v1",
			opts:  GitOpsOptions{Insecure: true, Name: "edict", DestServer: "https://10.0.0.1:6443"},
			kinds: "Secret,Application",
			check: func(t *testing.T, docs []map[string]any, out string) {
				if dig(docs[0], "stringData", "insecureOCIForceHttp") != "true" || dig(docs[1], "metadata", "name") != "edict" ||
					dig(docs[1], "spec", "destination", "server") != "https://10.0.0.1:6443" {
					t.Errorf("insecure Argo output:\n%s", out)
				}
				if strings.Contains(out, "holds no password") {
					t.Error("password note without credentials")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ArgoManifests(tt.ref, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				golden.Check(t, filepath.Join("testdata", tt.golden), out)
			}
			docs := splitDocs(t, out)
			if got := docKinds(docs); got != tt.kinds {
				t.Fatalf("documents %s, want %s", got, tt.kinds)
			}
			checkAPIObjects(t, schemas, docs)
			tt.check(t, docs, string(out))
		})
	}
}

func TestGitOpsBadInput(t *testing.T) {
	flux, argo := FluxManifests, ArgoManifests
	tests := []struct {
		name   string
		render func(string, GitOpsOptions) ([]byte, error)
		ref    string
		opts   GitOpsOptions
		want   string
	}{
		{"flux implied latest", flux, "oci://ghcr.io/p", GitOpsOptions{}, "no tag or digest"},
		{"argo implied latest", argo, "oci://ghcr.io/p", GitOpsOptions{}, "no tag or digest"},
		{"layout path", flux, "dist/layout:v1", GitOpsOptions{}, "clusters pull from a registry"},
		{"two tags", flux, "oci://ghcr.io/p:a,b", GitOpsOptions{}, "give one tag"},
		{"digest and semver", argo, digestRef, GitOpsOptions{Semver: "1.x"}, "give one"},
		{"unknown provider", flux, "oci://ghcr.io/p:v1", GitOpsOptions{Provider: "azur"}, "expected one of generic, aws, azure, gcp"},
		{"provider and secret", flux, "oci://ghcr.io/p:v1", GitOpsOptions{Provider: "aws", SecretRef: "pull"}, "give one of them"},
		{"bad secret name", flux, "oci://ghcr.io/p:v1", GitOpsOptions{SecretRef: "Pull_Secret"}, "--secret-ref"},
		{"bad interval", flux, "oci://ghcr.io/p:v1", GitOpsOptions{Interval: "10 minutes"}, "--interval"},
		{"argo flag for flux", flux, "oci://ghcr.io/p:v1", GitOpsOptions{Project: "x"}, "Argo CD settings"},
		{"flux flag for argo", argo, "oci://ghcr.io/p:v1", GitOpsOptions{Provider: "azure"}, "Flux settings"},
		{"both destinations", argo, "oci://ghcr.io/p:v1", GitOpsOptions{DestName: "a", DestServer: "https://b"}, "give one"},
		{"bad server", argo, "oci://ghcr.io/p:v1", GitOpsOptions{DestServer: "kubernetes.default.svc"}, "--dest-server"},
		{"bad project", argo, "oci://ghcr.io/p:v1", GitOpsOptions{Project: "Platform Team"}, "--project"},
		{"bad name", argo, "oci://ghcr.io/p:v1", GitOpsOptions{Name: "My_Policies"}, "--name"},
		{"bad namespace", flux, "oci://ghcr.io/p:v1", GitOpsOptions{Namespace: "flux.system"}, "--namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.render(tt.ref, tt.opts)
			var ie *InvalidError
			if err == nil || !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (output %d bytes), want an InvalidError mentioning %q", err, len(out), tt.want)
			}
		})
	}
}

// TestSharedManifests wires a templates bundle and two initiative bundles
// into one cluster, pins both outputs in golden files, checks every object
// against the released Flux and Argo CD schemas, and checks the ordering:
// templates from the templates bundle only, then each initiative's
// constraints.
func TestSharedManifests(t *testing.T) {
	schemas := loadCRDSchemas(t)
	const tpl = "oci://ghcr.io/contoso/policy-templates:1.4.0"
	refs := []string{"oci://ghcr.io/contoso/platform:2.3.0", "oci://ghcr.io/contoso/team-a@sha256:" + strings.Repeat("c", 64)}

	t.Run("flux", func(t *testing.T) {
		out, err := FluxSharedManifests(tpl, refs, GitOpsOptions{PublicKey: []byte(testPub), Provider: "azure"})
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "flux-shared.yaml"), out)
		docs := splitDocs(t, out)
		if got, want := docKinds(docs), "Secret,OCIRepository,Kustomization,OCIRepository,Kustomization,OCIRepository,Kustomization"; got != want {
			t.Fatalf("documents %s, want %s", got, want)
		}
		checkAPIObjects(t, schemas, docs)
		tmpl := byKindName(docs, "Kustomization", "policy-templates-templates")
		if dig(tmpl, "spec", "path") != "./templates" || dig(tmpl, "spec", "sourceRef", "name") != "policy-templates" || dig(tmpl, "spec", "healthCheckExprs") == nil {
			t.Errorf("templates Kustomization = %v", tmpl["spec"])
		}
		for _, name := range []string{"platform", "team-a"} {
			k := byKindName(docs, "Kustomization", name+"-constraints")
			if k == nil {
				t.Fatalf("no Kustomization %s-constraints", name)
			}
			if dig(k, "spec", "path") != "./constraints" || dig(k, "spec", "sourceRef", "name") != name {
				t.Errorf("%s: path %v from %v", name, dig(k, "spec", "path"), dig(k, "spec", "sourceRef"))
			}
			deps, _ := dig(k, "spec", "dependsOn").([]any)
			if len(deps) != 1 || dig(deps[0].(map[string]any), "name") != "policy-templates-templates" {
				t.Errorf("%s dependsOn = %v", name, deps)
			}
			repo := byKindName(docs, "OCIRepository", name)
			if dig(repo, "spec", "verify", "secretRef", "name") != "policy-templates-cosign-pub" || dig(repo, "spec", "provider") != "azure" {
				t.Errorf("%s source = %v", name, repo["spec"])
			}
		}
		if k := byKindName(docs, "Kustomization", "platform-templates"); k != nil {
			t.Error("an initiative bundle's templates are synced too")
		}
		if got := dig(byKindName(docs, "OCIRepository", "team-a"), "spec", "ref", "digest"); got != "sha256:"+strings.Repeat("c", 64) {
			t.Errorf("team-a pinned to %v", got)
		}
	})

	t.Run("argo", func(t *testing.T) {
		out, err := ArgoSharedManifests(tpl, refs, GitOpsOptions{Project: "platform", DestName: "prod-eu", RepoSecret: true})
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "argo-shared.yaml"), out)
		docs := splitDocs(t, out)
		if got, want := docKinds(docs), "Secret,Application,Secret,Application,Secret,Application"; got != want {
			t.Fatalf("documents %s, want %s", got, want)
		}
		checkAPIObjects(t, schemas, docs)
		for _, c := range []struct{ name, path, wave string }{
			{"policy-templates", "templates", "-1"},
			{"platform", "constraints", "0"},
			{"team-a", "constraints", "0"},
		} {
			app := byKindName(docs, "Application", c.name)
			if dig(app, "spec", "source", "path") != c.path || dig(app, "metadata", "annotations", "argocd.argoproj.io/sync-wave") != c.wave {
				t.Errorf("%s: path %v wave %v, want %s %s", c.name, dig(app, "spec", "source", "path"), dig(app, "metadata", "annotations"), c.path, c.wave)
			}
			if dig(app, "spec", "project") != "platform" || dig(app, "spec", "destination", "name") != "prod-eu" {
				t.Errorf("%s: project/destination %v", c.name, app["spec"])
			}
		}
		if !strings.Contains(string(out), "Secrets argocd/policy-templates-repo, argocd/platform-repo, argocd/team-a-repo hold no password") {
			t.Errorf("header does not name the repository Secrets:\n%s", out)
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, c := range []struct {
			name string
			tpl  string
			refs []string
			o    GitOpsOptions
			want string
		}{
			{"no initiative bundles", tpl, nil, GitOpsOptions{}, "give the initiative bundles"},
			{"one name twice", tpl, []string{"oci://a.io/x/platform:1", "oci://b.io/y/platform:2"}, GitOpsOptions{}, "would both be named platform"},
			{"templates named like a bundle", "oci://a.io/platform:1", []string{"oci://b.io/platform:2"}, GitOpsOptions{}, "would both be named platform"},
			{"--name", tpl, refs, GitOpsOptions{Name: "x"}, "--name"},
			{"implied latest", tpl, []string{"oci://ghcr.io/contoso/platform"}, GitOpsOptions{}, "no tag or digest"},
		} {
			for _, render := range []func(string, []string, GitOpsOptions) ([]byte, error){FluxSharedManifests, ArgoSharedManifests} {
				_, err := render(c.tpl, c.refs, c.o)
				var ie *InvalidError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: err = %v, want an InvalidError mentioning %q", c.name, err, c.want)
				}
			}
		}
	})
}
