package policytest

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The fast header scan must agree with a YAML parse whenever it answers.
func TestPeekHeader(t *testing.T) {
	tests := []struct {
		name string
		data string
		want header
		ok   bool
	}{
		{"plain", "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\ntests: []\n", header{"test.gatekeeper.sh/v1alpha1", "Suite"}, true},
		{"kind first, comments", "# a suite\nkind: Suite # trailing\napiVersion: test.gatekeeper.sh/v1alpha1\n", header{"test.gatekeeper.sh/v1alpha1", "Suite"}, true},
		{"quoted", "apiVersion: \"edict.dev/v1alpha1\"\nkind: 'InitiativeTest'\n", header{"edict.dev/v1alpha1", "InitiativeTest"}, true},
		{"leading document marker", "---\napiVersion: v1\nkind: Pod\n", header{"v1", "Pod"}, true},
		{"nested kind is not the header", "apiVersion: v1\nspec:\n  kind: Suite\nkind: ConfigMap\n", header{"v1", "ConfigMap"}, true},
		{"only the first document", "apiVersion: v1\nkind: Pod\n---\napiVersion: v2\nkind: Suite\n", header{"v1", "Pod"}, true},
		{"json", `{"apiVersion": "v1", "kind": "Suite"}`, header{"v1", "Suite"}, true},
		{"crlf", "apiVersion: v1\r\nkind: Suite\r\n", header{"v1", "Suite"}, true},
		{"not yaml", "kind: [unclosed\n", header{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := peekHeader([]byte(tt.data))
			if ok != tt.ok || got != tt.want {
				t.Errorf("peekHeader = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			if !ok {
				return
			}
			var parsed header
			if err := yaml.Unmarshal([]byte(tt.data), &parsed); err != nil || parsed != got {
				t.Errorf("a YAML parse gives %+v (%v), the scan %+v", parsed, err, got)
			}
		})
	}
}

func TestParseObjects(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		count int
		err   string
	}{
		{"two documents and comments", "# c\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n", 2, ""},
		{"no objects", "# nothing\n", 0, "defines no YAML objects"},
		{"missing kind", "apiVersion: v1\nmetadata: {name: a}\n", 0, "f.yaml: Object 'Kind' is missing"},
		{"syntax error with line", "apiVersion: v1\nkind: Pod\nmetadata: {name: [a}\n", 0, "f.yaml:2: did not find expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := parseObjects("f.yaml", []byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || len(objs) != tt.count {
				t.Fatalf("got %d objects, %v; want %d", len(objs), err, tt.count)
			}
			if v, ok := objs[0].Object["metadata"].(map[string]any)["name"]; !ok || v != "a" {
				t.Errorf("first object name %v", v)
			}
		})
	}
}
