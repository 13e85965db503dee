package input

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// The fast header scan must agree with a YAML parse whenever it answers.
func TestPeekHeader(t *testing.T) {
	tests := []struct {
		name string
		data string
		want Header
		ok   bool
	}{
		{"plain", "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\ntests: []\n", Header{"test.gatekeeper.sh/v1alpha1", "Suite"}, true},
		{"kind first, comments", "# a suite\nkind: Suite # trailing\napiVersion: test.gatekeeper.sh/v1alpha1\n", Header{"test.gatekeeper.sh/v1alpha1", "Suite"}, true},
		{"quoted", "apiVersion: \"edict.dev/v1alpha1\"\nkind: 'InitiativeTest'\n", Header{"edict.dev/v1alpha1", "InitiativeTest"}, true},
		{"leading document marker", "---\napiVersion: v1\nkind: Pod\n", Header{"v1", "Pod"}, true},
		{"nested kind is not the header", "apiVersion: v1\nspec:\n  kind: Suite\nkind: ConfigMap\n", Header{"v1", "ConfigMap"}, true},
		{"only the first document", "apiVersion: v1\nkind: Pod\n---\napiVersion: v2\nkind: Suite\n", Header{"v1", "Pod"}, true},
		{"json", `{"apiVersion": "v1", "kind": "Suite"}`, Header{"v1", "Suite"}, true},
		{"crlf", "apiVersion: v1\r\nkind: Suite\r\n", Header{"v1", "Suite"}, true},
		{"not yaml", "kind: [unclosed\n", Header{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PeekHeader([]byte(tt.data))
			if ok != tt.ok || got != tt.want {
				t.Errorf("PeekHeader = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			if !ok {
				return
			}
			var parsed Header
			if err := yaml.Unmarshal([]byte(tt.data), &parsed); err != nil || parsed != got {
				t.Errorf("a YAML parse gives %+v (%v), the scan %+v", parsed, err, got)
			}
		})
	}
}
