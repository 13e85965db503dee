// Package library holds edict's built-in policies and the shared Rego
// libraries they import, embedded in the binary.
//
// The tree FS returns has three folders at its root:
//
//	lib/                       shared Rego, package lib.<name>, with <name>_test.rego tests
//	pod-security/<policy>/     one folder per Pod Security Standards control
//	general/<policy>/          every other policy
//
// A policy folder holds policy.yaml, policy.rego, policy_test.rego, a gator
// suite.yaml and samples/<sample>/ with a constraint and example objects.
package library

import (
	"embed"
	"io/fs"
)

//go:embed all:lib all:pod-security all:general
var files embed.FS

// FS returns the built-in library.
func FS() fs.FS { return files }
