package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// TestMain lets a test run the real edict process (signals, os.Exit) by
// re-executing the test binary.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("EDICT_TEST_MAIN_ARGS"); ok {
		os.Args = append([]string{"edict"}, strings.Split(args, "\x1f")...)
		main()
		return
	}
	os.Exit(m.Run())
}

// edictProcess starts edict as a separate process.
func edictProcess(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "EDICT_TEST_MAIN_ARGS="+strings.Join(args, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stderr
}

// acceptingServer accepts connections and never answers; accepted is
// signalled at the first connection.
func acceptingServer(t *testing.T) (addr string, accepted chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = make(chan struct{})
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if len(conns) == 0 {
				close(accepted)
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), accepted
}

// slowRepo is a policy repository whose suite case loops for hours.
func slowRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"initiatives/team.yaml": "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team\nspec:\n  version: 1.0.0\n  extends: pod-security-baseline\n",
		"suites/suite.yaml": `apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
metadata:
  name: slow
tests:
  - name: rule
    template: template.yaml
    constraint: constraint.yaml
    cases:
      - name: loops
        object: pod.yaml
        assertions:
          - violations: no
`,
		"suites/template.yaml": `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: slow
spec:
  crd:
    spec:
      names:
        kind: Slow
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package slow

              violation contains {"msg": "never"} if {
                some i in numbers.range(1, 100000)
                some j in numbers.range(1, 100000)
                some k in numbers.range(1, 100000)
                i + j + k < 0
              }
`,
		"suites/constraint.yaml": "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: Slow\nmetadata:\n  name: slow\nspec:\n  match:\n    kinds: [{apiGroups: [\"\"], kinds: [Pod]}]\n",
		"suites/pod.yaml":        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\nspec:\n  containers: [{name: app, image: app}]\n",
	}
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

// TestInterruptStopsCommand: Ctrl-C stops a command promptly, whatever it
// is doing (waiting on the network, evaluating Rego before a build), with
// the I/O exit code.
func TestInterruptStopsCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EDICT_KEY_PASSWORD", "pw")
	if _, stderr, code := runEdict(t, "", "keygen", filepath.Join(dir, "k")); code != 0 {
		t.Fatal(stderr)
	}
	tests := []struct {
		name string
		// start returns the arguments and a channel closed once edict is
		// busy.
		start func(t *testing.T) ([]string, <-chan struct{})
	}{
		{"verify waiting on a registry", func(t *testing.T) ([]string, <-chan struct{}) {
			addr, accepted := acceptingServer(t)
			return []string{"verify", "oci://" + addr + "/p:v1", "--key", filepath.Join(dir, "k.pub"), "--timeout", "10m"}, accepted
		}},
		{"build --test evaluating a slow rule", func(t *testing.T) ([]string, <-chan struct{}) {
			busy := make(chan struct{})
			time.AfterFunc(3*time.Second, func() { close(busy) })
			repo := slowRepo(t)
			return []string{"build", repo, "--test", "--case-timeout", "10m", "-o", filepath.Join(t.TempDir(), "dist")}, busy
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, busy := tt.start(t)
			cmd, stderr := edictProcess(t, args...)
			select {
			case <-busy:
			case <-time.After(time.Minute):
				t.Fatal("edict never got busy")
			}
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatal("edict still running a minute after Ctrl-C")
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != ExitIO || !strings.Contains(stderr.String(), "interrupted") {
				t.Fatalf("after Ctrl-C: %v, stderr %q; want exit %d saying interrupted", err, stderr, ExitIO)
			}
		})
	}
}

// TestSlowRuleStopsAtCaseTimeout: a rule that loops stops at --case-timeout
// in edict test and build --test, reported as an error naming the case.
func TestSlowRuleStopsAtCaseTimeout(t *testing.T) {
	repo := slowRepo(t)
	tests := []struct {
		name string
		args []string
	}{
		{"test", []string{"test", repo, "--case-timeout", "500ms"}},
		{"build --test", []string{"build", repo, "--test", "--case-timeout", "500ms", "-o", filepath.Join(t.TempDir(), "dist")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(out+stderr, "loops") || !strings.Contains(out+stderr, "--case-timeout") {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit %d naming the case and --case-timeout", code, out, stderr, ExitUsage)
			}
		})
	}
	if _, stderr, code := runEdict(t, "", "test", repo, "--case-timeout", "0s"); code != ExitUsage || !strings.Contains(stderr, "--case-timeout 0s") {
		t.Errorf("--case-timeout 0s: exit %d %s", code, stderr)
	}
}

// TestRegistryCommandLimits: limits and timeouts are flags, checked for
// sense, and hitting one is a clear failure with the promised exit code.
func TestRegistryCommandLimits(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	t.Setenv("EDICT_KEY_PASSWORD", "pw")
	if _, stderr, code := runEdict(t, "", "keygen", filepath.Join(dir, "k")); code != 0 {
		t.Fatal(stderr)
	}
	pub := filepath.Join(dir, "k.pub")
	b := testBundle(t)
	ref := "oci://" + host + "/policies/demo:1.0.0"
	if _, stderr, code := runEdict(t, "", "push", b, ref, "--sign-key", filepath.Join(dir, "k.key")); code != 0 {
		t.Fatal(stderr)
	}
	stalled, _ := acceptingServer(t)
	aFile := filepath.Join(dir, "a-file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"zero max-size", []string{"verify", ref, "--key", pub, "--max-size", "0"}, ExitUsage, "--max-size 0: must be a positive"},
		{"negative max-size", []string{"pull", ref, "-o", filepath.Join(dir, "p"), "--max-size", "-5"}, ExitUsage, "--max-size -5"},
		{"zero max-signatures", []string{"verify", ref, "--key", pub, "--max-signatures", "0"}, ExitUsage, "--max-signatures 0"},
		{"zero timeout", []string{"push", b, ref, "--timeout", "0s"}, ExitUsage, "--timeout 0s"},
		{"missing required flag", []string{"verify", ref}, ExitUsage, `required flag(s) "key"`},
		{"layer over max-size", []string{"verify", ref, "--key", pub, "--max-size", "100"}, ExitFailure, "raise it with --max-size"},
		{"byte budget", []string{"verify", ref, "--key", pub, "--max-read-bytes", "600"}, ExitFailure, "raise it with --max-read-bytes"},
		{"overall timeout", []string{"verify", "oci://" + stalled + "/p:v1", "--key", pub, "--timeout", "500ms"}, ExitIO, "raise it with --timeout"},
		{"pull into a path under a file", []string{"pull", ref, "-o", filepath.Join(aFile, "out")}, ExitIO, "not a directory"},
		{"pull over a symlink", []string{"pull", ref, "-o", link}, ExitUsage, "not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runEdict(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out+stderr, tt.want) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tt.code, out, stderr, tt.want)
			}
		})
	}
}

// TestUnsafeKeyWarnings: a signing key without a password, or readable by
// others, is used with a warning.
func TestUnsafeKeyWarnings(t *testing.T) {
	dir := t.TempDir()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.key")
	if err := os.WriteFile(plain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(plain, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDICT_KEY_PASSWORD", "pw")
	if _, stderr, code := runEdict(t, "", "keygen", filepath.Join(dir, "good")); code != 0 {
		t.Fatal(stderr)
	}
	tests := []struct {
		key  string
		want []string
	}{
		{plain, []string{"not encrypted", "can be read by other users (mode 0644)"}},
		{filepath.Join(dir, "good.key"), nil},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.key), func(t *testing.T) {
			_, stderr, code := runEdict(t, "", "sign", testBundle(t), "--key", tt.key)
			if code != ExitOK {
				t.Fatalf("sign: exit %d %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks the warning %q", stderr, w)
				}
			}
			if tt.want == nil && strings.Contains(stderr, "warning") {
				t.Errorf("unexpected warning for a safe key: %q", stderr)
			}
		})
	}
}
