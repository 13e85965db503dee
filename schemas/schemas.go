// Package schemas holds the JSON Schemas of every file format edict reads.
// They are embedded so that validation needs no network, and printed by
// `edict schema KIND` so that editors can use the same rules.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.schema.json
var files embed.FS

// Kinds lists the kinds that have a schema, sorted.
func Kinds() []string {
	entries, _ := fs.ReadDir(files, ".")
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, strings.TrimSuffix(e.Name(), ".schema.json"))
	}
	sort.Strings(kinds)
	return kinds
}

// Get returns the schema of a kind; the kind is matched case-insensitively
// (Policy, policy and POLICY all work).
func Get(kind string) ([]byte, error) {
	name := strings.ToLower(kind) + ".schema.json"
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no schema for kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
	}
	return b, nil
}

// URL is the $id every edict schema carries; the name part is the lowercase kind.
func URL(kind string) string {
	return "https://edict.dev/schemas/v1alpha1/" + strings.ToLower(kind) + ".schema.json"
}
