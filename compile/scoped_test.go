package compile

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
)

// TestScopedEnforcement: per-point effects render as Gatekeeper's scoped
// actions, are recorded in bundle.json, and Gatekeeper's engine, reviewing
// for the CI point as edict test and edict audit do, applies the CI effect.
func TestScopedEnforcement(t *testing.T) {
	pod := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "namespace": "app"},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
	}}
	tests := []struct {
		name     string
		ref      string
		action   string // the constraint's enforcementAction; "" renders none
		scoped   []any
		recorded map[string]rendered.Effect
		ciAction string // what a review for the CI point reports; "" for nothing
	}{
		{"deny in CI, warn at admission, audit always", "{effect: warn, enforcement: {ci: deny, audit: audit}}", "scoped",
			[]any{
				map[string]any{"action": "deny", "enforcementPoints": []any{map[string]any{"name": "gator.gatekeeper.sh"}}},
				map[string]any{"action": "dryrun", "enforcementPoints": []any{map[string]any{"name": "audit.gatekeeper.sh"}}},
				map[string]any{"action": "warn", "enforcementPoints": []any{map[string]any{"name": "validation.gatekeeper.sh"}}},
			},
			map[string]rendered.Effect{"admission": "warn", "audit": "audit", "ci": "deny"}, "deny"},
		{"off in CI", "{effect: deny, enforcement: {ci: disabled}}", "scoped",
			[]any{map[string]any{"action": "deny", "enforcementPoints": []any{
				map[string]any{"name": "audit.gatekeeper.sh"}, map[string]any{"name": "validation.gatekeeper.sh"}}}},
			map[string]rendered.Effect{"admission": "deny", "audit": "deny"}, ""},
		{"the same everywhere is not scoped", "{effect: warn, enforcement: {ci: warn}}", "warn", nil, nil, "warn"},
		{"off everywhere renders nothing", "{effect: deny, enforcement: {admission: disabled, audit: disabled, ci: disabled}}", "", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: " + tt.ref + "\n")})
			out, err := build(t, fsys, "i.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if tt.action == "" {
				if len(out.Constraints) != 0 {
					t.Fatalf("rendered %d constraints", len(out.Constraints))
				}
				return
			}
			spec := out.Constraints[0].Object["spec"].(map[string]any)
			if spec["enforcementAction"] != tt.action {
				t.Errorf("enforcementAction %v, want %s", spec["enforcementAction"], tt.action)
			}
			if got := spec["scopedEnforcementActions"]; !reflect.DeepEqual(got, tt.scoped) && (got != nil || tt.scoped != nil) {
				t.Errorf("scopedEnforcementActions\n got %#v\nwant %#v", got, tt.scoped)
			}
			if got := out.Policies[0].Enforcement; !reflect.DeepEqual(got, tt.recorded) {
				t.Errorf("bundle.json enforcement %v, want %v", got, tt.recorded)
			}
			eng, err := engine.Load(context.Background(), out)
			if err != nil {
				t.Fatalf("Gatekeeper's engine refuses the constraint: %v", err)
			}
			vs, err := eng.Review(context.Background(), pod)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(vs) > 0 {
				got = vs[0].EnforcementAction
			}
			if got != tt.ciAction {
				t.Errorf("review at the CI point: %q (%+v), want %q", got, vs, tt.ciAction)
			}
		})
	}
}

// A misspelt enforcement point or an unknown effect at a point is refused
// at its line, with the nearest name suggested; it never builds as if the
// point were not there.
func TestScopedEnforcementTypos(t *testing.T) {
	tests := []struct{ ref, want string }{
		{"{effect: warn, enforcement: {admision: deny}}", `enforcement.admision: unknown field (did you mean "admission"?)`},
		{"{effect: warn, enforcement: {ci: block}}", "enforcement.ci"},
		{"{effect: warn, enforcement: [ci]}", "enforcement"},
	}
	for _, tt := range tests {
		fsys := repo(map[string]string{"i.yaml": initiative("  policies:\n    demo-labels: " + tt.ref + "\n")})
		_, err := build(t, fsys, "i.yaml")
		if err == nil || !input.IsInputError(err) || !strings.Contains(err.Error(), "i.yaml:8:") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want an input error at i.yaml:8 naming %q", tt.ref, err, tt.want)
		}
	}
}
