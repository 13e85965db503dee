//go:build e2e

// Package e2e drives the edict binary against a real registry (Debian's
// docker-registry, distribution 2.8, which has no referrers API) and checks
// the result with the tools clusters and pipelines really use: the cosign
// CLI, Flux's OCI client and kustomize. Run .ci/e2e-setup.sh first.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	fluxoci "github.com/fluxcd/pkg/oci"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

const initiative = "pod-security-baseline"

type env struct {
	root     string // repository root
	edict    string
	cosign   string
	registry string // host:port of the real registry
	work     string
}

func setup(t *testing.T) *env {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{root: root, work: t.TempDir()}

	// Missing tools are a failure, not a skip: CI must not pass silently.
	regBin := os.Getenv("EDICT_E2E_REGISTRY")
	if regBin == "" {
		regBin = "/usr/bin/docker-registry"
	}
	if _, err := os.Stat(regBin); err != nil {
		t.Fatalf("docker-registry not found at %s (run .ci/e2e-setup.sh): %v", regBin, err)
	}
	e.cosign = filepath.Join(root, ".tools", "cosign")
	if _, err := os.Stat(e.cosign); err != nil {
		p, lerr := exec.LookPath("cosign")
		if lerr != nil {
			t.Fatalf("cosign not found in .tools/ or PATH (run .ci/e2e-setup.sh)")
		}
		e.cosign = p
	}

	e.edict = filepath.Join(e.work, "edict")
	build := exec.Command("go", "build", "-o", e.edict, "./cmd/edict")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	e.registry = startRegistry(t, regBin, e.work)
	return e
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startRegistry(t *testing.T, bin, work string) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cfg := filepath.Join(work, "registry.yml")
	data := filepath.Join(work, "registry-data")
	conf := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, data, addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry did not come up on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countingProxy sits in front of the registry and records every request.
type countingProxy struct {
	mu   sync.Mutex
	reqs []string
	addr string
}

func startProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, _ := url.Parse("http://" + target)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &countingProxy{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p.addr = l.Addr().String()
	return p
}

func (p *countingProxy) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.reqs
	p.reqs = nil
	return r
}

func (e *env) run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = e.work
	cmd.Env = append(os.Environ(), "EDICT_KEY_PASSWORD=e2e-password", "COSIGN_PASSWORD=e2e-password",
		"SOURCE_DATE_EPOCH=1767225600", "HOME="+e.work, "TUF_ROOT="+filepath.Join(e.work, "tuf"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (e *env) must(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := e.run(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

type pushResult struct {
	Digest     string `json:"digest"`
	Uploaded   int    `json:"uploaded"`
	Signatures []struct {
		Format   string `json:"format"`
		Existing bool   `json:"existing"`
	} `json:"signatures"`
}

func TestEndToEnd(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	e.must(t, e.edict, "keygen", "release")
	e.must(t, e.edict, "keygen", "intruder")
	e.must(t, e.edict, "build", initiative, "-o", "dist")
	bundleDir := filepath.Join("dist", initiative)
	e.must(t, e.edict, "sign", bundleDir, "--key", "release.key")

	// bundle.sig is what cosign verify-blob accepts.
	sig, idx := filepath.Join(bundleDir, "bundle.sig"), filepath.Join(bundleDir, "bundle.json")
	e.must(t, e.cosign, "verify-blob", "--key", "release.pub", "--signature", sig, "--insecure-ignore-tlog", idx)
	if out, err := e.run(t, e.cosign, "verify-blob", "--key", "intruder.pub", "--signature", sig, "--insecure-ignore-tlog", idx); err == nil {
		t.Errorf("cosign verify-blob accepted bundle.sig with the wrong key:\n%s", out)
	}

	proxy := startProxy(t, e.registry)
	for _, format := range []string{"legacy", "bundle"} {
		t.Run(format, func(t *testing.T) {
			repo := "policies/" + format
			// Push through the counting proxy; everything else talks to the registry directly.
			viaProxy := "oci://" + proxy.addr + "/" + repo + ":v1,latest"
			direct := e.registry + "/" + repo + ":v1"

			var first pushResult
			out := e.must(t, e.edict, "push", bundleDir, viaProxy, "--sign-key", "release.key",
				"--signature-format", format, "--source", "https://example.com/policies.git", "--output", "json")
			if err := json.Unmarshal([]byte(out), &first); err != nil {
				t.Fatalf("push --output json: %v\n%s", err, out)
			}
			firstReqs := proxy.take()
			if first.Uploaded == 0 || len(first.Signatures) != 1 || first.Signatures[0].Format != format {
				t.Fatalf("first push: %+v", first)
			}

			// The real cosign CLI verifies edict's signature offline...
			e.must(t, e.cosign, "verify", "--key", "release.pub", "--insecure-ignore-tlog", direct)
			e.must(t, e.cosign, "verify", "--key", "release.pub", "--insecure-ignore-tlog", e.registry+"/"+repo+"@"+first.Digest)
			// ...and rejects it with another key.
			if out, err := e.run(t, e.cosign, "verify", "--key", "intruder.pub", "--insecure-ignore-tlog", direct); err == nil {
				t.Errorf("cosign verify accepted the wrong key:\n%s", out)
			}
			// edict's own verify agrees.
			e.must(t, e.edict, "verify", "oci://"+direct, "--key", "release.pub")
			if _, err := e.run(t, e.edict, "verify", "oci://"+direct, "--key", "intruder.pub"); err == nil {
				t.Error("edict verify accepted the wrong key")
			}

			// A second push of the same bundle uploads nothing and keeps the digest.
			var second pushResult
			out = e.must(t, e.edict, "push", bundleDir, viaProxy, "--sign-key", "release.key",
				"--signature-format", format, "--source", "https://example.com/policies.git", "--output", "json")
			if err := json.Unmarshal([]byte(out), &second); err != nil {
				t.Fatal(err)
			}
			secondReqs := proxy.take()
			if second.Digest != first.Digest {
				t.Errorf("second push digest %s != %s", second.Digest, first.Digest)
			}
			if second.Uploaded != 0 || !second.Signatures[0].Existing {
				t.Errorf("second push uploaded %d, signature %+v", second.Uploaded, second.Signatures)
			}
			for _, r := range secondReqs {
				if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "HEAD ") {
					t.Errorf("second push wrote to the registry: %s", r)
				}
			}
			t.Logf("%s: first push %d requests, second push %d requests: %v", format, len(firstReqs), len(secondReqs), secondReqs)

			// Flux's own OCI client pulls and extracts the artifact...
			pulled := filepath.Join(e.work, "flux-"+format)
			meta, err := fluxoci.NewClient(fluxoci.DefaultOptions()).Pull(ctx, direct, pulled)
			if err != nil {
				t.Fatalf("flux pull: %v", err)
			}
			if !strings.HasSuffix(meta.Digest, first.Digest) || meta.Source != "https://example.com/policies.git" {
				t.Errorf("flux metadata: %+v", meta)
			}
			// ...and kustomize builds what Flux's two Kustomizations and Argo CD apply.
			checkKustomize(t, pulled)
		})
	}
}

// checkKustomize builds ., ./templates and ./constraints of an extracted
// bundle and compares the objects with bundle.json.
func checkKustomize(t *testing.T, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Files []struct {
			Path string `json:"path"`
		} `json:"files"`
		Policies []struct {
			Template   string `json:"template"`
			Constraint string `json:"constraint"`
		} `json:"policies"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	wantTemplates := map[string]bool{}
	wantConstraints := map[string]bool{}
	for _, p := range idx.Policies {
		if p.Constraint != "" {
			wantTemplates[p.Template] = true
			wantConstraints[p.Constraint] = true
		}
	}
	if len(wantConstraints) == 0 {
		t.Fatal("bundle.json lists no constraints")
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	fs := filesys.MakeFsOnDisk()
	build := func(sub string) (templates, constraints map[string]bool) {
		rm, err := k.Run(fs, filepath.Join(dir, sub))
		if err != nil {
			t.Fatalf("kustomize build %s: %v", sub, err)
		}
		templates, constraints = map[string]bool{}, map[string]bool{}
		for _, r := range rm.Resources() {
			switch {
			case r.GetKind() == "ConstraintTemplate":
				templates[r.GetName()] = true
			case r.GetApiVersion() == "constraints.gatekeeper.sh/v1beta1":
				constraints[r.GetName()] = true
			}
		}
		return templates, constraints
	}
	allT, allC := build(".")
	for tmpl := range wantTemplates {
		if !allT[tmpl] {
			t.Errorf("kustomize build . lacks ConstraintTemplate %s", tmpl)
		}
	}
	for c := range wantConstraints {
		if !allC[c] {
			t.Errorf("kustomize build . lacks constraint %s", c)
		}
	}
	tT, tC := build("templates")
	cT, cC := build("constraints")
	if len(tC) != 0 || len(cT) != 0 || len(tT) != len(allT) || len(cC) != len(allC) {
		t.Errorf("templates/ and constraints/ do not split the bundle: %d/%d templates, %d/%d constraints", len(tT), len(cT), len(tC), len(cC))
	}
}
