package target

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Gatekeeper
		err  string
	}{
		{"3.20", Gatekeeper{20}, ""},
		{"v3.17", Gatekeeper{17}, ""},
		{"3.23.1", Gatekeeper{23}, ""},
		{"3.16", Gatekeeper{}, "not supported: edict builds for 3.17 to 3.23"},
		{"3.24", Gatekeeper{}, "not supported"},
		{"4.0", Gatekeeper{}, "expected a release such as 3.19"},
		{"", Gatekeeper{}, "expected a release"},
		{"3.x", Gatekeeper{}, "expected a release"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// Every supported release has an OPA whose capabilities ship with the OPA
// module edict links, and builtins only ever get added across releases.
func TestBuiltinsGrow(t *testing.T) {
	var prev map[string]bool
	for _, g := range All() {
		b, err := g.Builtins()
		if err != nil {
			t.Fatalf("%s: %v", g, err)
		}
		if !b["sprintf"] || !b["startswith"] {
			t.Errorf("%s lacks core builtins", g)
		}
		for name := range prev {
			if !b[name] {
				t.Errorf("%s lost builtin %s", g, name)
			}
		}
		prev = b
	}
}

func TestBuiltinSince(t *testing.T) {
	if g, ok := BuiltinSince("sprintf"); !ok || g != Oldest {
		t.Errorf("sprintf since %v %v, want %v", g, ok, Oldest)
	}
	if _, ok := BuiltinSince("no.such.builtin"); ok {
		t.Error("an unknown builtin has a release")
	}
	// Some builtin arrived after the oldest target; its release is later.
	old, _ := Oldest.Builtins()
	newest, _ := Newest.Builtins()
	var later []string
	for name := range newest {
		if !old[name] {
			later = append(later, name)
		}
	}
	if len(later) == 0 {
		t.Fatal("no builtin arrived between the oldest and newest target")
	}
	slices.Sort(later)
	g, ok := BuiltinSince(later[0])
	if !ok || !Oldest.Less(g) {
		t.Errorf("%s since %v, want a release after %v", later[0], g, Oldest)
	}
	t.Logf("builtins added after %s: %v", Oldest, later)
}

func TestFeatures(t *testing.T) {
	if err := (Gatekeeper{18}).Require(RegoV1); err == nil || !strings.Contains(err.Error(), "needs Gatekeeper 3.19 or newer; the target is 3.18") {
		t.Errorf("3.18 RegoV1: %v", err)
	}
	if err := (Gatekeeper{19}).Require(RegoV1); err != nil {
		t.Errorf("3.19 RegoV1: %v", err)
	}
	if !Default.Has(RegoV1) || Default.Less(Oldest) || Newest.Less(Default) {
		t.Errorf("the default %s must be supported and run Rego v1", Default)
	}
	if got := Max(Gatekeeper{17}, Gatekeeper{21}, Gatekeeper{19}); got != (Gatekeeper{21}) {
		t.Errorf("Max = %v", got)
	}
}
