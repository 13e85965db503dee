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
		{"missing kind", "apiVersion: v1\nmetadata: {name: a}\n", 0, "f.yaml: the object has no kind"},
		{"syntax error at the bad line", "apiVersion: v1\nkind: Pod\nmetadata: {name: [a}\n", 0, "f.yaml:3: invalid YAML: did not find expected"},
		{"mis-indented key far below its block", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n" + strings.Repeat("  - name: x\n", 10) + "  - name: y\n   image: z\n", 0, "f.yaml:16: invalid YAML"},
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

// TestParseErrorsQuoteOnlyAnExcerpt feeds files that fail to parse in every
// way a sample can and checks that no error repeats more than a short
// excerpt of the file: a sample pointing at a credential must not put it in
// CI logs.
func TestParseErrorsQuoteOnlyAnExcerpt(t *testing.T) {
	const secret = "ghp_S3CR3TTOKENabcdefghijklmnopqrstuvwxyz0123456789"
	tests := []struct{ name, data string }{
		{"no kind", "apiVersion: v1\ndata:\n  token: " + secret + "\n"},
		{"scalar document", secret + "\n"},
		{"list document", "- " + secret + "\n"},
		{"syntax error", "auths:\n  registry: {auth: " + secret + "\n"},
		{"tab indentation", "auths:\n\t" + secret + ": x\n"},
		{"docker config json", `{"auths": {"ghcr.io": {"auth": "` + secret + `"}}}`},
		{"kind not a string", "apiVersion: v1\nkind: {a: " + secret + "}\n"},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nkind: " + secret + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err1 := parseObjects("f.yaml", []byte(tt.data))
			var s suite
			err2 := decodeStrict("f.yaml", []byte(tt.data), &s)
			if err1 == nil {
				t.Fatalf("parseObjects accepted %q", tt.data)
			}
			for _, err := range []error{err1, err2} {
				if err == nil {
					continue
				}
				// An excerpt is at most 40 characters: a quarter of the
				// secret may show, the whole of it never.
				if strings.Contains(err.Error(), secret[:41]) {
					t.Errorf("error quotes the file beyond an excerpt: %v", err)
				}
			}
		})
	}
}
