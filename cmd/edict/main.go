// Command edict builds, tests, signs and publishes Kubernetes admission policy
// (OPA Gatekeeper ConstraintTemplates and Constraints) from declarative initiative files.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	// Mozilla's CA roots, used only where the system has none (the release
	// image is built from scratch), so registry TLS works everywhere.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	os.Exit(run(os.Stderr))
}

// interruptGrace is how long a command may take to stop cleanly after
// Ctrl-C before the process exits anyway. Outputs are swapped in by rename
// and leftovers are cleaned by the next run, so stopping hard loses nothing.
const interruptGrace = 2 * time.Second

// errInterrupted is the cause of the context of an interrupted command.
var errInterrupted = errors.New("interrupted")

func run(stderr io.Writer) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel(errInterrupted)
		// A second Ctrl-C, or a command that does not stop in time, ends
		// the process at once.
		t := time.NewTimer(interruptGrace)
		select {
		case <-sigs:
		case <-t.C:
		}
		fmt.Fprintln(stderr, "edict: interrupted")
		os.Exit(ExitIO)
	}()
	err := execute(ctx, os.Args[1:], os.Stdin, os.Stdout, stderr)
	if err != nil && errors.Is(context.Cause(ctx), errInterrupted) {
		err = withExit(ExitIO, fmt.Errorf("interrupted: %w", err))
	}
	if err != nil {
		printError(stderr, err)
		return exitCode(err)
	}
	return ExitOK
}
