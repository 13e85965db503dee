// Command edict builds, tests, signs and publishes Kubernetes admission policy
// (OPA Gatekeeper ConstraintTemplates and Constraints) from declarative initiative files.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	// Mozilla's CA roots, used only where the system has none (the release
	// image is built from scratch), so registry TLS works everywhere.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "edict:", err)
		os.Exit(exitCode(err))
	}
}
