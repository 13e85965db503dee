package azureimport

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParseJSON: the loader never panics, accepts exactly what encoding/json
// accepts (duplicate keys and over-deep nesting aside, which it refuses),
// reads the same values, and every position it records lies in the file.
func FuzzParseJSON(f *testing.F) {
	for _, n := range []string{"baseline-set.json", "assignments.json", "exemptions.json"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "azure", n)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"a": [1, 2.5, "x", true, null, {"b": {}}]}`))
	f.Add([]byte(`{"a": 1, "a": 2}`))
	f.Add([]byte("\xef\xbb\xbf[{\"properties\": {}}]"))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseJSON("f.json", data)
		var want any
		stdErr := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &want)
		if err != nil {
			if stdErr == nil && !bytes.Contains(data, []byte(`"`)) && !bytes.Contains(data, []byte("[[[[")) && !bytes.Contains(data, []byte("{{")) {
				// Only duplicate keys (which need a quote) and deep nesting
				// may be refused where encoding/json accepts.
				t.Fatalf("refused valid JSON %q: %v", data, err)
			}
			return
		}
		if stdErr != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, stdErr)
		}
		if !reflect.DeepEqual(asFloat(d.value), asFloat(want)) {
			t.Fatalf("values differ: %#v vs %#v", d.value, want)
		}
		for p, off := range d.at {
			if off < 0 || off > len(d.data) {
				t.Fatalf("offset %d of %s outside the file", off, p)
			}
		}
		objs, _ := objects(d)
		for _, o := range objs {
			classify(o)
			_ = paramDefs(o)
			_ = members(o)
			_ = o.loc().String()
		}
	})
}

// asFloat turns int64 into float64, as encoding/json decodes numbers.
func asFloat(v any) any {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = asFloat(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = asFloat(e)
		}
		return out
	}
	return v
}

// FuzzEval: expressions never panic and never run away.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"[parameters('effect')]",
		"[parameters('allowedHostPaths').paths]",
		"[if(equals(parameters('effect'), 'Disabled'), 'Disabled', 'Audit')]",
		"[concat(createArray('a', 'b'), parameters('list'))]",
		"[[not an expression]",
		"[createArray(1, 2)[5]]",
		"[toLower(concat('A', 1))]",
	} {
		f.Add(s)
	}
	params := map[string]any{
		"effect":           "Deny",
		"allowedHostPaths": map[string]any{"paths": []any{}},
		"list":             []any{"c"},
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = evalValue(s, func(name string) (any, error) {
			if v, ok := lookupKey(params, name); ok {
				return v, nil
			}
			return nil, &exprError{"no " + name}
		})
	})
}

func TestEval(t *testing.T) {
	params := map[string]any{
		"effect":           "Deny",
		"allowedHostPaths": map[string]any{"paths": []any{"x"}},
		"list":             []any{"c"},
	}
	lookup := func(name string) (any, error) {
		if v, ok := lookupKey(params, name); ok {
			return v, nil
		}
		return nil, &exprError{"no parameter " + name}
	}
	tests := []struct {
		in      string
		want    any
		wantErr string
	}{
		{"[parameters('effect')]", "Deny", ""},
		{"[parameters('EFFECT')]", "Deny", ""},
		{"[parameters('allowedHostPaths').paths]", []any{"x"}, ""},
		{"[if(equals(parameters('effect'), 'Deny'), 'Audit', 'Deny')]", "Audit", ""},
		{"[concat(createArray('a', 'b'), parameters('list'))]", []any{"a", "b", "c"}, ""},
		{"[concat('it''s ', 'x')]", "it's x", ""},
		{"[[parameters('effect')]", "[parameters('effect')]", ""},
		{"plain", "plain", ""},
		{"[parameters('allowedHostPaths').ranges]", nil, `no property "ranges"`},
		{"[subscription().id]", nil, "function subscription() is not supported"},
		{"[parameters('nope')]", nil, "no parameter nope"},
		{"[parameters('effect')", "[parameters('effect')", ""},
		{"[if(true(), 1)]", nil, "takes 3 argument(s)"},
	}
	for _, tt := range tests {
		got, err := evalValue(tt.in, lookup)
		if tt.wantErr != "" {
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
				t.Errorf("%s: err %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestRegexPrefixes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`^contoso\.azurecr\.io/.+$`, []string{"contoso.azurecr.io/"}},
		{`^(contoso\.azurecr\.io|mcr\.microsoft\.com)/.+$`, []string{"contoso.azurecr.io/", "mcr.microsoft.com/"}},
		{`^(contoso\.azurecr\.io|contosodev\.azurecr\.io)\/.*$`, []string{"contoso.azurecr.io/", "contosodev.azurecr.io/"}},
		{`^[^\/]+\.azurecr\.io\/.+$`, nil},  // any ACR: no prefix list says that
		{`contoso\.azurecr\.io/.+`, nil},    // not anchored
		{`^contoso\.azurecr\.io/app$`, nil}, // one image, not a prefix
		{`^(.+){0}$`, nil},
		{`^(?i)contoso\.io/.+$`, nil},
	}
	for _, tt := range tests {
		got, err := regexPrefixes(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s: %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestDNSName(t *testing.T) {
	for in, want := range map[string]string{
		"NoPrivilegedContainers":                "no-privileged-containers",
		"BlockUsingHostProcessIDAndIPC":         "block-using-host-process-id-and-ipc",
		"memoryAndCPULimitsInKubernetesCluster": "memory-and-cpu-limits-in-kubernetes-cluster",
		"Contoso required labels (v2)":          "contoso-required-labels-v2",
		"--":                                    "",
		"a1b2":                                  "a1b2",
		"Kubernetes cluster pod security baseline standards for Linux-based workloads": "kubernetes-cluster-pod-security-baseline-standards-for-linux-ba",
	} {
		if got := dnsName(in); got != want {
			t.Errorf("dnsName(%q) = %q, want %q", in, got, want)
		}
	}
}
