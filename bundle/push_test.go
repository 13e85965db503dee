package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

func TestArtifactShape(t *testing.T) {
	art := fixtureArtifact(t)
	var m ocispec.Manifest
	if err := json.Unmarshal(art.Manifest.data, &m); err != nil {
		t.Fatal(err)
	}
	if m.MediaType != ocispec.MediaTypeImageManifest || m.Config.MediaType != "application/vnd.cncf.flux.config.v1+json" {
		t.Errorf("manifest media type %s, config %s", m.MediaType, m.Config.MediaType)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Fatalf("layers = %+v", m.Layers)
	}
	want := map[string]string{
		"org.opencontainers.image.source":      "https://github.com/contoso/policies.git",
		"org.opencontainers.image.revision":    "main@sha1:0123456789abcdef0123456789abcdef01234567",
		"org.opencontainers.image.version":     "2.3.0",
		"org.opencontainers.image.created":     "2026-11-01T12:00:00Z",
		"org.opencontainers.image.title":       "contoso-prod",
		"org.opencontainers.image.description": "Contoso production baseline",
	}
	for k, v := range want {
		if m.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], v)
		}
	}
	// Same bundle, same options: same digest.
	if again := fixtureArtifact(t); again.Descriptor().Digest != art.Descriptor().Digest {
		t.Error("artifact digest is not reproducible")
	}
}

func TestCreatedTime(t *testing.T) {
	got, err := CreatedTime("1700000000", epoch)
	if err != nil || got.Unix() != 1700000000 {
		t.Errorf("SOURCE_DATE_EPOCH: %v %v", got, err)
	}
	commit := epoch.AddDate(50, 0, 0)
	if got, _ := CreatedTime("", commit); !got.Equal(commit) {
		t.Errorf("fallback: %v", got)
	}
	if got, _ := CreatedTime("", epoch.AddDate(0, 0, 0)); !got.Equal(epoch) {
		t.Errorf("default: %v", got)
	}
	if _, err := CreatedTime("yesterday", epoch); err == nil {
		t.Error("bad SOURCE_DATE_EPOCH accepted")
	}
}

func TestNewArtifactRefusesTamperedBundle(t *testing.T) {
	dir := writeFixtureBundle(t)
	if err := os.WriteFile(filepath.Join(dir, "templates", "kustomization.yaml"), []byte("resources: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewArtifact(os.DirFS(dir), ArtifactOptions{})
	var ve *VerifyError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "tampered") {
		t.Fatalf("NewArtifact on a tampered bundle = %v", err)
	}
}

func TestPushRegistryTwice(t *testing.T) {
	reg := newTestRegistry(t, true)
	art := fixtureArtifact(t)
	loc := mustLocation(t, "oci://"+reg.host()+"/policies/contoso:2.3.0,latest")
	r := testRemote()
	ctx := ctxT(t)

	res, err := r.Push(ctx, art, loc, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != art.Descriptor().Digest.String() || res.Uploaded != 4 { // config, layer, manifest under two tags
		t.Errorf("first push: %+v", res)
	}
	reg.reset()

	res2, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reqs := reg.reset()
	if res2.Digest != res.Digest {
		t.Errorf("second push digest %s != %s", res2.Digest, res.Digest)
	}
	if res2.Uploaded != 0 || countWrites(reqs) != 0 {
		t.Errorf("second push wrote: uploaded=%d requests=%v", res2.Uploaded, reqs)
	}
	if len(reqs) != 2 { // one HEAD per tag
		t.Errorf("second push made %d requests, want 2: %v", len(reqs), reqs)
	}

	// Both tags resolve, and what comes back is what went in.
	f, err := r.Fetch(ctx, mustLocation(t, "oci://"+reg.host()+"/policies/contoso:latest"), nil, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if f.Digest != res.Digest || f.Name != "contoso-prod" || f.VerifyResult.Files != 5 {
		t.Errorf("fetched %+v", f.VerifyResult)
	}
	for p, want := range fixtureOutput().FileMap() {
		if !bytes.Equal(f.Content[p], want) {
			t.Errorf("%s differs after push and fetch", p)
		}
	}
}

func TestPushLayoutTwice(t *testing.T) {
	dir := tempLayout(t)
	r := testRemote()
	ctx := ctxT(t)
	loc := mustLocation(t, dir+":v1")
	res, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Digest != res.Digest || res2.Uploaded != 0 {
		t.Errorf("second layout push: %+v", res2)
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		t.Errorf("no oci-layout file: %v", err)
	}
	// With no tag named, the layout's only bundle tag is used.
	for _, ref := range []string{dir + ":v1", dir} {
		f, err := r.Fetch(ctx, mustLocation(t, ref), nil, DefaultLimits)
		if err != nil {
			t.Fatalf("fetch %s: %v", ref, err)
		}
		if f.Digest != res.Digest {
			t.Errorf("layout fetch digest %s", f.Digest)
		}
	}
}

func TestPushFaults(t *testing.T) {
	isBlobPut := func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
	}
	tests := []struct {
		name string
		// fault returns a handler that answers some requests itself.
		fault func() func(w http.ResponseWriter, r *http.Request) bool
		// recovers is whether the push succeeds within its retries.
		recovers bool
	}{
		{"500 once per upload then ok", func() func(http.ResponseWriter, *http.Request) bool {
			failed := map[string]bool{}
			return func(w http.ResponseWriter, r *http.Request) bool {
				if isBlobPut(r) && !failed[r.URL.Query().Get("digest")] {
					failed[r.URL.Query().Get("digest")] = true
					w.WriteHeader(http.StatusInternalServerError)
					return true
				}
				return false
			}
		}, true},
		{"429 on manifest once", func() func(http.ResponseWriter, *http.Request) bool {
			done := false
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && !done {
					done = true
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}
				return false
			}
		}, true},
		{"connection dropped mid-upload once", func() func(http.ResponseWriter, *http.Request) bool {
			done := false
			return func(w http.ResponseWriter, r *http.Request) bool {
				if isBlobPut(r) && !done {
					done = true
					dropMidBody(w, r)
					return true
				}
				return false
			}
		}, true},
		{"500 on every upload", func() func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if isBlobPut(r) {
					w.WriteHeader(http.StatusInternalServerError)
					return true
				}
				return false
			}
		}, false},
		{"connection dropped on every upload", func() func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if isBlobPut(r) {
					dropMidBody(w, r)
					return true
				}
				return false
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t, true)
			reg.setFault(tt.fault())
			r := testRemote()
			ctx := ctxT(t)
			loc := mustLocation(t, "oci://"+reg.host()+"/policies/faulty:v1")
			art := fixtureArtifact(t)
			_, err := r.Push(ctx, art, loc, PushOptions{})
			if tt.recovers && err != nil {
				t.Fatalf("push did not recover: %v", err)
			}
			if !tt.recovers {
				var re *RegistryError
				if !errors.As(err, &re) || re.Registry != reg.host() {
					t.Fatalf("push error = %v, want a RegistryError naming %s", err, reg.host())
				}
				// Nothing half-written is tagged.
				repo, _ := r.repository(loc)
				if _, err := repo.Resolve(ctx, "v1"); !errors.Is(err, errdef.ErrNotFound) {
					t.Fatalf("tag v1 exists after a failed push: %v", err)
				}
			}
			// A later push, with the registry healthy, succeeds.
			reg.setFault(nil)
			res, err := r.Push(ctx, art, loc, PushOptions{})
			if err != nil {
				t.Fatalf("push after the fault cleared: %v", err)
			}
			f, err := r.Fetch(ctx, loc, nil, DefaultLimits)
			if err != nil || f.Digest != res.Digest {
				t.Fatalf("fetch after recovery: %v", err)
			}
		})
	}
}

// dropMidBody reads part of an upload and then closes the connection
// without answering, as a crashing proxy would.
func dropMidBody(w http.ResponseWriter, r *http.Request) {
	io.CopyN(io.Discard, r.Body, 16)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("test server cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRegistryErrors(t *testing.T) {
	ctx := ctxT(t)
	art := fixtureArtifact(t)
	r := testRemote()
	r.Attempts = 2

	addr := freeClosedAddr(t)
	_, err := r.Push(ctx, art, mustLocation(t, "oci://"+addr+"/p/x:v1"), PushOptions{})
	var re *RegistryError
	if !errors.As(err, &re) || re.Registry != addr || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable registry: %v", err)
	}

	reg := newTestRegistry(t, true)
	reg.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	})
	_, err = r.Push(ctx, art, mustLocation(t, "oci://"+reg.host()+"/p/x:v1"), PushOptions{})
	if !errors.As(err, &re) || re.Registry != reg.host() || !strings.Contains(err.Error(), "docker login "+reg.host()) {
		t.Errorf("missing credentials: %v", err)
	}
	creds := credentials.NewMemoryStore()
	if err := creds.Put(ctx, reg.host(), auth.Credential{Username: "ci", Password: "wrong"}); err != nil {
		t.Fatal(err)
	}
	r.Credentials = creds
	_, err = r.Push(ctx, art, mustLocation(t, "oci://"+reg.host()+"/p/x:v1"), PushOptions{})
	if !errors.As(err, &re) || re.Registry != reg.host() || !strings.Contains(err.Error(), "credentials refused (401") {
		t.Errorf("refused credentials: %v", err)
	}
}

func TestPlainHTTPDefaults(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost:5000": true, "127.0.0.1:5000": true, "[::1]:5000": true, "127.0.0.1": true,
		"ghcr.io": false, "registry.example.com:5000": false, "10.0.0.1:5000": false,
	} {
		if got := isLocalHost(host); got != want {
			t.Errorf("isLocalHost(%s) = %v", host, got)
		}
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in       string
		registry string
		repo     string
		path     string
		tags     string
		digest   string
		bad      bool
	}{
		{in: "oci://ghcr.io/contoso/policies:v1", registry: "ghcr.io", repo: "contoso/policies", tags: "v1"},
		{in: "oci://localhost:5000/p:v1,latest", registry: "localhost:5000", repo: "p", tags: "v1,latest"},
		{in: "oci://ghcr.io/contoso/policies", registry: "ghcr.io", repo: "contoso/policies"},
		{in: "oci://ghcr.io/p:v1@sha256:" + strings.Repeat("a", 64), registry: "ghcr.io", repo: "p", tags: "v1", digest: "sha256:" + strings.Repeat("a", 64)},
		{in: "dist/oci", path: "dist/oci"},
		{in: "dist/oci:v1", path: "dist/oci", tags: "v1"},
		{in: "oci://ghcr.io", bad: true},
		{in: "oci://ghcr.io/UPPER:v1", bad: true},
		{in: "oci://ghcr.io/p:bad tag", bad: true},
		{in: "oci://ghcr.io/p@sha256:abc", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			loc, err := ParseLocation(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", loc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.Registry != tt.registry || loc.Repository != tt.repo || loc.Path != filepath.FromSlash(tt.path) ||
				strings.Join(loc.Tags, ",") != tt.tags || loc.Digest.String() != tt.digest {
				t.Errorf("got %+v", loc)
			}
		})
	}
}

var _ = content.FetchAll

// variantArtifact is the fixture with other content and the given version.
func variantArtifact(t testing.TB, version string) *Artifact {
	t.Helper()
	b := fixtureOutput()
	b.Version = version
	b.Constraints[0].Data = append(append([]byte{}, b.Constraints[0].Data...), "# changed\n"...)
	dir := filepath.Join(t.TempDir(), "contoso-prod")
	if err := Write(dir, b); err != nil {
		t.Fatal(err)
	}
	art, err := NewArtifact(os.DirFS(dir), ArtifactOptions{Created: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return art
}

// TestPushRefusesToMoveReleasedTags: a tag that names other content is not
// moved without Force (latest aside), nothing is written when refused, and a
// changed bundle that kept its version is warned about.
func TestPushRefusesToMoveReleasedTags(t *testing.T) {
	reg := newTestRegistry(t, true)
	r := testRemote()
	ctx := ctxT(t)
	ref := func(tags string) *Location { return mustLocation(t, "oci://"+reg.host()+"/policies/contoso:"+tags) }
	_, err := r.Push(ctx, fixtureArtifact(t), ref("2.3.0,latest"), PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	version := fixtureOutput().Version
	tests := []struct {
		name     string
		art      *Artifact
		tags     string
		force    bool
		refused  []string // tags named in the refusal
		moved    []string
		warnings int
	}{
		{"same content again", fixtureArtifact(t), "2.3.0,latest", false, nil, nil, 0},
		{"changed content, same version tag", variantArtifact(t, version), "2.3.0", false, []string{"2.3.0"}, nil, 0},
		{"changed content, release and latest", variantArtifact(t, version), "2.3.0,latest", false, []string{"2.3.0"}, nil, 0},
		{"latest floats, version not bumped", variantArtifact(t, version), "latest", false, nil, []string{"latest"}, 1},
		{"new version under a new tag", variantArtifact(t, "2.4.0"), "2.4.0", false, nil, nil, 0},
		{"forced, version not bumped", variantArtifact(t, version), "2.3.0", true, nil, []string{"2.3.0"}, 1},
		{"forced, version bumped", variantArtifact(t, "2.4.1"), "2.3.0", true, nil, []string{"2.3.0"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := ref(tt.tags)
			before := map[string]string{}
			for _, tag := range loc.Tags {
				if f, err := r.Fetch(ctx, ref(tag), nil, DefaultLimits); err == nil {
					before[tag] = f.Digest
				}
			}
			reg.reset()
			res, err := r.Push(ctx, tt.art, loc, PushOptions{Force: tt.force})
			reqs := reg.reset()
			if tt.refused != nil {
				var tm *TagMovedError
				if !errors.As(err, &tm) {
					t.Fatalf("push moved a released tag: %+v, %v", res, err)
				}
				var got []string
				for _, m := range tm.Tags {
					got = append(got, m.Tag)
					if m.From != before[m.Tag] || m.FromVersion != version {
						t.Errorf("refusal names %+v, the tag held %s (version %s)", m, before[m.Tag], version)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.refused, ",") || !strings.Contains(err.Error(), "--force") {
					t.Errorf("refused %v, want %v: %v", got, tt.refused, err)
				}
				if n := countWrites(reqs); n != 0 {
					t.Errorf("a refused push wrote %d times: %v", n, reqs)
				}
				for tag, d := range before {
					if f, err := r.Fetch(ctx, ref(tag), nil, DefaultLimits); err != nil || f.Digest != d {
						t.Errorf("tag %s moved from %s although refused: %v", tag, d, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var moved []string
			for _, m := range res.Moved {
				moved = append(moved, m.Tag)
			}
			if strings.Join(moved, ",") != strings.Join(tt.moved, ",") || len(res.Warnings) != tt.warnings {
				t.Errorf("moved %v with warnings %q; want %v and %d warnings", moved, res.Warnings, tt.moved, tt.warnings)
			}
			for _, w := range res.Warnings {
				if !strings.Contains(w, "spec.version did not") {
					t.Errorf("warning %q does not say what to fix", w)
				}
			}
			for _, tag := range loc.Tags {
				if f, err := r.Fetch(ctx, ref(tag), nil, DefaultLimits); err != nil || f.Digest != res.Digest {
					t.Errorf("tag %s is not at the pushed digest: %v", tag, err)
				}
			}
		})
	}

}

// TestPushLayoutRefusesToMoveTag: OCI layout folders keep the same rule.
func TestPushLayoutRefusesToMoveTag(t *testing.T) {
	dir := tempLayout(t)
	r := testRemote()
	ctx := ctxT(t)
	if _, err := r.Push(ctx, fixtureArtifact(t), mustLocation(t, dir+":v1"), PushOptions{}); err != nil {
		t.Fatal(err)
	}
	var tm *TagMovedError
	if _, err := r.Push(ctx, variantArtifact(t, "9.9.9"), mustLocation(t, dir+":v1"), PushOptions{}); !errors.As(err, &tm) {
		t.Fatalf("layout tag moved: %v", err)
	}
	if _, err := r.Push(ctx, variantArtifact(t, "9.9.9"), mustLocation(t, dir+":v1"), PushOptions{Force: true}); err != nil {
		t.Fatalf("forced: %v", err)
	}
}
