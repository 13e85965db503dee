package source

import (
	"context"
	"crypto/elliptic"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/input"
)

const initiativeV1 = `apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: team
spec:
  version: 1.0.0
  extends: pod-security-baseline
  defaults:
    effect: deny
  policies:
    allowed-capabilities:
      parameters: {allowedCapabilities: [NET_BIND_SERVICE]}
`

// writeRepo writes a small policy repository and returns its folder.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func capabilities(t *testing.T, b *Bundle) string {
	t.Helper()
	for _, p := range b.Output.Policies {
		if p.Ref == "allowed-capabilities" {
			return strings.TrimSpace(strings.Join(toStrings(p.Parameters["allowedCapabilities"]), ","))
		}
	}
	t.Fatalf("%s has no allowed-capabilities reference", b.Origin)
	return ""
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

func constraintFiles(b *Bundle) int {
	return len(b.Output.Constraints)
}

func testKeys(t *testing.T) (signature.SignerVerifier, signature.Verifier) {
	t.Helper()
	priv, _, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := bundle.ParsePrivateKey(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, s
}

func TestResolveLocalForms(t *testing.T) {
	ctx := context.Background()
	repo := writeRepo(t, map[string]string{
		"initiatives/team.yaml":  initiativeV1,
		"initiatives/other.yaml": strings.NewReplacer("name: team", "name: other", "NET_BIND_SERVICE", "CHOWN").Replace(initiativeV1),
		"README.md":              "not YAML",
	})
	built, err := Resolve(ctx, "pod-security-restricted", Options{})
	if err != nil {
		t.Fatal(err)
	}
	bundleDir := filepath.Join(t.TempDir(), "pod-security-restricted")
	if err := bundle.Write(bundleDir, built[0].Output); err != nil {
		t.Fatal(err)
	}
	signer, verifier := testKeys(t)
	signedDir := filepath.Join(t.TempDir(), "signed")
	if err := bundle.Write(signedDir, built[0].Output, bundle.WithSigner(signer)); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(t.TempDir(), "layout")
	art, err := bundle.NewArtifact(os.DirFS(bundleDir), bundle.ArtifactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := bundle.ParseLocation(layout + ":1.0.0")
	if _, err := (&bundle.Remote{}).Push(ctx, art, loc, bundle.PushOptions{Signer: signer}); err != nil {
		t.Fatal(err)
	}
	_, otherVerifier := testKeys(t)

	tests := []struct {
		name     string
		arg      string
		opts     Options
		kind     Kind
		want     []string // bundle names
		caps     string   // allowed capabilities of the first bundle, when set
		wantErr  string
		verified bool
	}{
		{name: "initiative file", arg: filepath.Join(repo, "initiatives/team.yaml"), opts: Options{Root: repo}, kind: KindInitiative, want: []string{"team"}, caps: "NET_BIND_SERVICE"},
		{name: "repository folder", arg: repo, kind: KindRepository, want: []string{"other", "team"}, caps: "CHOWN"},
		{name: "built-in", arg: "pod-security-baseline", kind: KindBuiltin, want: []string{"pod-security-baseline"}},
		{name: "bundle folder", arg: bundleDir, kind: KindBundle, want: []string{"pod-security-restricted"}},
		{name: "signed bundle folder", arg: signedDir, opts: Options{Verifier: verifier}, kind: KindBundle, want: []string{"pod-security-restricted"}},
		{name: "bundle folder, wrong key", arg: signedDir, opts: Options{Verifier: otherVerifier}, kind: KindBundle, wantErr: "verification failed"},
		{name: "OCI layout", arg: layout + ":1.0.0", opts: Options{Verifier: verifier}, kind: KindOCI, want: []string{"pod-security-restricted"}},
		{name: "OCI layout, wrong key", arg: layout + ":1.0.0", opts: Options{Verifier: otherVerifier}, kind: KindOCI, wantErr: "verification failed"},
		{name: "unknown", arg: "pod-security-baselin", wantErr: "built-in initiatives: azure-aks-deployment-safeguards, azure-pod-security-baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, kerr := Classify(tt.arg)
			got, err := Resolve(ctx, tt.arg, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || kerr != nil {
				t.Fatalf("Resolve: %v, Classify: %v", err, kerr)
			}
			if kind != tt.kind {
				t.Errorf("Classify = %s, want %s", kind, tt.kind)
			}
			var names []string
			for _, b := range got {
				names = append(names, b.Output.Name)
				if constraintFiles(b) == 0 {
					t.Errorf("%s: no constraints", b.Origin)
				}
			}
			if strings.Join(names, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("bundles %v, want %v", names, tt.want)
			}
			if tt.caps != "" {
				if c := capabilities(t, got[0]); c != tt.caps {
					t.Errorf("allowedCapabilities %q, want %q", c, tt.caps)
				}
			}
		})
	}
}

func TestResolveRegistry(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	built, err := Resolve(ctx, "pod-security-baseline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := bundle.Write(dir, built[0].Output); err != nil {
		t.Fatal(err)
	}
	art, err := bundle.NewArtifact(os.DirFS(dir), bundle.ArtifactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	signer, verifier := testKeys(t)
	ref := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/policies:2.0.0"
	loc, _ := bundle.ParseLocation(ref)
	if _, err := (&bundle.Remote{}).Push(ctx, art, loc, bundle.PushOptions{Signer: signer}); err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(ctx, ref, Options{Verifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Digest == "" || !strings.HasPrefix(got[0].Origin, "oci://") {
		t.Fatalf("got %+v", got)
	}
	for f, data := range built[0].Output.FileMap() {
		if string(got[0].Output.FileMap()[f]) != string(data) {
			t.Errorf("%s differs after the round trip", f)
		}
	}
	if _, err := Resolve(ctx, "oci://"+strings.TrimPrefix(srv.URL, "http://")+"/missing:1", Options{}); err == nil {
		t.Error("a missing tag resolved")
	}
}

func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestResolveGit(t *testing.T) {
	ctx := context.Background()
	repo := writeRepo(t, map[string]string{"initiatives/team.yaml": initiativeV1})
	runGit(t, repo, "init", "-q", "-b", "main")
	runGit(t, repo, "add", ".")
	runGit(t, repo, "commit", "-q", "-m", "v1")
	v2 := strings.Replace(initiativeV1, "[NET_BIND_SERVICE]", "[NET_BIND_SERVICE, CHOWN]", 1)
	if err := os.WriteFile(filepath.Join(repo, "initiatives/team.yaml"), []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, repo, "commit", "-q", "-am", "v2")
	// An uncommitted edit in the working tree must not leak into revisions.
	dirty := strings.Replace(initiativeV1, "[NET_BIND_SERVICE]", "[SYS_ADMIN]", 1)
	if err := os.WriteFile(filepath.Join(repo, "initiatives/team.yaml"), []byte(dirty), 0o644); err != nil {
		t.Fatal(err)
	}
	// A built bundle committed at the first revision, in a sub-folder.
	built, err := Resolve(ctx, "pod-security-baseline", Options{})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		arg     string
		opts    Options
		want    string
		wantErr string
	}{
		{name: "file at HEAD~1", arg: "git:HEAD~1:initiatives/team.yaml", want: "NET_BIND_SERVICE"},
		{name: "file at main", arg: "git:main:initiatives/team.yaml", want: "NET_BIND_SERVICE,CHOWN"},
		{name: "default path is the repository", arg: "git:HEAD~1", want: "NET_BIND_SERVICE"},
		{name: "GitPath option", arg: "git:main", opts: Options{GitPath: "initiatives/team.yaml"}, want: "NET_BIND_SERVICE,CHOWN"},
		{name: "from a sub-folder", arg: "git:main:team.yaml", opts: Options{Dir: filepath.Join(repo, "initiatives")}, want: "NET_BIND_SERVICE,CHOWN"},
		{name: "unknown revision", arg: "git:nope", wantErr: `git revision "nope"`},
		{name: "missing path", arg: "git:main:absent.yaml", wantErr: "does not exist at this revision"},
		{name: "outside", arg: "git:main:../x.yaml", wantErr: "outside the repository"},
		{name: "option-like revision", arg: "git:--output=x", wantErr: "cannot start with -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Dir == "" {
				tt.opts.Dir = repo
			}
			got, err := Resolve(ctx, tt.arg, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d bundles", len(got))
			}
			if c := capabilities(t, got[0]); c != tt.want {
				t.Errorf("allowedCapabilities %q, want %q", c, tt.want)
			}
			if !strings.HasPrefix(got[0].Origin, "git:") {
				t.Errorf("origin %q", got[0].Origin)
			}
		})
	}

	t.Run("bundle folder at a revision", func(t *testing.T) {
		if err := bundle.Write(filepath.Join(repo, "dist", "pod-security-baseline"), built[0].Output); err != nil {
			t.Fatal(err)
		}
		runGit(t, repo, "add", "dist")
		runGit(t, repo, "commit", "-q", "-m", "bundle")
		got, err := Resolve(ctx, "git:HEAD:dist/pod-security-baseline", Options{Dir: repo})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Output.Name != "pod-security-baseline" || len(got[0].Output.FileMap()) != len(built[0].Output.FileMap()) {
			t.Fatalf("got %s with %d files", got[0].Output.Name, len(got[0].Output.FileMap()))
		}
	})

	data, _ := os.ReadFile(filepath.Join(repo, "initiatives/team.yaml"))
	if string(data) != dirty {
		t.Error("the working tree was modified")
	}
}

func TestResolveErrorsArePositioned(t *testing.T) {
	repo := writeRepo(t, map[string]string{"initiatives/bad.yaml": strings.Replace(initiativeV1, "allowedCapabilities", "allowedCapabilites", 1)})
	_, err := Resolve(context.Background(), repo, Options{})
	var ce *input.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), filepath.Join(repo, "initiatives/bad.yaml")+":12:20") || !strings.Contains(err.Error(), `did you mean "allowedCapabilities"`) {
		t.Fatalf("err = %v", err)
	}
}
