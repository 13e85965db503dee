package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/formats"
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

// TestNamespaceListsAgreeWithTheFormat: the namespace lists of initiatives
// and policies (match, exemptions) accept exactly what the namespace-pattern
// format accepts, in edict's own validation and in the pattern `edict schema`
// publishes for editors. They used to differ: the schema's own pattern took
// "*-*", "a.b", "-x" and "x-", which the format rejects.
func TestNamespaceListsAgreeWithTheFormat(t *testing.T) {
	f, ok := formats.Lookup("namespace-pattern")
	if !ok {
		t.Fatal("no namespace-pattern format")
	}
	values := []string{"*", "kube-system", "prod-*", "*-system", "*team*", "a", "a1",
		"**", "***", "*-*", "a.b", "-x", "x-", "*.*", "Kube", "prod_x", "a*b", "", "*-", "-*", strings.Repeat("a", 64)}
	for _, kind := range []string{"Initiative", "Policy"} {
		raw, err := PublishedSchema(kind)
		if err != nil {
			t.Fatal(err)
		}
		var published map[string]any
		if err := json.Unmarshal(raw, &published); err != nil {
			t.Fatal(err)
		}
		item := dig(published, "$defs", "namespaceList", "items")
		if item["format"] != "namespace-pattern" || item["pattern"] != f.Pattern || item["maxLength"] != float64(f.MaxLength) {
			t.Fatalf("%s: published namespace item is %v, want format namespace-pattern with the format's pattern", kind, item)
		}
		re := regexp.MustCompile(f.Pattern)
		for _, v := range values {
			want := f.Check(v) == nil
			if got := re.MatchString(v) && len(v) <= f.MaxLength; got != want {
				t.Errorf("%s: published pattern accepts %q = %v, the format = %v", kind, v, got, want)
			}
		}
	}
	for _, v := range values {
		want := f.Check(v) == nil
		body := fmt.Sprintf("  defaults:\n    match:\n      excludedNamespaces: [%q]\n", v)
		_, err := LoadInitiative(fstest.MapFS{"i.yaml": {Data: []byte(initiative(body))}}, "i.yaml")
		if got := err == nil; got != want {
			t.Errorf("initiative excludedNamespaces [%q]: loads = %v (%v), the format accepts = %v", v, got, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), "i.yaml:9:") {
			t.Errorf("initiative excludedNamespaces [%q]: error without its position: %v", v, err)
		}
	}
}
