package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
)

// pushManifest stores raw manifest bytes at ref (a tag or digest) of loc.
func pushManifest(t *testing.T, ctx context.Context, r *Remote, loc *Location, m ocispec.Manifest, ref string) ocispec.Descriptor {
	t.Helper()
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	b := newBlob(ocispec.MediaTypeImageManifest, mb)
	tgt, err := r.openTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Push(ctx, b.desc, bytes.NewReader(b.data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		t.Fatal(err)
	}
	if ref != "" {
		if err := tgt.Tag(ctx, b.desc, ref); err != nil {
			t.Fatal(err)
		}
	}
	return b.desc
}

func pushBlobs(t *testing.T, ctx context.Context, r *Remote, loc *Location, blobs ...blob) {
	t.Helper()
	tgt, err := r.openTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		if err := tgt.Push(ctx, b.desc, bytes.NewReader(b.data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
			t.Fatal(err)
		}
	}
}

// fakeLayers are descriptors of blobs the registry does not need to hold:
// a limit must refuse them before any is read.
func fakeLayers(n int, size int64, mediaType string) []ocispec.Descriptor {
	out := make([]ocispec.Descriptor, n)
	for i := range out {
		out[i] = ocispec.Descriptor{MediaType: mediaType, Size: size, Digest: digest.FromString(strconv.Itoa(i)),
			Annotations: map[string]string{AnnotationCosignSignature: "c2ln"}}
	}
	return out
}

func blobGets(reqs []string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET ") && strings.Contains(r, "/blobs/sha256:") {
			n++
		}
	}
	return n
}

// TestReadLimitsHostileRegistry: a registry anyone with a push credential
// writes to must not make verify, pull or a signing push read without end.
func TestReadLimitsHostileRegistry(t *testing.T) {
	sigConfig := newBlob(ocispec.MediaTypeImageConfig, []byte("{}"))
	tests := []struct {
		name   string
		limits ReadLimits
		// plant prepares the hostile repository around the pushed artifact.
		plant func(t *testing.T, ctx context.Context, reg *testRegistry, r *Remote, loc *Location, art ocispec.Descriptor)
		// push also runs a signing push into the repository.
		push      bool
		wantLimit string
		maxBlobs  int // blob GETs allowed before the refusal
	}{
		{
			name: "signature manifest listing 2000 layers of 4 MiB", push: true, wantLimit: "64 signatures",
			plant: func(t *testing.T, ctx context.Context, _ *testRegistry, r *Remote, loc *Location, art ocispec.Descriptor) {
				pushBlobs(t, ctx, r, loc, sigConfig)
				pushManifest(t, ctx, r, loc, ocispec.Manifest{Versioned: specsVersioned, MediaType: ocispec.MediaTypeImageManifest,
					Config: sigConfig.desc, Layers: fakeLayers(2000, 4<<20, MediaTypeSimpleSigning)}, LegacySignatureTag(art.Digest))
			},
		},
		{
			name: "signature layers over the byte budget", limits: ReadLimits{Bytes: 10 << 20}, wantLimit: "10485760 bytes per operation", maxBlobs: 2,
			plant: func(t *testing.T, ctx context.Context, _ *testRegistry, r *Remote, loc *Location, art ocispec.Descriptor) {
				var layers []ocispec.Descriptor
				for i := range 3 {
					b := newBlob(MediaTypeSimpleSigning, bytes.Repeat([]byte{byte('a' + i)}, 4<<20))
					b.desc.Annotations = map[string]string{AnnotationCosignSignature: "c2ln"}
					pushBlobs(t, ctx, r, loc, b)
					layers = append(layers, b.desc)
				}
				pushBlobs(t, ctx, r, loc, sigConfig)
				pushManifest(t, ctx, r, loc, ocispec.Manifest{Versioned: specsVersioned, MediaType: ocispec.MediaTypeImageManifest,
					Config: sigConfig.desc, Layers: layers}, LegacySignatureTag(art.Digest))
			},
		},
		{
			name: "referrers list that pages forever", push: true, wantLimit: "32 pages",
			plant: func(t *testing.T, _ context.Context, reg *testRegistry, _ *Remote, _ *Location, _ ocispec.Descriptor) {
				var served atomic.Int64
				reg.setFault(func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/referrers/") {
						return false
					}
					n := served.Add(1)
					if n > 1000 {
						// Keep a broken client from running forever.
						http.Error(w, "enough", http.StatusGone)
						return true
					}
					w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
					w.Header().Set("Link", fmt.Sprintf(`<%s?n=1&last=%d>; rel="next"`, r.URL.Path, n))
					json.NewEncoder(w).Encode(ocispec.Index{Versioned: specsVersioned, MediaType: ocispec.MediaTypeImageIndex,
						Manifests: []ocispec.Descriptor{}})
					return true
				})
			},
		},
		{
			name: "referrers listing thousands of signature manifests", wantLimit: "64 signatures",
			plant: func(t *testing.T, _ context.Context, reg *testRegistry, _ *Remote, _ *Location, _ ocispec.Descriptor) {
				reg.setFault(func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/referrers/") {
						return false
					}
					w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
					json.NewEncoder(w).Encode(ocispec.Index{Versioned: specsVersioned, MediaType: ocispec.MediaTypeImageIndex,
						Manifests: fakeLayers(5000, 1000, ocispec.MediaTypeImageManifest)})
					return true
				})
			},
		},
		{
			name: "more referrer manifests than the manifest limit", limits: ReadLimits{Manifests: 4}, wantLimit: "4 manifests", maxBlobs: 3,
			plant: func(t *testing.T, ctx context.Context, _ *testRegistry, r *Remote, loc *Location, art ocispec.Descriptor) {
				pushBlobs(t, ctx, r, loc, newBlob(ocispec.MediaTypeEmptyJSON, ocispec.DescriptorEmptyJSON.Data))
				for i := range 6 {
					layer := newBlob(MediaTypeSigstoreBundle, []byte(fmt.Sprintf(`{"n":%d}`, i)))
					pushBlobs(t, ctx, r, loc, layer)
					pushManifest(t, ctx, r, loc, ocispec.Manifest{Versioned: specsVersioned, MediaType: ocispec.MediaTypeImageManifest,
						ArtifactType: MediaTypeSigstoreBundle, Config: ocispec.DescriptorEmptyJSON, Layers: []ocispec.Descriptor{layer.desc},
						Subject: &ocispec.Descriptor{MediaType: art.MediaType, Digest: art.Digest, Size: art.Size}}, "")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t, true)
			r := testRemote()
			r.Limits = tt.limits
			ctx := ctxT(t)
			loc := mustLocation(t, "oci://"+reg.host()+"/policies/hostile:v1")
			art := fixtureArtifact(t)
			if _, err := r.Push(ctx, art, loc, PushOptions{}); err != nil {
				t.Fatal(err)
			}
			tt.plant(t, ctx, reg, r, loc, art.Descriptor())
			sv, v := testKeys(t)
			reg.reset()
			_, err := r.Fetch(ctx, loc, v, DefaultLimits)
			var le *LimitError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.wantLimit) {
				t.Fatalf("verify = %v, want a LimitError naming %q", err, tt.wantLimit)
			}
			if le.Flag == "" || !strings.Contains(err.Error(), "raise it with "+le.Flag) {
				t.Errorf("error %q does not name the flag that raises the limit", err)
			}
			if n := blobGets(reg.reset()); n > tt.maxBlobs {
				t.Errorf("verify read %d blobs before refusing, want at most %d", n, tt.maxBlobs)
			}
			if tt.push {
				_, err := r.Push(ctx, art, loc, PushOptions{Signer: sv, Format: FormatBoth})
				if !errors.As(err, &le) {
					t.Fatalf("signing push = %v, want a LimitError", err)
				}
			}
		})
	}
}

// TestFetchRefusesOtherShapes: verify reports anything but edict's artifact
// shape, and content that differs from its descriptor is a failed
// verification, not a registry failure.
func TestFetchRefusesOtherShapes(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *ocispec.Manifest, extra blob)
		want   string
	}{
		{"extra layer", func(m *ocispec.Manifest, extra blob) { m.Layers = append(m.Layers, extra.desc) }, "exactly one layer"},
		{"extra layer of the bundle type", func(m *ocispec.Manifest, extra blob) {
			d := extra.desc
			d.MediaType = MediaTypeLayer
			m.Layers = append([]ocispec.Descriptor{d}, m.Layers...)
		}, "exactly one layer"},
		{"other config type", func(m *ocispec.Manifest, extra blob) { m.Config.MediaType = ocispec.MediaTypeImageConfig }, "config media type"},
		{"layer size larger than the blob", func(m *ocispec.Manifest, extra blob) { m.Layers[0].Size += 10 }, "does not match its descriptor"},
		{"layer size smaller than the blob", func(m *ocispec.Manifest, extra blob) { m.Layers[0].Size -= 10 }, "does not match its descriptor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t, true)
			r := testRemote()
			ctx := ctxT(t)
			loc := mustLocation(t, "oci://"+reg.host()+"/policies/shape:v1")
			art := fixtureArtifact(t)
			if _, err := r.Push(ctx, art, loc, PushOptions{}); err != nil {
				t.Fatal(err)
			}
			extra := newBlob("application/x-extra", []byte("extra"))
			pushBlobs(t, ctx, r, loc, extra)
			var m ocispec.Manifest
			if err := json.Unmarshal(art.Manifest.data, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(&m, extra)
			pushManifest(t, ctx, r, loc, m, "v2")
			_, err := r.Fetch(ctx, mustLocation(t, "oci://"+reg.host()+"/policies/shape:v2"), nil, DefaultLimits)
			if !IsVerifyError(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Fetch = %v, want a VerifyError with %q", err, tt.want)
			}
		})
	}
}

// TestPushSignsBeforeTagging: a signing push that cannot write its signature
// leaves the release tag where it was, never on an unsigned artifact.
func TestPushSignsBeforeTagging(t *testing.T) {
	for _, format := range []SignatureFormat{FormatLegacy, FormatBundle} {
		t.Run(string(format), func(t *testing.T) {
			reg := newTestRegistry(t, false)
			r := testRemote()
			ctx := ctxT(t)
			loc := mustLocation(t, "oci://"+reg.host()+"/policies/signed:v1")
			sv, _ := testKeys(t)
			reg.setFault(func(w http.ResponseWriter, req *http.Request) bool {
				if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/manifests/sha256-") {
					http.Error(w, `{"errors":[{"code":"DENIED","message":"signatures are read-only"}]}`, http.StatusForbidden)
					return true
				}
				return false
			})
			_, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{Signer: sv, Format: format})
			if err == nil {
				t.Fatal("push succeeded although its signature was refused")
			}
			repo, _ := r.repository(loc)
			if d, err := repo.Resolve(ctx, "v1"); !errors.Is(err, errdef.ErrNotFound) {
				t.Fatalf("tag v1 points at %s, an unsigned artifact (err %v)", d.Digest, err)
			}
			// Healthy again: the tag is written after the signature.
			reg.setFault(nil)
			reg.reset()
			if _, err := r.Push(ctx, fixtureArtifact(t), loc, PushOptions{Signer: sv, Format: format}); err != nil {
				t.Fatal(err)
			}
			reqs := reg.reset()
			sigAt, tagAt := -1, -1
			for i, q := range reqs {
				switch {
				case strings.HasPrefix(q, "PUT ") && strings.Contains(q, "/manifests/sha256-"):
					sigAt = i
				case q == "PUT /v2/policies/signed/manifests/v1":
					tagAt = i
				}
			}
			if sigAt < 0 || tagAt < 0 || tagAt < sigAt {
				t.Fatalf("signature written at request %d, tag at %d; want the signature first:\n%s", sigAt, tagAt, strings.Join(reqs, "\n"))
			}
		})
	}
}

// stallingServer accepts connections and never answers.
func stallingServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(done)
				return
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
	return l.Addr().String()
}

// TestRegistryTimeouts: a registry that accepts the connection and never
// answers, or stops in the middle of an answer, is reported as timed out
// instead of being waited on for ever.
func TestRegistryTimeouts(t *testing.T) {
	quick := Timeouts{Connect: time.Second, TLS: time.Second, ResponseHeader: 300 * time.Millisecond, Idle: 300 * time.Millisecond}
	t.Run("never answers", func(t *testing.T) {
		addr := stallingServer(t)
		r := &Remote{Attempts: 1, RequestRetry: noRequestRetry{}, Timeouts: quick}
		_, err := r.Fetch(ctxT(t), mustLocation(t, "oci://"+addr+"/p/x:v1"), nil, DefaultLimits)
		var re *RegistryError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("Fetch = %v, want a RegistryError saying it timed out", err)
		}
	})
	t.Run("stops mid-body", func(t *testing.T) {
		reg := newTestRegistry(t, true)
		loc := mustLocation(t, "oci://"+reg.host()+"/p/x:v1")
		art := fixtureArtifact(t)
		if _, err := testRemote().Push(ctxT(t), art, loc, PushOptions{}); err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		reg.setFault(func(w http.ResponseWriter, req *http.Request) bool {
			if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/") {
				w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
				w.Header().Set("Content-Length", strconv.Itoa(len(art.Manifest.data)))
				w.WriteHeader(http.StatusOK)
				w.Write([]byte(`{"schemaVersion":`))
				w.(http.Flusher).Flush()
				select {
				case <-req.Context().Done():
				case <-release:
				}
				return true
			}
			return false
		})
		r := &Remote{Attempts: 1, RequestRetry: noRequestRetry{}, Timeouts: quick}
		_, err := r.Fetch(ctxT(t), loc, nil, DefaultLimits)
		if err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("Fetch = %v, want a timeout", err)
		}
	})
	t.Run("overall deadline", func(t *testing.T) {
		addr := stallingServer(t)
		r := &Remote{Attempts: 1, RequestRetry: noRequestRetry{}}
		ctx, cancel := context.WithTimeout(ctxT(t), 300*time.Millisecond)
		defer cancel()
		_, err := r.Fetch(ctx, mustLocation(t, "oci://"+addr+"/p/x:v1"), nil, DefaultLimits)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "--timeout") {
			t.Fatalf("Fetch = %v, want the operation deadline named", err)
		}
	})
}

// TestPushRetriesEachRequest: one dropped connection on any request of a
// push is absorbed by the per-request retries alone.
func TestPushRetriesEachRequest(t *testing.T) {
	for _, where := range []string{"POST /blobs/uploads/", "PUT /blobs/uploads/", "PUT /manifests/", "HEAD /manifests/", "HEAD /manifests/sha256-"} {
		t.Run(where, func(t *testing.T) {
			reg := newTestRegistry(t, true)
			method, frag, _ := strings.Cut(where, " ")
			var dropped atomic.Bool
			reg.setFault(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == method && strings.Contains(r.URL.Path, frag) && dropped.CompareAndSwap(false, true) {
					dropMidBody(w, r)
					return true
				}
				return false
			})
			// No whole-operation retries: only the request is tried again.
			r := &Remote{Attempts: 1}
			sv, v := testKeys(t)
			loc := mustLocation(t, "oci://"+reg.host()+"/p/x:v1")
			if _, err := r.Push(ctxT(t), fixtureArtifact(t), loc, PushOptions{Signer: sv}); err != nil {
				t.Fatalf("push failed on one dropped connection: %v", err)
			}
			if !dropped.Load() {
				t.Fatalf("no %s request was made", where)
			}
			if _, err := r.Fetch(ctxT(t), loc, v, DefaultLimits); err != nil {
				t.Fatal(err)
			}
		})
	}
}
