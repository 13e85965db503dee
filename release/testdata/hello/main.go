// Command hello stands in for edict in the release tests: it is built with
// the release flags and prints what the version package reports.
package main

import (
	"encoding/json"
	"os"

	"github.com/edict-policy/edict/version"
)

func main() {
	_ = json.NewEncoder(os.Stdout).Encode(version.Get())
}
