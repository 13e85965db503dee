package input

import (
	"errors"
	"testing"
)

// Repository files are untrusted: any bytes give a document or a positioned
// input error, never a panic, and the header peek never panics either.
func FuzzParseDocument(f *testing.F) {
	f.Add([]byte("apiVersion: edict.dev/v1alpha1\nkind: Policy\nmetadata: {name: x}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("- 1\n"))
	f.Add([]byte("a: 1\n---\nb: 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		PeekHeader(data)
		d, err := ParseDocument("f.yaml", data)
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) || ie.File != "f.yaml" {
				t.Fatalf("error %T %v is not a positioned input error", err, err)
			}
			return
		}
		if _, ok := d.Value.(map[string]any); !ok || d.Root == nil {
			t.Fatalf("document without a mapping: %#v", d.Value)
		}
	})
}
