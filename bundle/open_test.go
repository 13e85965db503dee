package bundle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpen reads the same bundle from every place one can live and checks
// the model that comes back: roles from the objects, constraints tied to
// their references through bundle.json.
func TestOpen(t *testing.T) {
	ctx := ctxT(t)
	sv, v := testKeys(t)
	folder := filepath.Join(t.TempDir(), "contoso-prod")
	if err := Write(folder, fixtureOutput(), WithSigner(sv)); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "bundle.tar.gz")
	var buf bytes.Buffer
	if err := Archive(&buf, os.DirFS(folder)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	art, err := NewArtifact(os.DirFS(folder), ArtifactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	layout := tempLayout(t)
	reg := newTestRegistry(t, true)
	remote := "oci://" + reg.host() + "/policies/contoso:2.3.0"
	for _, dest := range []string{layout + ":2.3.0", remote} {
		if _, err := testRemote().Push(ctx, art, mustLocation(t, dest), PushOptions{Signer: sv}); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name, ref string
		key       bool
	}{
		{"folder", folder, false},
		{"signed folder", folder, true},
		{"archive", archive, false},
		{"signed archive", archive, true},
		{"layout", layout, false},
		{"layout tag", layout + ":2.3.0", true},
		{"registry", remote, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := OpenOptions{Remote: *testRemote()}
			if tc.key {
				opts.Key = v
			}
			b, err := Open(ctx, tc.ref, opts)
			if err != nil {
				t.Fatal(err)
			}
			if b.Name != "contoso-prod" || b.Version != "2.3.0" {
				t.Errorf("name/version = %s %s", b.Name, b.Version)
			}
			if len(b.Templates) != 1 || len(b.Constraints) != 1 || len(b.Kustomizations) != 3 || len(b.Expansions) != 0 {
				t.Fatalf("roles: %d templates, %d constraints, %d kustomizations, %d expansions",
					len(b.Templates), len(b.Constraints), len(b.Kustomizations), len(b.Expansions))
			}
			c := b.Constraints[0]
			if c.Ref != "privileged" || c.Policy != "privileged-containers" || c.Name() != "contoso-prod-privileged" {
				t.Errorf("constraint = %s ref %s policy %s", c.Name(), c.Ref, c.Policy)
			}
			ref, ok := b.Lookup("K8sEdictPrivileged", "contoso-prod-privileged")
			if !ok || ref.Ref != "privileged" || ref.EnforcementAction != "deny" {
				t.Errorf("Lookup = %+v, %v", ref, ok)
			}
			want := fixtureOutput().FileMap()
			got := b.FileMap()
			for p, data := range want {
				if !bytes.Equal(got[p], data) {
					t.Errorf("%s differs from what was written", p)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d files, want %d", len(got), len(want))
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := ctxT(t)
	sv, _ := testKeys(t)
	_, otherKey := testKeys(t)
	unsigned := filepath.Join(t.TempDir(), "unsigned")
	if err := Write(unsigned, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(t.TempDir(), "signed")
	if err := Write(signed, fixtureOutput(), WithSigner(sv)); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(t.TempDir(), "tampered")
	if err := Write(tampered, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tampered, "kustomization.yaml"), []byte("resources: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(t.TempDir(), "linked")
	if err := Write(linked, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(linked, "templates", "passwd.yaml")); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()

	var invalid *InvalidError
	var verr *VerifyError
	for _, tc := range []struct {
		name string
		ref  string
		key  bool
		lim  Limits
		want any
	}{
		{"missing", filepath.Join(empty, "nothing"), false, Limits{}, &invalid},
		{"not a bundle", empty, false, Limits{}, &invalid},
		{"unsigned with key", unsigned, true, Limits{}, &verr},
		{"wrong key", signed, true, Limits{}, &verr},
		{"tampered", tampered, false, Limits{}, &verr},
		{"link", linked, false, Limits{}, &invalid},
		{"too large", unsigned, false, Limits{MaxBytes: 200}, &invalid},
		{"too many files", unsigned, false, Limits{MaxFiles: 3}, &invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := OpenOptions{Limits: tc.lim}
			if tc.key {
				opts.Key = otherKey
			}
			b, err := Open(ctx, tc.ref, opts)
			if err == nil {
				t.Fatalf("opened %s: %+v", tc.ref, b)
			}
			if !errors.As(err, tc.want) {
				t.Errorf("error %T (%v), want %T", err, err, tc.want)
			}
		})
	}
}
