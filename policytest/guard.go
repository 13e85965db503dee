package policytest

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"sync"
	"time"
)

// Defaults of the evaluation limits. A policy case evaluates in
// milliseconds; seconds mean a rule that loops, and gigabytes one that
// builds a huge value - both would stall or kill a CI job.
const (
	DefaultCaseTimeout = 10 * time.Second
	DefaultMaxMemory   = 2 << 30
)

var (
	errCaseTimeout = errors.New("case timeout")
	errMemory      = errors.New("memory limit")
)

// guard bounds evaluations: each one gets a deadline, and a watchdog stops
// every evaluation in flight when the heap grows past the memory limit (Go
// cannot tell which goroutine allocated, so all running cases are stopped
// and reported).
type guard struct {
	timeout  time.Duration
	maxBytes uint64

	mu      sync.Mutex
	running map[*guarded]struct{}
	stop    chan struct{}
	done    chan struct{}
}

type guarded struct {
	cancel context.CancelCauseFunc
}

func newGuard(timeout time.Duration, maxBytes int64) *guard {
	if timeout <= 0 {
		timeout = DefaultCaseTimeout
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMemory
	}
	return &guard{timeout: timeout, maxBytes: uint64(maxBytes), running: map[*guarded]struct{}{}}
}

// start runs the memory watchdog until the returned function is called.
func (g *guard) start() func() {
	g.stop, g.done = make(chan struct{}), make(chan struct{})
	go g.watch()
	return func() {
		close(g.stop)
		<-g.done
	}
}

func (g *guard) watch() {
	defer close(g.done)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 || sample[0].Value.Uint64() <= g.maxBytes {
			continue
		}
		g.mu.Lock()
		for e := range g.running {
			e.cancel(errMemory)
		}
		g.mu.Unlock()
	}
}

// run evaluates f under the case deadline and the memory watchdog, and
// turns a stop into an error naming the limit and the flag that raises it.
func (g *guard) run(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, release := g.watchMemory(ctx)
	defer release()
	ctx, cancelT := context.WithTimeoutCause(ctx, g.timeout, errCaseTimeout)
	defer cancelT()
	err := f(ctx)
	return g.explain(ctx, err)
}

// watchMemory registers ctx's evaluations with the memory watchdog only
// (Rego unit tests have their own per-test deadline).
func (g *guard) watchMemory(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	e := &guarded{cancel: cancel}
	g.mu.Lock()
	g.running[e] = struct{}{}
	g.mu.Unlock()
	return ctx, func() {
		g.mu.Lock()
		delete(g.running, e)
		g.mu.Unlock()
		cancel(nil)
	}
}

// explain reports a stopped evaluation even when f returned no error:
// Gatekeeper's engine turns a failed evaluation into a violation.
func (g *guard) explain(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errCaseTimeout):
		return fmt.Errorf("evaluation stopped after %s, the per-case timeout (raise it with --case-timeout): %w", g.timeout, errCaseTimeout)
	case errors.Is(cause, errMemory):
		return fmt.Errorf("evaluation stopped: the process used more than %d MiB while this case ran (raise it with --max-memory): %w", g.maxBytes>>20, errMemory)
	}
	return err
}
