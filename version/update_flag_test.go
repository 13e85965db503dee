package version

import "flag"

// This package has no golden files. It still accepts -update so that
// `go test ./... -update`, which regenerates the golden files of the
// packages that have them, runs across the whole module.
var _ = flag.Bool("update", false, "no golden files in this package")
