// Command edict builds, tests, signs and publishes Kubernetes admission policy
// (OPA Gatekeeper ConstraintTemplates and Constraints) from declarative initiative files.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
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
