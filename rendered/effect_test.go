package rendered

import (
	"slices"
	"testing"
)

func TestEffects(t *testing.T) {
	tests := []struct {
		effect  Effect
		valid   bool
		rank    int
		action  string
		outcome string
	}{
		{EffectDisabled, true, 0, "", ""},
		{EffectAudit, true, 1, "dryrun", "audited"},
		{EffectWarn, true, 2, "warn", "warned"},
		{EffectDeny, true, 3, "deny", "denied"},
		{"Deny", false, -1, "", ""},
		{"", false, -1, "", ""},
	}
	for _, tt := range tests {
		if got := tt.effect.Valid(); got != tt.valid {
			t.Errorf("%q.Valid() = %v, want %v", tt.effect, got, tt.valid)
		}
		if got := tt.effect.Rank(); got != tt.rank {
			t.Errorf("%q.Rank() = %d, want %d", tt.effect, got, tt.rank)
		}
		if got := tt.effect.EnforcementAction(); got != tt.action {
			t.Errorf("%q.EnforcementAction() = %q, want %q", tt.effect, got, tt.action)
		}
		if tt.action != "" {
			if got := OutcomeOfAction(tt.action); got != tt.outcome {
				t.Errorf("OutcomeOfAction(%q) = %q, want %q", tt.action, got, tt.outcome)
			}
		}
	}
	if got := OutcomeOfAction("scoped"); got != "scoped" {
		t.Errorf("an unknown action must be shown as it is, got %q", got)
	}
	if got := Effect("").OrDefault(); got != EffectAudit {
		t.Errorf("default effect = %q, want audit", got)
	}
	if got := Outcomes(); !slices.Equal(got, []string{"denied", "warned", "audited"}) {
		t.Errorf("Outcomes() = %v", got)
	}
	if got := EffectDeny.OrDefault(); got != EffectDeny {
		t.Errorf("OrDefault changed a set effect: %q", got)
	}
}
