package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/policytest"
)

// evalOptions bound the evaluation of tests from a repository: edict test
// and build --test run Rego anyone can propose in a pull request.
type evalOptions struct {
	caseTimeout time.Duration
	maxMemory   int64
}

func (o *evalOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.DurationVar(&o.caseTimeout, "case-timeout", policytest.DefaultCaseTimeout, "stop a test case (or Rego unit test) whose evaluation takes longer, and report it")
	f.Int64Var(&o.maxMemory, "max-memory", policytest.DefaultMaxMemory, "stop the evaluations in flight when the heap grows past this many bytes, and report them")
}

func (o *evalOptions) validate() error {
	if o.caseTimeout <= 0 {
		return withExit(ExitUsage, fmt.Errorf("--case-timeout %s: must be positive", o.caseTimeout))
	}
	if o.maxMemory <= 0 {
		return withExit(ExitUsage, fmt.Errorf("--max-memory %d: must be a positive number of bytes", o.maxMemory))
	}
	return nil
}

func (o *evalOptions) apply(opts *policytest.Options) {
	opts.CaseTimeout, opts.MaxMemory = o.caseTimeout, o.maxMemory
}
