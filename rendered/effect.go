package rendered

import "slices"

// Effect is what an initiative asks Gatekeeper to do with a reference's
// violations. It is the one home of the effect vocabulary: its default, the
// enforcementAction each effect renders to, the outcome initiative tests
// name, and the order from admitting everything to denying.
type Effect string

// The effects an initiative may give a reference.
const (
	EffectDeny     Effect = "deny"
	EffectWarn     Effect = "warn"
	EffectAudit    Effect = "audit"
	EffectDisabled Effect = "disabled"
)

// DefaultEffect is the effect of a policy or reference that names none:
// report, but never block, so adding a policy cannot take a cluster down.
const DefaultEffect = EffectAudit

// effects lists every effect, from admitting everything to denying; its
// order is Rank.
var effects = []struct {
	effect  Effect
	action  string // Gatekeeper enforcementAction; empty renders no constraint
	outcome string // InitiativeTest outcome name
}{
	{EffectDisabled, "", ""},
	{EffectAudit, "dryrun", "audited"},
	{EffectWarn, "warn", "warned"},
	{EffectDeny, "deny", "denied"},
}

// Effects returns every effect, from admitting everything to denying.
func Effects() []Effect {
	out := make([]Effect, len(effects))
	for i, e := range effects {
		out[i] = e.effect
	}
	return out
}

// OrDefault is e, or DefaultEffect when e is empty.
func (e Effect) OrDefault() Effect {
	if e == "" {
		return DefaultEffect
	}
	return e
}

// Valid reports whether e is one of the known effects.
func (e Effect) Valid() bool { return e.Rank() >= 0 }

// Rank orders effects: disabled 0, audit 1, warn 2, deny 3; -1 when unknown.
func (e Effect) Rank() int {
	for i, x := range effects {
		if x.effect == e {
			return i
		}
	}
	return -1
}

// EnforcementAction is the Gatekeeper enforcementAction e renders to; empty
// for disabled (no constraint) and for unknown effects.
func (e Effect) EnforcementAction() string {
	if i := e.Rank(); i >= 0 {
		return effects[i].action
	}
	return ""
}

// OutcomeOfAction maps a Gatekeeper enforcementAction back to the outcome an
// InitiativeTest names (denied, warned, audited). An action edict never
// renders is returned as it is, so a test report shows it rather than
// hiding it.
func OutcomeOfAction(action string) string {
	for _, x := range effects {
		if x.action != "" && x.action == action {
			return x.outcome
		}
	}
	return action
}

// Outcomes lists the InitiativeTest outcome names, from denying to auditing.
func Outcomes() []string {
	var out []string
	for _, x := range slices.Backward(effects) {
		if x.outcome != "" {
			out = append(out, x.outcome)
		}
	}
	return out
}

// Enforcement points an initiative may give their own effect, by the short
// name initiatives use, with Gatekeeper's name for each.
var enforcementPoints = []struct{ name, gatekeeper string }{
	{"admission", "validation.gatekeeper.sh"},
	{"audit", "audit.gatekeeper.sh"},
	{"ci", "gator.gatekeeper.sh"},
	{"vap", "vap.k8s.io"},
}

// DefaultPoints are the points a constraint without per-point effects is
// enforced at by Gatekeeper and edict: the webhook, the audit and CI (gator,
// and edict test and audit). vap.k8s.io only serves CEL templates.
var DefaultPoints = []string{"admission", "audit", "ci"}

// EnforcementPoints lists the short names of the enforcement points.
func EnforcementPoints() []string {
	out := make([]string, len(enforcementPoints))
	for i, p := range enforcementPoints {
		out[i] = p.name
	}
	return out
}

// GatekeeperPoint is Gatekeeper's name of the enforcement point name
// ("ci" → "gator.gatekeeper.sh"), or "" for an unknown name.
func GatekeeperPoint(name string) string {
	for _, p := range enforcementPoints {
		if p.name == name {
			return p.gatekeeper
		}
	}
	return ""
}

// ActionRank orders Gatekeeper enforcement actions by how hard they stop a
// change: none 0, dryrun 1, warn 2, deny 3.
func ActionRank(action string) int {
	for i, x := range effects {
		if x.action != "" && x.action == action {
			return i
		}
	}
	return 0
}
