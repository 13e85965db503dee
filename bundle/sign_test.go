package bundle

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/signature"
	"oras.land/oras-go/v2/content"
)

func TestKeyFiles(t *testing.T) {
	priv, pub, err := GenerateKeyPair([]byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(priv)
	if block == nil || block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
		t.Fatalf("private key PEM type = %v", block)
	}
	var enc struct {
		KDF struct {
			Name   string
			Params struct{ N, R, P int }
		}
		Cipher struct{ Name string }
	}
	if err := json.Unmarshal(block.Bytes, &enc); err != nil {
		t.Fatalf("encrypted key body is not cosign's JSON: %v", err)
	}
	if enc.KDF.Name != "scrypt" || enc.KDF.Params.N != 65536 || enc.Cipher.Name != "nacl/secretbox" {
		t.Errorf("encryption = %+v", enc)
	}
	if pb, _ := pem.Decode(pub); pb == nil || pb.Type != "PUBLIC KEY" {
		t.Fatalf("public key PEM = %s", pub)
	}

	pass := func(pw string) PassFunc { return func(bool) ([]byte, error) { return []byte(pw), nil } }
	sv, err := ParsePrivateKey(priv, pass("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePrivateKey(priv, pass("wrong")); err == nil || !strings.Contains(err.Error(), "wrong password") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := ParsePrivateKey(priv, nil); err == nil {
		t.Error("encrypted key opened without a password")
	}
	v, err := ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := SignBlob(sv, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyBlob(v, []byte("hello"), sig); err != nil {
		t.Errorf("blob signature does not verify with the generated public key: %v", err)
	}

	// A plain PKCS#8 key works without a password.
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	plain := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if _, err := ParsePrivateKey(plain, nil); err != nil {
		t.Errorf("plain PKCS#8: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("not a key"), nil); err == nil {
		t.Error("garbage accepted as a key")
	}
}

func TestSignFolder(t *testing.T) {
	sv, v := testKeys(t)
	_, other := testKeys(t)
	dir := writeFixtureBundle(t)
	if _, err := VerifyFolder(dir, v); err == nil || !strings.Contains(err.Error(), "unsigned") {
		t.Errorf("unsigned folder: %v", err)
	}
	if added, err := SignFolder(dir, sv); err != nil || !added {
		t.Fatal(added, err)
	}
	res, err := VerifyFolder(dir, v)
	if err != nil || !res.Signed || res.Files != 5 {
		t.Fatalf("signed folder: %+v %v", res, err)
	}
	if _, err := VerifyFolder(dir, other); err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Errorf("wrong key: %v", err)
	}
	// Tampering with a file breaks the folder even though bundle.sig is intact.
	if err := os.WriteFile(filepath.Join(dir, "constraints", "k8sedictprivileged.privileged.yaml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFolder(dir, v); !IsVerifyError(err) || !strings.Contains(err.Error(), "tampered") {
		t.Errorf("tampered file: %v", err)
	}

	// Write can sign in the same atomic step.
	dir2 := filepath.Join(t.TempDir(), "signed")
	if err := Write(dir2, fixtureOutput(), WithSigner(sv)); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFolder(dir2, v); err != nil {
		t.Errorf("Write WithSigner: %v", err)
	}
}

// TestSignFolderKeepsOtherKeys: signing with key B keeps key A's signature,
// signing again with A adds nothing, and either key verifies the folder.
func TestSignFolderKeepsOtherKeys(t *testing.T) {
	svA, vA := testKeys(t)
	svB, vB := testKeys(t)
	_, vC := testKeys(t)
	dir := writeFixtureBundle(t)
	sigPath := filepath.Join(dir, SignatureFile)
	for _, step := range []struct {
		name  string
		key   signature.SignerVerifier
		added bool
		lines int
	}{
		{"first key", svA, true, 1},
		{"second key", svB, true, 2},
		{"first key again", svA, false, 2},
		{"second key again", svB, false, 2},
	} {
		added, err := SignFolder(dir, step.key)
		if err != nil || added != step.added {
			t.Fatalf("%s: added %v, %v; want added %v", step.name, added, err, step.added)
		}
		raw, err := os.ReadFile(sigPath)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(strings.Split(string(raw), "\n")); got != step.lines {
			t.Fatalf("%s: %s has %d lines, want %d:\n%s", step.name, SignatureFile, got, step.lines, raw)
		}
		if step.lines == 1 && strings.ContainsAny(string(raw), "\n ") {
			t.Errorf("one signature is not exactly what cosign sign-blob writes: %q", raw)
		}
	}
	for name, v := range map[string]signature.Verifier{"A": vA, "B": vB} {
		if res, err := VerifyFolder(dir, v); err != nil || !res.Signed {
			t.Errorf("key %s: %+v %v", name, res, err)
		}
	}
	if _, err := VerifyFolder(dir, vC); !IsVerifyError(err) || !strings.Contains(err.Error(), "none of the 2 signatures") {
		t.Errorf("third key: %v", err)
	}
}

func TestSignAndVerifyArtifact(t *testing.T) {
	type dest struct {
		name string
		loc  func(t *testing.T) (string, *testRegistry)
	}
	dests := []dest{
		{"registry with referrers API", func(t *testing.T) (string, *testRegistry) {
			reg := newTestRegistry(t, true)
			return "oci://" + reg.host() + "/policies/signed", reg
		}},
		{"registry without referrers API", func(t *testing.T) (string, *testRegistry) {
			reg := newTestRegistry(t, false)
			return "oci://" + reg.host() + "/policies/signed", reg
		}},
		{"OCI layout", func(t *testing.T) (string, *testRegistry) { return tempLayout(t), nil }},
	}
	for _, d := range dests {
		for _, format := range []SignatureFormat{FormatLegacy, FormatBundle, FormatBoth} {
			t.Run(d.name+"/"+string(format), func(t *testing.T) {
				base, reg := d.loc(t)
				sv, v := testKeys(t)
				_, wrong := testKeys(t)
				r := testRemote()
				ctx := ctxT(t)
				loc := mustLocation(t, base+":v1")
				res, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{Signer: sv, Format: format})
				if err != nil {
					t.Fatal(err)
				}
				wantSigs := map[SignatureFormat]int{FormatLegacy: 1, FormatBundle: 1, FormatBoth: 2}[format]
				if len(res.Signatures) != wantSigs {
					t.Fatalf("signatures = %+v", res.Signatures)
				}

				f, err := r.Fetch(ctx, loc, v, DefaultLimits)
				if err != nil {
					t.Fatalf("verify with the right key: %v", err)
				}
				if !f.Signed || len(f.Signatures) != wantSigs {
					t.Errorf("verified signatures = %+v", f.Signatures)
				}
				if _, err := r.Fetch(ctx, loc, wrong, DefaultLimits); !IsVerifyError(err) || !strings.Contains(err.Error(), "wrong key") {
					t.Errorf("verify with the wrong key: %v", err)
				}

				if reg != nil && format.bundle() {
					// Without the referrers API the bundle is found through
					// the sha256-<hex> fallback tag.
					repo, _ := r.repository(loc)
					tag := strings.Replace(res.Digest, ":", "-", 1)
					_, err := repo.Resolve(ctx, tag)
					if hasAPI := strings.Contains(d.name, "with referrers"); hasAPI == (err == nil) {
						t.Errorf("fallback tag %s: resolve error %v with referrers API %v", tag, err, hasAPI)
					}
				}

				// Pushing again signs nothing new: the existing signature is
				// recognised, so no blob or manifest is written.
				if reg != nil {
					reg.reset()
				}
				res2, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{Signer: sv, Format: format})
				if err != nil {
					t.Fatal(err)
				}
				if res2.Uploaded != 0 || res2.Digest != res.Digest {
					t.Errorf("second signed push uploaded %d (digest %s vs %s)", res2.Uploaded, res2.Digest, res.Digest)
				}
				for _, s := range res2.Signatures {
					if !s.Existing {
						t.Errorf("second push re-signed: %+v", s)
					}
				}
				if reg != nil {
					if w := countWrites(reg.reset()); w != 0 {
						t.Errorf("second signed push made %d write requests", w)
					}
				}

				// A second key adds a signature beside the first; both verify.
				sv2, v2 := testKeys(t)
				if _, err := r.Sign(ctx, loc, sv2, format, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := r.Fetch(ctx, loc, v, DefaultLimits); err != nil {
					t.Errorf("first key after a second signature: %v", err)
				}
				if _, err := r.Fetch(ctx, loc, v2, DefaultLimits); err != nil {
					t.Errorf("second key: %v", err)
				}
			})
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	reg := newTestRegistry(t, false)
	r := testRemote()
	ctx := ctxT(t)
	sv, v := testKeys(t)
	base := "oci://" + reg.host() + "/policies/moving"

	signed, err := r.Push(ctx, fixtureArtifact(t), mustLocation(t, base+":v1"), PushOptions{Signer: sv})
	if err != nil {
		t.Fatal(err)
	}
	// Someone pushes a different, unsigned bundle over the same tag.
	changed := fixtureOutput()
	setFile(changed, "constraints/kustomization.yaml", []byte("resources: []\n"))
	dir := filepath.Join(t.TempDir(), "changed")
	if err := Write(dir, changed); err != nil {
		t.Fatal(err)
	}
	other, err := NewArtifact(os.DirFS(dir), ArtifactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := r.Push(ctx, other, mustLocation(t, base+":v1"), PushOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		ref  string
		want string
	}{
		{"unsigned", base + ":v1", "unsigned"},
		{"tag moved", base + ":v1@" + signed.Digest, "tag moved"},
		{"still signed by digest", base + "@" + signed.Digest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Fetch(ctx, mustLocation(t, tt.ref), v, DefaultLimits)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !IsVerifyError(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Fetch(%s) = %v, want %q", tt.ref, err, tt.want)
			}
		})
	}

	// A signature copied from another digest does not count.
	repo, _ := r.repository(mustLocation(t, base))
	sigDesc, err := repo.Resolve(ctx, LegacySignatureTag(mustDigest(t, signed.Digest)))
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Tag(ctx, sigDesc, LegacySignatureTag(mustDigest(t, moved.Digest))); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Fetch(ctx, mustLocation(t, base+":v1"), v, DefaultLimits); !IsVerifyError(err) || !strings.Contains(err.Error(), "signature is for "+signed.Digest) {
		t.Fatalf("copied signature: %v", err)
	}
}

func TestPullRejectsCraftedArtifacts(t *testing.T) {
	tests := []struct {
		name    string
		archive func(t *testing.T) []byte
		limits  Limits
		want    string
	}{
		{"dot-dot entry", func(t *testing.T) []byte {
			return craft(t, rawEntry{name: "bundle.json", typeflag: '0', body: "{}"}, rawEntry{name: "../../escape.yaml", typeflag: '0', body: "x"})
		}, DefaultLimits, "leaves the bundle folder"},
		{"over the size limit", func(t *testing.T) []byte {
			return craft(t, rawEntry{name: "big.yaml", typeflag: '0', body: strings.Repeat("x", 4096)})
		}, Limits{MaxBytes: 1024}, "size limit"},
		{"symlink", func(t *testing.T) []byte {
			return craft(t, rawEntry{name: "kustomization.yaml", typeflag: '2', linkname: "/etc/shadow"})
		}, DefaultLimits, "is a link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t, true)
			r := testRemote()
			ctx := ctxT(t)
			loc := mustLocation(t, "oci://"+reg.host()+"/policies/evil:v1")
			pushRawLayer(t, ctx, r, loc, tt.archive(t))
			out := filepath.Join(t.TempDir(), "out")
			_, err := r.Pull(ctx, loc, out, nil, tt.limits)
			if !IsVerifyError(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Pull = %v, want %q", err, tt.want)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("failed pull created %s", out)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(out), "..", "escape.yaml")); err == nil {
				t.Error("archive entry escaped the output folder")
			}
		})
	}
}

// pushRawLayer publishes an arbitrary layer in the artifact's shape.
func pushRawLayer(t *testing.T, ctx context.Context, r *Remote, loc *Location, layer []byte) {
	t.Helper()
	cfg := newBlob(MediaTypeFluxConfig, fluxConfig)
	l := newBlob(MediaTypeLayer, layer)
	m := ocispec.Manifest{Versioned: specsVersioned, MediaType: ocispec.MediaTypeImageManifest, Config: cfg.desc, Layers: []ocispec.Descriptor{l.desc}}
	mb, _ := json.Marshal(m)
	tgt, err := r.openTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	var st pushStats
	if err := publish(ctx, tgt, []blob{cfg, l}, newBlob(ocispec.MediaTypeImageManifest, mb), loc.Tags, &st, func(string) {}); err != nil {
		t.Fatal(err)
	}
}

func mustDigest(t *testing.T, s string) digest.Digest {
	t.Helper()
	d, err := digest.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPullWritesBundle(t *testing.T) {
	reg := newTestRegistry(t, true)
	r := testRemote()
	ctx := ctxT(t)
	sv, v := testKeys(t)
	loc := mustLocation(t, "oci://"+reg.host()+"/policies/contoso:v1")
	if _, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{Signer: sv}); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "pulled")
	if _, err := r.Pull(ctx, loc, out, v, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFolder(out, nil); err != nil {
		t.Errorf("pulled folder does not match its index: %v", err)
	}
	// Pulling over an earlier bundle replaces it; over an unrelated folder is refused.
	if _, err := r.Pull(ctx, loc, out, v, DefaultLimits); err != nil {
		t.Errorf("pull over an earlier bundle: %v", err)
	}
	busy := filepath.Join(parent, "busy")
	os.MkdirAll(busy, 0o755)
	os.WriteFile(filepath.Join(busy, "notes.txt"), []byte("mine"), 0o644)
	if _, err := r.Pull(ctx, loc, busy, v, DefaultLimits); err == nil {
		t.Error("pull replaced a folder that is not a bundle")
	}
	if b, _ := os.ReadFile(filepath.Join(busy, "notes.txt")); string(b) != "mine" {
		t.Error("unrelated folder was modified")
	}
	// An unsigned artifact is refused when a key is given, and nothing is written.
	if _, err := r.Push(ctx, fixtureArtifact(t), mustLocation(t, "oci://"+reg.host()+"/policies/unsigned:v1"), PushOptions{}); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(parent, "unsigned")
	if _, err := r.Pull(ctx, mustLocation(t, "oci://"+reg.host()+"/policies/unsigned:v1"), out2, v, DefaultLimits); !IsVerifyError(err) {
		t.Errorf("unsigned pull with a key: %v", err)
	}
	if _, err := os.Stat(out2); !errors.Is(err, os.ErrNotExist) {
		t.Error("refused pull wrote files")
	}
}

var _ = content.FetchAll
