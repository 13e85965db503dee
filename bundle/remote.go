package bundle

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Remote holds how to reach registries: credentials, TLS, plain HTTP and
// retries. The zero value uses the Docker config and its credential helpers,
// the system CAs, HTTPS except for localhost, and the default retries.
type Remote struct {
	// PlainHTTP talks HTTP to every registry; localhost, 127.0.0.1 and ::1
	// always use HTTP.
	PlainHTTP bool
	// CAFile adds PEM CA certificates to the system pool.
	CAFile string
	// Credentials overrides the Docker config credential store.
	Credentials credentials.Store
	// Transport is the base HTTP transport (tests put fault injectors here).
	Transport http.RoundTripper
	// Attempts is how often a whole operation is tried on transient errors
	// (5xx, 429, dropped connections); 0 means 4.
	Attempts int
	// Backoff is the first wait between operation attempts, doubled each
	// time; 0 means 500ms.
	Backoff time.Duration
	// RequestRetry is the per-request retry policy; nil means a few quick
	// retries of requests whose body can be replayed.
	RequestRetry retry.Policy
	// UserAgent is sent with every request.
	UserAgent string
	// Limits bound what one operation reads; zero fields take
	// DefaultReadLimits.
	Limits ReadLimits
	// Timeouts bound each network wait; zero fields take DefaultTimeouts.
	Timeouts Timeouts
}

// Timeouts bound how long edict waits on a registry for each request. The
// whole operation is bounded by the caller's context (edict's --timeout).
type Timeouts struct {
	// Connect bounds establishing the TCP connection.
	Connect time.Duration
	// TLS bounds the TLS handshake.
	TLS time.Duration
	// ResponseHeader bounds the wait for a response once the request is sent.
	ResponseHeader time.Duration
	// Idle bounds a pause in the middle of reading a response body.
	Idle time.Duration
}

// DefaultTimeouts suit registries across the internet; a registry that is
// this slow is better reported than waited for.
var DefaultTimeouts = Timeouts{Connect: 30 * time.Second, TLS: 15 * time.Second, ResponseHeader: 60 * time.Second, Idle: 60 * time.Second}

func (t Timeouts) withDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultTimeouts.Connect
	}
	if t.TLS <= 0 {
		t.TLS = DefaultTimeouts.TLS
	}
	if t.ResponseHeader <= 0 {
		t.ResponseHeader = DefaultTimeouts.ResponseHeader
	}
	if t.Idle <= 0 {
		t.Idle = DefaultTimeouts.Idle
	}
	return t
}

func (r *Remote) attempts() int {
	if r.Attempts > 0 {
		return r.Attempts
	}
	return 4
}

func (r *Remote) backoff() time.Duration {
	if r.Backoff > 0 {
		return r.Backoff
	}
	return 500 * time.Millisecond
}

var defaultRequestRetry retry.Policy = &retry.GenericPolicy{
	Retryable: retryableRequest,
	Backoff:   retry.DefaultBackoff,
	MinWait:   200 * time.Millisecond,
	MaxWait:   2 * time.Second,
	MaxRetry:  3,
}

// retryableRequest is oras' default predicate plus a connection closed
// before any answer (io.EOF), which is how a dropped upload shows up and
// which oras does not retry.
func retryableRequest(resp *http.Response, err error) (bool, error) {
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, errIdle)) {
		return true, nil
	}
	return retry.DefaultPredicate(resp, err)
}

func (r *Remote) httpClient() (*http.Client, error) {
	timeouts := r.Timeouts.withDefaults()
	base := r.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: timeouts.Connect, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = timeouts.TLS
		t.ResponseHeaderTimeout = timeouts.ResponseHeader
		t.ExpectContinueTimeout = time.Second
		if r.CAFile != "" {
			pemBytes, err := os.ReadFile(r.CAFile)
			if err != nil {
				return nil, &InvalidError{Reason: fmt.Sprintf("--ca-file: %v", err)}
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pemBytes) {
				return nil, &InvalidError{Reason: fmt.Sprintf("--ca-file %s: no PEM certificates found", r.CAFile)}
			}
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		base = t
	}
	policy := r.RequestRetry
	if policy == nil {
		policy = defaultRequestRetry
	}
	rt := retry.NewTransport(&idleTransport{base: base, idle: timeouts.Idle, header: timeouts.ResponseHeader})
	rt.Policy = func() retry.Policy { return policy }
	return &http.Client{Transport: replayable{rt}}, nil
}

// replayable buffers request bodies that cannot be rewound, so that the
// retry transport can send them again. edict's uploads are in memory and
// bounded (a bundle layer, a manifest, a signature), so this costs a copy.
type replayable struct{ next http.RoundTripper }

func (t replayable) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return t.next.RoundTrip(req)
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.Body, _ = req.GetBody()
	req.ContentLength = int64(len(data))
	return t.next.RoundTrip(req)
}

// errIdle reports a registry that stopped sending in the middle of an answer.
var errIdle = errors.New("the registry stopped sending (idle timeout)")

// idleTransport cancels a request whose response stalls: no response header
// within header (also enforced for transports that are not *http.Transport),
// or no body bytes for idle.
type idleTransport struct {
	base         http.RoundTripper
	idle, header time.Duration
}

func (t *idleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(t.header, func() { cancel(fmt.Errorf("no response within %s: %w", t.header, errIdle)) })
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timer.Stop()
		if cause := context.Cause(ctx); cause != nil && errors.Is(cause, errIdle) {
			err = &timeoutError{err: cause}
		}
		cancel(nil)
		return nil, err
	}
	timer.Reset(t.idle)
	resp.Body = &idleBody{ReadCloser: resp.Body, timer: timer, idle: t.idle, ctx: ctx, cancel: cancel}
	return resp, nil
}

type idleBody struct {
	io.ReadCloser
	timer  *time.Timer
	idle   time.Duration
	ctx    context.Context
	cancel context.CancelCauseFunc
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); cause != nil && errors.Is(cause, errIdle) {
			err = &timeoutError{err: fmt.Errorf("no data for %s: %w", b.idle, errIdle)}
		}
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// timeoutError is a per-request timeout: a net.Error that says so, which
// the request and operation retries treat as transient.
type timeoutError struct{ err error }

func (e *timeoutError) Error() string   { return e.err.Error() }
func (e *timeoutError) Unwrap() error   { return e.err }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// isLocalHost reports hosts that are served over plain HTTP by default, as
// docker, cosign and Flux do for a local test registry.
func isLocalHost(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// repository opens a registry repository with credentials and retries.
func (r *Remote) repository(loc *Location) (*remote.Repository, error) {
	repo, err := remote.NewRepository(loc.Registry + "/" + loc.Repository)
	if err != nil {
		return nil, &InvalidError{Reason: fmt.Sprintf("reference %s: %v", loc, err)}
	}
	client, err := r.httpClient()
	if err != nil {
		return nil, err
	}
	store := r.Credentials
	if store == nil {
		ds, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
		if err != nil {
			return nil, &RegistryError{Registry: loc.Registry, Op: "read Docker credentials", Err: err}
		}
		store = ds
	}
	header := http.Header{}
	if r.UserAgent != "" {
		header.Set("User-Agent", r.UserAgent)
	}
	repo.Client = &auth.Client{
		Client:     client,
		Cache:      auth.NewCache(),
		Credential: credentials.Credential(store),
		Header:     header,
	}
	repo.PlainHTTP = r.PlainHTTP || isLocalHost(loc.Registry)
	// Deleting superseded referrers indexes needs delete permission that
	// most pipelines do not have; cosign leaves them too.
	repo.SkipReferrersGC = true
	lim := r.Limits.withDefaults()
	repo.ReferrerListMaxPages = lim.Pages
	repo.TagListMaxPages = lim.Pages
	repo.MaxMetadataBytes = maxMetadataBytes
	return repo, nil
}

// openTarget opens a location for writing: a registry repository, or an OCI
// image layout folder (created when missing).
func (r *Remote) openTarget(ctx context.Context, loc *Location) (oras.Target, error) {
	if loc.IsRegistry() {
		return r.repository(loc)
	}
	store, err := oci.NewWithContext(ctx, loc.Path)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", loc.Path, err)
	}
	return store, nil
}

// openSource opens a location for reading.
func (r *Remote) openSource(ctx context.Context, loc *Location) (oras.ReadOnlyTarget, error) {
	if loc.IsRegistry() {
		return r.repository(loc)
	}
	if _, err := os.Stat(loc.Path + "/oci-layout"); err != nil {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s is not an OCI image layout (no oci-layout file)", loc.Path)}
	}
	store, err := oci.NewFromFS(ctx, os.DirFS(loc.Path))
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", loc.Path, err)
	}
	return store, nil
}

// registryError wraps err with the registry it came from and says what a
// user can do about the common cases.
func registryError(loc *Location, op string, err error) error {
	if err == nil {
		return nil
	}
	var ie *InvalidError
	var ve *VerifyError
	var re *RegistryError
	var le *LimitError
	if errors.As(err, &ie) || errors.As(err, &ve) || errors.As(err, &re) || errors.As(err, &le) || errors.Is(err, context.Canceled) {
		return err
	}
	if !loc.IsRegistry() {
		if errors.Is(err, errdef.ErrNotFound) {
			return &InvalidError{Reason: fmt.Sprintf("%s: %s not found in the OCI layout %s", op, loc, loc.Path)}
		}
		return fmt.Errorf("%s %s: %w", op, loc.Path, err)
	}
	var er *errcode.ErrorResponse
	switch {
	case errors.As(err, &er) && (er.StatusCode == http.StatusUnauthorized || er.StatusCode == http.StatusForbidden):
		err = fmt.Errorf("credentials refused (%d %s); log in with `docker login %s` or fix the credential helper: %w",
			er.StatusCode, http.StatusText(er.StatusCode), loc.Registry, err)
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		err = fmt.Errorf("credentials required and none found; log in with `docker login %s` or configure a credential helper: %w", loc.Registry, err)
	case errors.Is(err, errdef.ErrNotFound):
		err = fmt.Errorf("not found in %s: %w", loc.Name(), err)
	case errors.Is(err, errIdle):
		err = fmt.Errorf("timed out: %w", err)
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("timed out (the operation's --timeout): %w", err)
	case isUnreachable(err):
		err = fmt.Errorf("unreachable: %w", err)
	}
	return &RegistryError{Registry: loc.Registry, Op: op, Err: err}
}

func isUnreachable(err error) bool {
	var oe *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &dnsErr) || errors.Is(err, syscall.ECONNREFUSED)
}

// isTransient reports errors worth retrying the whole operation for: server
// errors, rate limiting and connections dropped mid-request.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var er *errcode.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode >= 500 || er.StatusCode == http.StatusTooManyRequests || er.StatusCode == http.StatusRequestTimeout
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// Some registries answer an interrupted upload with a non-JSON body.
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server closed")
}

// withRetry runs op until it succeeds, fails for good, or runs out of attempts.
func (r *Remote) withRetry(ctx context.Context, op func() error) error {
	wait := r.backoff()
	var err error
	for attempt := 1; ; attempt++ {
		err = op()
		if err == nil || !isTransient(err) || attempt >= r.attempts() {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait *= 2
	}
}
