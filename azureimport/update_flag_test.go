package azureimport_test

import "flag"

// -update regenerates the golden files under testdata/golden.
var _ = flag.Bool("update", false, "rewrite the golden files")
