package policytest

import (
	"strings"
	"testing"
)

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
		{"syntax error with line", "apiVersion: v1\nkind: Pod\nmetadata: {name: [a}\n", 0, "f.yaml:2: invalid YAML: did not find expected"},
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
