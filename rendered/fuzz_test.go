package rendered

import (
	"strings"
	"testing"
)

// bundle.json files and bundle folders come from registries and disks edict
// does not control: any bytes must give a value or an error, never a panic.

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"edict.dev/v1alpha1","kind":"Bundle","name":"x","version":"1.0.0","files":[{"path":"a.yaml","sha256":"00","size":1}]}`))
	f.Add([]byte(`{"files":[{"path":"../x"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex(data)
		if err != nil {
			return
		}
		for _, file := range idx.Files {
			if strings.HasPrefix(file.Path, "/") || strings.Contains("/"+file.Path+"/", "/../") {
				t.Fatalf("accepted unsafe path %q", file.Path)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	index := `{"apiVersion":"edict.dev/v1alpha1","kind":"Bundle","name":"x","version":"1","inputs":[],"policies":[{"ref":"r","policy":"p","policyVersion":"1","template":"k","effect":"deny","constraint":"x-r"}],"files":[]}`
	f.Add([]byte(index), []byte("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K\nmetadata: {name: x-r}\n"))
	f.Add([]byte(index), []byte("apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: k, labels: {edict.dev/policy: p}}\n"))
	f.Add([]byte(index), []byte("resources: [a]\n"))
	f.Add([]byte(index), []byte("{{{"))
	f.Fuzz(func(t *testing.T, idx, file []byte) {
		b, err := Parse(map[string][]byte{IndexFile: idx, "a/kustomization.yaml": file})
		if err != nil {
			return
		}
		for _, c := range b.Constraints {
			if _, ok := b.Reference(c.Ref); !ok {
				t.Fatalf("constraint %s has no reference entry", c.Path)
			}
		}
		if len(b.Files()) != 1 {
			t.Fatalf("one file went in, %d came out", len(b.Files()))
		}
	})
}
