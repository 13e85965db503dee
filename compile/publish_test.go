package compile

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// TestPublishedInitiativeSchema: what `edict schema initiative` prints lets an
// editor catch a bad quantity or a typo inside a list item, and still accepts
// a real initiative.
func TestPublishedInitiativeSchema(t *testing.T) {
	raw, err := PublishedSchema("Initiative")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("i.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("i.json")
	if err != nil {
		t.Fatal(err)
	}
	check := func(src string) error {
		var v any
		if err := yaml.Unmarshal([]byte(src), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := yaml.YAMLToJSON([]byte(src))
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		return s.Validate(inst)
	}
	example, err := os.ReadFile("../examples/contoso/initiatives/contoso-prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := check(string(example)); err != nil {
		t.Errorf("the example initiative fails the published schema: %v", err)
	}
	bad := []struct{ name, body, want string }{
		{"quantity", "  policies:\n    container-limits: {parameters: {memory: 2GB}}\n", "memory"},
		{"nested typo", "  policies:\n    host-filesystem: {parameters: {allowedHostPaths: [{pathPrefix: /etc, readonly: true}]}}\n", "readonly"},
		{"second use", "  policies:\n    caps-prod: {policy: allowed-capabilities, parameters: {allowedCapabilities: [CAP_NET_RAW]}}\n", "allowedCapabilities"},
	}
	for _, tc := range bad {
		err := check(initiative(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want a schema error about %s, got %v", tc.name, tc.want, err)
		}
	}
	other, err := PublishedSchema("policy")
	if err != nil || !bytes.Contains(other, []byte(`"Policy"`)) {
		t.Errorf("policy schema: %v", err)
	}
}
