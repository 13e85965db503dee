package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

// Exit codes shared by every command.
const (
	ExitOK      = 0
	ExitFailure = 1 // policy, test or verification failures
	ExitUsage   = 2 // bad input or usage
	ExitIO      = 3 // registry or I/O failure
)

// exitError carries the exit code a command chose for its error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withExit marks err with the exit code the process should end with.
func withExit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageError is a mistake in how edict was called: an unknown command or
// flag, a missing or extra argument, a required flag not set.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// execute runs edict with args. An error cobra returns before a command's
// own code started (argument counts, required flags, unknown commands) is a
// usage error by construction, whatever its wording.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := newRootCmd()
	started := false
	var mark func(*cobra.Command)
	mark = func(c *cobra.Command) {
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				started = true
				return run(cmd, args)
			}
		}
		for _, sub := range c.Commands() {
			mark(sub)
		}
	}
	mark(root)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && !started {
		var ue *usageError
		if !errors.As(err, &ue) {
			err = usageErr(err)
		}
	}
	return err
}

// printError writes err to w with every line prefixed, so a report of
// several errors reads as edict's in a CI log where lines interleave.
func printError(w io.Writer, err error) {
	for line := range strings.SplitSeq(strings.TrimRight(err.Error(), "\n"), "\n") {
		fmt.Fprintln(w, "edict:", line)
	}
}

// exitCode maps an error to the process exit code: the one place that knows
// which kinds of error are usage, failures, or I/O.
func exitCode(err error) int {
	var (
		ee  *exitError
		ue  *usageError
		nf  *source.NotFoundError
		ge  *source.GitError
		re  *resources.Error
		rge *bundle.RegistryError
		ve  *bundle.VerifyError
		ie  *bundle.InvalidError
		ke  *bundle.KeyError
		we  *bundle.WriteError
		tm  *bundle.TagMovedError
		pe  *fs.PathError
	)
	switch {
	case err == nil:
		return ExitOK
	// A command that knows better has said so.
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		return ExitUsage
	// Typed errors of the packages below, most specific first: a source
	// that is not there or a resource file that does not parse is bad input
	// even when git or the disk was involved.
	case errors.As(err, &nf), errors.As(err, &re):
		return ExitUsage
	case errors.As(err, &ge):
		return ExitIO
	case input.IsInputError(err):
		return ExitUsage
	case errors.As(err, &rge), errors.As(err, &we):
		return ExitIO
	case errors.As(err, &ve), bundle.IsLimitError(err):
		return ExitFailure
	case errors.As(err, &ie), errors.As(err, &ke), errors.As(err, &tm):
		return ExitUsage
	case errors.As(err, &pe):
		return ExitIO
	}
	return ExitFailure
}
