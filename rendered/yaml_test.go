package rendered

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// roundTrip marshals v and reads it back the way bundle readers do
// (sigs.k8s.io/yaml, YAML 1.1 rules).
func roundTrip(t *testing.T, v map[string]any) ([]byte, map[string]any) {
	t.Helper()
	out, err := MarshalYAML(v)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out, back
}

func TestMarshalYAMLRoundTrip(t *testing.T) {
	strs := []string{
		"", "plain", "yes", "on", "No", "y", "-1", "0755", "1e3", "1_000", "12:30", "null", "~", "true",
		" leading", "trailing ", "a: b", "#comment", "- item", "{x}", "[x]", "*alias", "&anchor", "!tag", "%d", "@x", "`x`",
		"quote's", `double"`, "back\\slash", "tab\there", "unicode é ☃",
		"two\nlines", "ends\nwith newline\n", "ends with two\n\n", "\nleading newline", "  indented\nfirst line",
		"trailing space \non a line", "package x\n\nviolation contains {\"msg\": msg} if {\n\tmsg := \"a\\tb\"\n}\n",
	}
	for _, s := range strs {
		v := map[string]any{"s": s, "list": []any{s, map[string]any{"k": s}}}
		out, back := roundTrip(t, v)
		if !reflect.DeepEqual(back, v) {
			t.Errorf("%q did not survive:\n%s\nread back %#v", s, out, back)
		}
	}
	// Numbers, booleans and null keep their JSON types.
	v := map[string]any{"i": int64(-3), "f": 0.5, "b": false, "n": nil, "big": int64(1) << 53}
	if _, back := roundTrip(t, v); back["f"] != 0.5 || back["b"] != false || back["n"] != nil || back["i"] != float64(-3) || back["big"] != float64(1<<53) {
		t.Errorf("scalars read back as %#v", back)
	}
}

// TestMarshalYAMLBlockScalars pins the layout: multi-line strings as literal
// blocks, sorted keys, sequences flush under their key.
func TestMarshalYAMLBlockScalars(t *testing.T) {
	rego := "package k8sedictx\n\nviolation contains {\"msg\": msg} if {\n\tmsg := \"denied\"\n}\n"
	obj := map[string]any{
		"spec": map[string]any{"targets": []any{map[string]any{
			"target": "admission.k8s.gatekeeper.sh",
			"code":   []any{map[string]any{"engine": "Rego", "source": map[string]any{"version": "v1", "rego": rego}}},
		}}},
		"metadata":   map[string]any{"annotations": map[string]any{"argocd.argoproj.io/sync-wave": "-1"}},
		"apiVersion": "templates.gatekeeper.sh/v1",
	}
	out, err := MarshalYAML(obj)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: templates.gatekeeper.sh/v1
metadata:
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
spec:
  targets:
  - code:
    - engine: Rego
      source:
        rego: |
          package k8sedictx

          violation contains {"msg": msg} if {
          	msg := "denied"
          }
        version: v1
    target: admission.k8s.gatekeeper.sh
`
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	again, _ := MarshalYAML(obj)
	if string(again) != string(out) {
		t.Error("two renderings differ")
	}
}

func FuzzMarshalYAMLRoundTrip(f *testing.F) {
	for _, s := range []string{"plain", "yes", "a\nb\n", " x\n y", "trailing \nspace", "\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // JSON strings are UTF-8; Kubernetes objects cannot carry anything else
		}
		v := map[string]any{"s": s}
		out, err := MarshalYAML(v)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if back["s"] != s {
			t.Fatalf("%q read back as %q from\n%s", s, back["s"], out)
		}
	})
}
