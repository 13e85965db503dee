package main

import (
	"errors"
	"io/fs"
	"strings"
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

// exitCode maps an error to the process exit code. Commands that know better
// wrap their error with withExit; the rest are classified by type here.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	for _, classify := range classifiers {
		if code, ok := classify(err); ok {
			return code
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return ExitIO
	}
	// cobra reports unknown commands, bad arguments and missing required
	// flags as plain errors.
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, "arg(s)") || strings.HasPrefix(msg, "required flag(s)") {
		return ExitUsage
	}
	return ExitFailure
}

// classifiers let each package's command file teach exitCode about that
// package's typed errors without editing this file.
var classifiers []func(error) (int, bool)

func registerClassifier(f func(error) (int, bool)) { classifiers = append(classifiers, f) }
