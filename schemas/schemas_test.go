package schemas

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/target"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Every embedded schema must compile, carry the $id edict resolves it by, and
// be reachable by kind in any letter case.
func TestSchemasCompile(t *testing.T) {
	kinds := Kinds()
	for _, want := range []string{"initiative", "initiativetest", "policy"} {
		if !strings.Contains(strings.Join(kinds, ","), want) {
			t.Errorf("Kinds() = %v, lacks %s", kinds, want)
		}
	}
	for _, k := range kinds {
		raw, err := Get(strings.ToUpper(k))
		if err != nil {
			t.Fatalf("Get(%s): %v", k, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if id, _ := doc.(map[string]any)["$id"].(string); id != URL(k) {
			t.Errorf("%s: $id %q, want %q", k, id, URL(k))
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(URL(k), doc); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Compile(URL(k)); err != nil {
			t.Errorf("%s does not compile: %v", k, err)
		}
	}
	if _, err := Get("Nope"); err == nil || !strings.Contains(err.Error(), "known: ") {
		t.Errorf("unknown kind: %v", err)
	}
}

// The schemas' effect enum is what editors offer; it must be exactly the
// effects the compiler knows, so a new effect cannot validate in one place
// and be refused in the other.
func TestEffectEnumMatchesCompiler(t *testing.T) {
	for _, kind := range []string{"initiative", "policy"} {
		raw, err := Get(kind)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Defs map[string]struct {
				Enum []string `json:"enum"`
			} `json:"$defs"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range rendered.Effects() {
			want = append(want, string(e))
		}
		got := slices.Sorted(slices.Values(doc.Defs["effect"].Enum))
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s schema effect enum = %v, want %v", kind, got, want)
		}
	}
}

// spec.gatekeeper offers editors exactly the releases edict builds for.
func TestGatekeeperEnumMatchesTargets(t *testing.T) {
	raw, err := Get("initiative")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties struct {
			Spec struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"spec"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range target.All() {
		want = append(want, g.String())
	}
	if got := doc.Properties.Spec.Properties["gatekeeper"].Enum; !slices.Equal(got, want) {
		t.Errorf("spec.gatekeeper enum = %v, want %v", got, want)
	}
}
