package docgen_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/edict-policy/edict/library"
)

// TestAzureMappingDocCoversTable keeps docs/azure-mapping.md and the
// machine-readable table (library/azure-mapping.yaml, which `edict import
// azure` reads) telling the same story: every Azure definition of the table
// has a row in the document naming its id, and that row links the edict
// policy the table maps it to, or says "not supported" when the table has no
// counterpart; every Azure parameter the table translates is named on a row
// of its definition.
func TestAzureMappingDocCoversTable(t *testing.T) {
	data, err := os.ReadFile("../docs/azure-mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	table, err := library.AzureMapping()
	if err != nil {
		t.Fatal(err)
	}
	rowsOf := func(id string) []string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, "|") && strings.Contains(l, "`"+id+"`") {
				out = append(out, l)
			}
		}
		return out
	}
	unsupported := 0
	for _, d := range table.Definitions {
		rows := rowsOf(d.ID)
		if len(rows) == 0 {
			t.Errorf("azure-mapping.md has no table row for %s (%s)", d.ID, d.DisplayName)
			continue
		}
		if d.Unsupported != "" {
			unsupported++
			if !slices.ContainsFunc(rows, func(l string) bool { return strings.Contains(l, "not supported") }) {
				t.Errorf("azure-mapping.md: no row says %s (%s) is not supported, as the table does: %s", d.ID, d.DisplayName, d.Unsupported)
			}
			continue
		}
		link := "(reference/policies/" + d.Policy + ".md)"
		if !slices.ContainsFunc(rows, func(l string) bool { return strings.Contains(l, link) }) {
			t.Errorf("azure-mapping.md: no row maps %s (%s) to policy %s, as the table does", d.ID, d.DisplayName, d.Policy)
		}
		for name := range d.Parameters {
			if !slices.ContainsFunc(rows, func(l string) bool { return strings.Contains(l, "`"+name+"`") }) {
				t.Errorf("azure-mapping.md: no row of %s (%s) names its parameter `%s`", d.ID, d.DisplayName, name)
			}
		}
	}
	if unsupported == 0 || len(table.Definitions) < 50 {
		t.Errorf("the table has %d definitions, %d unsupported; it should cover every Azure Kubernetes built-in", len(table.Definitions), unsupported)
	}
}
