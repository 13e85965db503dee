package bundle

import (
	"context"
	"crypto/elliptic"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// testRegistry is the in-process go-containerregistry registry behind a
// handler that counts requests and can inject faults.
type testRegistry struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "METHOD path"
	// fault, when set, may answer a request itself (return true).
	fault atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
}

func newTestRegistry(t testing.TB, referrers bool) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	inner := registry.New(registry.WithReferrersSupport(referrers), registry.Logger(log.New(io.Discard, "", 0)))
	tr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.requests = append(tr.requests, r.Method+" "+r.URL.Path)
		tr.mu.Unlock()
		if f := tr.fault.Load(); f != nil && (*f)(w, r) {
			return
		}
		if !referrers && strings.Contains(r.URL.Path, "/referrers/") {
			// Like distribution 2.8 and 3.x: no referrers API at all.
			http.NotFound(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(tr.Close)
	return tr
}

func (tr *testRegistry) host() string { return strings.TrimPrefix(tr.URL, "http://") }

func (tr *testRegistry) setFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	if f == nil {
		tr.fault.Store(nil)
		return
	}
	tr.fault.Store(&f)
}

// reset returns the requests seen so far and forgets them.
func (tr *testRegistry) reset() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	r := tr.requests
	tr.requests = nil
	return r
}

func countWrites(reqs []string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "PUT ") || strings.HasPrefix(r, "POST ") || strings.HasPrefix(r, "PATCH ") {
			n++
		}
	}
	return n
}

// testRemote retries fast so fault tests stay quick.
func testRemote() *Remote {
	return &Remote{Backoff: 10 * time.Millisecond, Attempts: 4, RequestRetry: noRequestRetry{}}
}

type noRequestRetry struct{}

func (noRequestRetry) Retry(int, *http.Response, error) (time.Duration, error) { return -1, nil }

func mustLocation(t testing.TB, s string) *Location {
	t.Helper()
	loc, err := ParseLocation(s)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func fixtureArtifact(t testing.TB) *Artifact {
	t.Helper()
	dir := writeFixtureBundle(t)
	art, err := NewArtifact(os.DirFS(dir), ArtifactOptions{
		Source:   "https://github.com/contoso/policies.git",
		Revision: "main@sha1:0123456789abcdef0123456789abcdef01234567",
		Created:  time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return art
}

func testKeys(t testing.TB) (signature.SignerVerifier, signature.Verifier) {
	t.Helper()
	privPEM, _, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := ParsePrivateKey(privPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sv, sv
}

func freeClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func tempLayout(t testing.TB) string { return filepath.Join(t.TempDir(), "layout") }
