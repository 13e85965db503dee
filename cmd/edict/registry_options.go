package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
)

// registryOptions are the flags of every command that talks to a registry:
// how to connect, how long to wait, and how much to read.
type registryOptions struct {
	plainHTTP bool
	caFile    string
	timeout   time.Duration
	limits    bundle.ReadLimits
}

// defaultTimeout bounds a whole push, sign, verify or pull.
const defaultTimeout = 5 * time.Minute

func (o *registryOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.plainHTTP, "plain-http", false, "use HTTP instead of HTTPS (always on for localhost and 127.0.0.1)")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file with extra CA certificates for the registry's TLS certificate")
	f.DurationVar(&o.timeout, "timeout", defaultTimeout, "give up on the whole operation after this long")
	d := bundle.DefaultReadLimits
	f.Int64Var(&o.limits.Bytes, "max-read-bytes", d.Bytes, "most bytes read from the registry in one operation (manifests, signatures and layer)")
	f.IntVar(&o.limits.Signatures, "max-signatures", d.Signatures, "most signature layers or signature referrers read for one artifact")
	f.IntVar(&o.limits.Pages, "max-pages", d.Pages, "most pages of a referrers or tags list read")
	f.IntVar(&o.limits.Manifests, "max-manifests", d.Manifests, "most manifests read in one operation")
}

// validate refuses limits that would silently mean something else.
func (o *registryOptions) validate() error {
	if o.timeout <= 0 {
		return withExit(ExitUsage, fmt.Errorf("--timeout %s: must be positive", o.timeout))
	}
	for _, l := range []struct {
		flag string
		v    int64
	}{{"--max-read-bytes", o.limits.Bytes}, {"--max-signatures", int64(o.limits.Signatures)}, {"--max-pages", int64(o.limits.Pages)}, {"--max-manifests", int64(o.limits.Manifests)}} {
		if l.v <= 0 {
			return withExit(ExitUsage, fmt.Errorf("%s %d: must be positive", l.flag, l.v))
		}
	}
	return nil
}

func validateMaxSize(n int64) error {
	if n <= 0 {
		return withExit(ExitUsage, fmt.Errorf("--max-size %d: must be a positive number of bytes", n))
	}
	return nil
}

func (o *registryOptions) remote() *bundle.Remote {
	return &bundle.Remote{PlainHTTP: o.plainHTTP, CAFile: o.caFile, UserAgent: "edict/" + edictVersion(), Limits: o.limits}
}

// context bounds the operation by --timeout.
func (o *registryOptions) context(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	t := o.timeout
	if t <= 0 {
		t = defaultTimeout
	}
	return context.WithTimeout(cmd.Context(), t)
}

// explain names --timeout when the operation ran out of time.
func (o *registryOptions) explain(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, errInterrupted) {
		return withExit(ExitIO, fmt.Errorf("timed out after %s (raise it with --timeout): %w", o.timeout, err))
	}
	return err
}
