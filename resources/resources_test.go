package resources

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type got struct {
	what   string // "Kind ns/name", "skip: reason", "error: msg"
	source string
}

func (g got) String() string { return g.what + " @ " + g.source }

func readAll(t *testing.T, names []string, stdin string, opts Options) []got {
	t.Helper()
	in, err := Open(names, strings.NewReader(stdin), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out []got
	err = in.Walk(context.Background(), func(d Document) bool {
		for _, it := range Decode(d) {
			g := got{source: it.Source.String()}
			if it.Source.Kustomization != "" {
				g.source = "kustomize:" + it.Source.Kustomization
			}
			switch {
			case it.Err != nil:
				g.what = "error: " + it.Err.Error()
			case it.Skip != "":
				g.what = "skip: " + it.Skip
			default:
				g.what = it.Object.GetKind() + " " + it.Object.GetNamespace() + "/" + it.Object.GetName()
			}
			out = append(out, g)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const multiDoc = `# rendered by kustomize build
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec: {}
---
# only a comment
---
--- 
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
...
`

const kubectlList = `apiVersion: v1
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
    namespace: shop
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
    namespace: shop
kind: List
metadata:
  resourceVersion: ""
`

const jsonList = `{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a", "namespace": "shop"}
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "b", "namespace": "shop"}
        }
    ],
    "kind": "List"
}
`

func TestReadForms(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		files map[string]string
		args  []string // relative to dir; "-" is stdin
		stdin string
		want  []string
	}{
		{
			name:  "multi-document YAML with comments, empty documents and markers",
			files: map[string]string{"m.yaml": multiDoc},
			args:  []string{"m.yaml"},
			want:  []string{"Namespace /shop @ m.yaml:2", "Deployment shop/web @ m.yaml:6", "Pod shop/p @ m.yaml:16"},
		},
		{
			name:  "kubectl get -o yaml List",
			files: map[string]string{"l.yaml": kubectlList},
			args:  []string{"l.yaml"},
			want:  []string{"Namespace /shop @ l.yaml:3", "Pod shop/a @ l.yaml:7", "Pod shop/b @ l.yaml:12"},
		},
		{
			name:  "kubectl get -o json List",
			files: map[string]string{"l.json": jsonList},
			args:  []string{"l.json"},
			want:  []string{"Pod shop/a @ l.json:4", "Pod shop/b @ l.json:9"},
		},
		{
			name:  "stdin",
			args:  []string{"-"},
			stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: t}\n",
			want:  []string{"Pod /s @ -:1", "Pod /t @ -:5"},
		},
		{
			name: "folder walked in order, hidden folders and other files ignored",
			files: map[string]string{
				"tree/b.yml":        "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n",
				"tree/a/x.yaml":     "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
				"tree/.git/c.yaml":  "apiVersion: v1\nkind: Pod\nmetadata: {name: hidden}\n",
				"tree/README.md":    "# not a manifest",
				"tree/c.json":       `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c"}}`,
				"tree/z/Chart.yaml": "apiVersion: v2\nname: chart\n",
			},
			args: []string{"tree"},
			want: []string{"Pod /a @ tree/a/x.yaml:1", "Pod /b @ tree/b.yml:1", "Pod /c @ tree/c.json:1", "skip: no apiVersion or kind: not a Kubernetes object @ tree/z/Chart.yaml:1"},
		},
		{
			name: "messy input: syntax error mid-file, Helm markers, no kind, bad apiVersion; the rest is read",
			files: map[string]string{"messy.yaml": `apiVersion: v1
kind: Pod
metadata: {name: before}
---
apiVersion: v1
kind: Pod
metadata:
  name: broken
   namespace: x
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
---
metadata: {name: nokind}
---
apiVersion: a/b/c
kind: Pod
metadata: {name: badversion}
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [x.yaml]
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: alerts}
spec:
  groups:
  - name: g
    rules:
    - alert: Down
      annotations: {summary: "{{ $labels.instance }} is down"}
---
apiVersion: v1
kind: Pod
metadata: {name: after}
`},
			args: []string{"messy.yaml"},
			want: []string{
				"Pod /before @ messy.yaml:1",
				"error: messy.yaml:9: invalid YAML: mapping values are not allowed in this context @ messy.yaml:5",
				"skip: unrendered Helm template ({{ }} markers); render it first (helm template) @ messy.yaml:11",
				"skip: no apiVersion or kind: not a Kubernetes object @ messy.yaml:16",
				`skip: invalid apiVersion "a/b/c" @ messy.yaml:18`,
				"skip: kustomize configuration, not a resource (a folder holding kustomization.yaml is rendered with kustomize) @ messy.yaml:22",
				"PrometheusRule /alerts @ messy.yaml:26",
				"Pod /after @ messy.yaml:36",
			},
		},
		{
			name:  "invalid JSON is positioned",
			files: map[string]string{"bad.json": "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\"\n  \"metadata\": {}\n}\n"},
			args:  []string{"bad.json"},
			want:  []string{"error: bad.json:4:3: invalid JSON: invalid character '\"' after object key:value pair @ bad.json:1"},
		},
		{
			name:  "a document that is not a mapping",
			files: map[string]string{"list.yaml": "- a\n- b\n"},
			args:  []string{"list.yaml"},
			want:  []string{"error: list.yaml:1: expected a Kubernetes object (a mapping), got a list @ list.yaml:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			for n, c := range tt.files {
				write(t, sub, n, c)
			}
			t.Chdir(sub)
			var lines []string
			for _, g := range readAll(t, tt.args, tt.stdin, Options{}) {
				lines = append(lines, g.String())
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(lines, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestKustomize(t *testing.T) {
	t.Chdir("testdata")
	tests := []struct {
		name string
		args []string
		opts Options
		want []string
	}{
		{name: "overlay with a patch", args: []string{"kustomize/overlay"}, want: []string{"Deployment prod/prod-web @ kustomize:kustomize/overlay"}},
		{name: "folder holding kustomizations is rendered, not walked", args: []string{"kustomize"}, want: []string{"Deployment /web @ kustomize:kustomize/base", "Deployment prod/prod-web @ kustomize:kustomize/overlay"}},
		{name: "remote bases are not fetched", args: []string{"remote"}, want: []string{`error: remote: kustomization.yaml refers to the remote resource "https://github.com/example/repo//deploy?ref=v1"; edict audit does not fetch remote bases (vendor it or render it first) @ kustomize:remote`}},
		{name: "bases outside the root are refused", args: []string{"kustomize/overlay"}, opts: Options{Root: "kustomize/overlay"}, want: []string{"error: kustomize/overlay: kustomization.yaml refers to \"../base\", outside "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			for _, g := range readAll(t, tt.args, "", tt.opts) {
				lines = append(lines, g.String())
			}
			joined := strings.Join(lines, "\n")
			want := strings.Join(tt.want, "\n")
			if joined != want && !(strings.HasSuffix(want, "outside ") && strings.HasPrefix(joined, want)) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(lines, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestStdinIsReadTwice(t *testing.T) {
	in, err := Open([]string{"-"}, strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for pass := range 2 {
		n := 0
		if err := in.Walk(context.Background(), func(d Document) bool { n += len(Decode(d)); return true }); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("pass %d read %d objects", pass, n)
		}
	}
}

func TestLimits(t *testing.T) {
	dir := t.TempDir()
	big := write(t, dir, "big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: "+strings.Repeat("x", 2000)+"\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: small}\n")
	got := readAll(t, []string{big}, "", Options{MaxDocument: 1000})
	if len(got) != 2 || !strings.Contains(got[0].what, "larger than 1000 bytes") || got[1].what != "Pod /small" {
		t.Fatalf("got %v", got)
	}
	if _, err := Open([]string{filepath.Join(dir, "missing.yaml")}, nil, Options{}); err == nil {
		t.Fatal("a missing input was accepted")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{multiDoc, kubectlList, jsonList, "{", "- a", "apiVersion: v1\nkind: List\nitems: [1, {a: b}]\n", "a: &x [*x]\n", "--- {a: 1}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := Open([]string{p}, nil, Options{MaxDocument: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		_ = in.Walk(context.Background(), func(d Document) bool {
			for _, it := range Decode(d) {
				if it.Object == nil && it.Err == nil && it.Skip == "" {
					t.Fatalf("empty item from %q", data)
				}
				if it.Err != nil && !strings.HasPrefix(it.Err.Error(), p) {
					t.Fatalf("error without its file: %v", it.Err)
				}
				_ = fmt.Sprint(it.Source)
			}
			return true
		})
	})
}
