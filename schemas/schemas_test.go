package schemas

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Every embedded schema must compile, carry the $id edict resolves it by, and
// be reachable by kind in any letter case.
func TestSchemasCompile(t *testing.T) {
	kinds := Kinds()
	for _, want := range []string{"initiative", "initiativetest", "policy"} {
		if !strings.Contains(strings.Join(kinds, ","), want) {
			t.Errorf("Kinds() = %v, lacks %s", kinds, want)
		}
	}
	for _, k := range kinds {
		raw, err := Get(strings.ToUpper(k))
		if err != nil {
			t.Fatalf("Get(%s): %v", k, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if id, _ := doc.(map[string]any)["$id"].(string); id != URL(k) {
			t.Errorf("%s: $id %q, want %q", k, id, URL(k))
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(URL(k), doc); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Compile(URL(k)); err != nil {
			t.Errorf("%s does not compile: %v", k, err)
		}
	}
	if _, err := Get("Nope"); err == nil || !strings.Contains(err.Error(), "known: ") {
		t.Errorf("unknown kind: %v", err)
	}
}
