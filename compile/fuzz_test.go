package compile

import (
	"strings"
	"testing"
	"testing/fstest"
)

// The loaders read files users write by hand; whatever the bytes, they must
// return a value or an error, never panic, and errors must name the file.

func FuzzLoadInitiative(f *testing.F) {
	f.Add([]byte(initiative("  policies:\n    demo-labels: {effect: deny}\n")))
	f.Add([]byte(initiative("  extends: pod-security-baseline\n  exemptions:\n    - {policies: [a], namespaces: [b], reason: r, owner: o, expires: 2027-01-01}\n")))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("apiVersion: edict.dev/v1alpha1\nkind: Initiative\n---\n"))
	f.Add([]byte("<<: {a: 1}\n"))
	f.Add([]byte("\t\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := repo(map[string]string{"i.yaml": string(data)})
		in, err := LoadInitiative(fsys, "i.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "i.yaml") && !strings.Contains(err.Error(), "builtin:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if in.Metadata.Name == "" {
			t.Fatal("loaded an initiative without a name")
		}
		cat, err := NewCatalog(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		// Resolution must not panic either.
		_, _ = Resolve(fsys, "i.yaml", cat, Options{Now: testNow})
	})
}

func FuzzLoadPolicy(f *testing.F) {
	f.Add([]byte(demoPolicy), []byte(demoRego))
	f.Add([]byte(strings.Replace(demoPolicy, "type: integer", "type: [", 1)), []byte("package x\nviolation contains 1 if {"))
	f.Add([]byte("kind: Policy\n"), []byte(""))
	f.Fuzz(func(t *testing.T, yamlData, regoData []byte) {
		fsys := fstest.MapFS{
			"p/demo-labels/policy.yaml": {Data: yamlData},
			"p/demo-labels/policy.rego": {Data: regoData},
		}
		p, err := LoadPolicy(fsys, "p/demo-labels")
		if err != nil {
			return
		}
		libs, _ := loadLibs(fsys, "lib")
		_, _ = compileRego(p, libs)
	})
}
