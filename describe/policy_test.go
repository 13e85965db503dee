package describe

import (
	"strings"
	"testing"

	"github.com/edict-policy/edict/compile"
)

// TestDescribeShowsItemShapes: `library show` documents what goes inside a
// list of objects, which fields are optional, and the typed formats.
func TestDescribeShowsItemShapes(t *testing.T) {
	cat, err := compile.NewCatalog(nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"host-filesystem":  "array of {pathPrefix: string (absolute-path), readOnly?: boolean}",
		"container-limits": "string (quantity)",
	}
	for name, w := range want {
		p, _ := cat.Policy(name)
		if md := PolicyMarkdown(DescribePolicy(p)); !strings.Contains(md, w) {
			t.Errorf("%s: documentation lacks %q:\n%s", name, w, md)
		}
	}
}
