package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/rendered"
)

// runEdict runs the CLI in-process, as main does, and returns stdout,
// stderr (with the error printed as main prints it) and the exit code.
func runEdict(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := execute(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	if err != nil {
		printError(&errb, err)
	}
	return out.String(), errb.String(), exitCode(err)
}

func testBundle(t *testing.T) string {
	t.Helper()
	return writeTestBundle(t, "")
}

func writeTestBundle(t *testing.T, extra string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	m := func(p, data string) *rendered.Manifest { return &rendered.Manifest{Path: p, Data: []byte(data)} }
	out := &rendered.Bundle{
		Name: "demo", Version: "1.0.0", Gatekeeper: "3.19", EdictVersion: "v9.9.9-test",
		Templates:   []*rendered.Template{{Manifest: m("templates/t.yaml", "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n  name: t\n")}},
		Constraints: []*rendered.Constraint{{Manifest: m("constraints/c.yaml", "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: T\nmetadata:\n  name: demo-c\n"+extra)}},
		Kustomizations: []*rendered.Manifest{
			m("kustomization.yaml", "resources:\n- templates\n- constraints\n"),
			m("templates/kustomization.yaml", "resources:\n- t.yaml\n"),
			m("constraints/kustomization.yaml", "resources:\n- c.yaml\n"),
		},
	}
	if err := bundle.Write(dir, out); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestKeygenAndPasswords(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EDICT_KEY_PASSWORD", "from-env")
	prefix := filepath.Join(dir, "release")
	if _, stderr, code := runEdict(t, "", "keygen", prefix); code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	info, err := os.Stat(prefix + ".key")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", info, err)
	}
	if _, _, code := runEdict(t, "", "keygen", prefix); code != ExitUsage {
		t.Errorf("keygen over existing keys: exit %d, want %d", code, ExitUsage)
	}

	b := testBundle(t)
	if _, stderr, code := runEdict(t, "", "sign", b, "--key", prefix+".key"); code != 0 {
		t.Fatalf("sign with the env password: %d %s", code, stderr)
	}
	// Without env vars the password is read from stdin (a trailing newline is dropped).
	os.Unsetenv("EDICT_KEY_PASSWORD")
	t.Setenv("COSIGN_PASSWORD", "")
	os.Unsetenv("COSIGN_PASSWORD")
	if _, stderr, code := runEdict(t, "from-env\n", "sign", b, "--key", prefix+".key"); code != 0 {
		t.Fatalf("sign with the stdin password: %d %s", code, stderr)
	}
	out, stderr, code := runEdict(t, "wrong\n", "sign", b, "--key", prefix+".key")
	if code != ExitUsage || !strings.Contains(stderr, "wrong password") || strings.Contains(out+stderr, "from-env") {
		t.Errorf("wrong password: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runEdict(t, "", "verify", b, "--key", prefix+".pub"); code != 0 {
		t.Errorf("verify signed folder: %d %s", code, stderr)
	}
}

// TestKeygenEmptyPassword: an empty password is refused unless
// --no-password asks for it, and nothing is written when refused.
func TestKeygenEmptyPassword(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string // unset when absent
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"empty variable", map[string]string{"EDICT_KEY_PASSWORD": ""}, "", nil, ExitUsage, "empty password"},
		{"empty stdin", nil, "", nil, ExitUsage, "empty password"},
		{"only a newline on stdin", nil, "\n", nil, ExitUsage, "--no-password"},
		{"--no-password", nil, "", []string{"--no-password"}, ExitOK, "has no password"},
		{"--no-password with a password", map[string]string{"COSIGN_PASSWORD": "x"}, "", []string{"--no-password"}, ExitUsage, "COSIGN_PASSWORD holds a password"},
		{"a password", map[string]string{"EDICT_KEY_PASSWORD": "s3cret"}, "", nil, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, env := range []string{"EDICT_KEY_PASSWORD", "COSIGN_PASSWORD"} {
				t.Setenv(env, "")
				if v, ok := tt.env[env]; ok {
					t.Setenv(env, v)
				} else {
					os.Unsetenv(env)
				}
			}
			prefix := filepath.Join(t.TempDir(), "k")
			_, stderr, code := runEdict(t, tt.stdin, append([]string{"keygen", prefix}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderr)
			}
			_, err := os.Stat(prefix + ".key")
			if written := err == nil; written != (tt.code == ExitOK) {
				t.Errorf("key written: %v, exit %d", written, code)
			}
		})
	}
}

func TestSignKeepsOtherKeys(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EDICT_KEY_PASSWORD", "pw")
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, p := range []string{a, b} {
		if _, stderr, code := runEdict(t, "", "keygen", p); code != 0 {
			t.Fatalf("keygen: %d %s", code, stderr)
		}
	}
	bun := testBundle(t)
	for _, step := range []struct{ key, want string }{{a, "signed "}, {b, "signed "}, {a, "already signed "}} {
		out, stderr, code := runEdict(t, "", "sign", bun, "--key", step.key+".key")
		if code != 0 || !strings.HasPrefix(out, step.want) {
			t.Fatalf("sign with %s: exit %d, %q %q; want %q", filepath.Base(step.key), code, out, stderr, step.want)
		}
	}
	for _, p := range []string{a, b} {
		if _, stderr, code := runEdict(t, "", "verify", bun, "--key", p+".pub"); code != 0 {
			t.Errorf("verify with %s after both signed: exit %d %s", filepath.Base(p), code, stderr)
		}
	}
}

func TestPushVerifyPullCommands(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	t.Setenv("EDICT_KEY_PASSWORD", "pw")
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, k := range []string{"release", "other"} {
		if _, stderr, code := runEdict(t, "", "keygen", filepath.Join(dir, k)); code != 0 {
			t.Fatal(stderr)
		}
	}
	key, pub, otherPub := filepath.Join(dir, "release.key"), filepath.Join(dir, "release.pub"), filepath.Join(dir, "other.pub")
	b := testBundle(t)
	ref := "oci://" + host + "/policies/demo"

	out, stderr, code := runEdict(t, "", "push", b, ref+":1.0.0,latest", "--sign-key", key, "--signature-format", "both", "--output", "json")
	if code != 0 {
		t.Fatalf("push: %d %s", code, stderr)
	}
	var res bundle.PushResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("push --output json: %v\n%s", err, out)
	}
	if len(res.Signatures) != 2 || len(res.Tags) != 2 || !strings.HasPrefix(res.Digest, "sha256:") {
		t.Errorf("push result: %+v", res)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"verify", []string{"verify", ref + ":latest", "--key", pub}, ExitOK, "verified"},
		{"verify pinned", []string{"verify", ref + ":1.0.0@" + res.Digest, "--key", pub}, ExitOK, res.Digest},
		{"verify names the Gatekeeper it needs", []string{"verify", ref + ":1.0.0", "--key", pub}, ExitOK, "needs      Gatekeeper 3.19 or newer\n  built by   edict v9.9.9-test\n"},
		{"wrong key", []string{"verify", ref + ":1.0.0", "--key", otherPub}, ExitFailure, "wrong key"},
		{"unknown tag", []string{"verify", ref + ":nope", "--key", pub}, ExitIO, "not found"},
		{"unreachable", []string{"verify", "oci://" + closedAddr(t) + "/p:v1", "--key", pub}, ExitIO, "unreachable"},
		{"bad reference", []string{"verify", "oci://nohost", "--key", pub}, ExitUsage, "oci://host/repository"},
		{"bad format", []string{"push", b, ref + ":x", "--signature-format", "v9"}, ExitUsage, "signature format"},
		{"not a bundle", []string{"push", dir, ref + ":x"}, ExitUsage, "bundle.json is missing"},
		{"pull", []string{"pull", ref + ":1.0.0", "-o", filepath.Join(dir, "pulled"), "--verify-key", pub}, ExitOK, "signature verified"},
		{"gitops flux", []string{"gitops", "flux", ref + ":1.0.0", "--key", pub}, ExitOK, "kind: OCIRepository"},
		{"gitops argo", []string{"gitops", "argo", ref + ":1.0.0"}, ExitOK, "kind: Application"},
		{"gitops other", []string{"gitops", "helm", ref + ":1.0.0"}, ExitUsage, "flux or argo"},
		{"gitops flux azure", []string{"gitops", "flux", ref + ":1.0.0", "--provider", "azure", "--interval", "1h"}, ExitOK, "provider: azure"},
		{"gitops implied latest", []string{"gitops", "flux", ref, "--key", pub}, ExitUsage, "no tag or digest"},
		{"gitops argo key", []string{"gitops", "argo", ref + ":1.0.0", "--key", pub}, ExitUsage, "does not verify"},
		{"gitops argo repo", []string{"gitops", "argo", ref + ":1.0.0", "--username", "bot", "--dest-name", "prod"}, ExitOK, "argocd.argoproj.io/secret-type: repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out+stderr, tt.want) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tt.code, out, stderr, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "pulled", "templates", "t.yaml")); err != nil {
		t.Errorf("pull did not write the bundle: %v", err)
	}

	// Same bundle again: same digest, nothing uploaded, existing signatures kept.
	out, _, code = runEdict(t, "", "push", b, ref+":1.0.0,latest", "--sign-key", key, "--signature-format", "both", "--output", "json")
	var again bundle.PushResult
	if code != 0 || json.Unmarshal([]byte(out), &again) != nil || again.Digest != res.Digest || again.Uploaded != 0 {
		t.Errorf("second push: exit %d %s", code, out)
	}

	// Changed content under the same version: the released tag is not moved.
	changed := testBundleWith(t, "# changed\n")
	moves := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
		notInOutput    string
	}{
		{"released tag refused", []string{"push", changed, ref + ":1.0.0"}, ExitUsage, "",
			"edict: refusing to move a released tag to sha256:", "pushed"},
		{"latest moves, version not bumped", []string{"push", changed, ref + ":latest"}, ExitOK, "moved      latest from " + res.Digest,
			"warning: " + host + "/policies/demo:latest held version 1.0.0 with other content", ""},
		{"forced", []string{"push", changed, ref + ":1.0.0", "--force"}, ExitOK, "moved      1.0.0 from " + res.Digest,
			"the bundle changed but spec.version did not", ""},
		{"missing folder", []string{"push", filepath.Join(dir, "nope"), ref + ":2"}, ExitUsage, "", "no such folder", "stat ."},
	}
	for _, tt := range moves {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(stderr, tt.stderr) ||
				(tt.notInOutput != "" && strings.Contains(out+stderr, tt.notInOutput)) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q on stdout, %q on stderr, no %q", code, tt.code, out, stderr, tt.stdout, tt.stderr, tt.notInOutput)
			}
		})
	}
	// verify names what it did, not pull.
	if _, stderr, code := runEdict(t, "", "verify", ref+":nope", "--key", pub); code != ExitIO || strings.Contains(stderr, "pull") || !strings.Contains(stderr, "fetch") {
		t.Errorf("verify of a missing tag: exit %d, %q", code, stderr)
	}
	if out, stderr, code := runEdict(t, "", "verify", ref+":1.0.0@"+res.Digest, "--key", pub); code != ExitFailure || strings.Contains(stderr, "pull") || !strings.Contains(stderr, "edict: verification failed") {
		t.Errorf("verify of a moved tag: exit %d\n%s%s", code, out, stderr)
	}
}

// testBundleWith is testBundle with extra text in its constraint, so its
// content differs while its version does not.
func testBundleWith(t *testing.T, extra string) string {
	t.Helper()
	return writeTestBundle(t, extra)
}

// TestCreatedGitReason: --created git outside a repository says git's reason.
func TestCreatedGitReason(t *testing.T) {
	b := testBundle(t)
	t.Chdir(t.TempDir())
	_, stderr, code := runEdict(t, "", "push", b, "--created", "git")
	if code != ExitUsage || !strings.Contains(stderr, "not a git repository") {
		t.Errorf("exit %d, stderr %q; want git's reason", code, stderr)
	}
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}
