// Package lint finds settings of a resolved initiative that build and pass
// their tests and still lock up a cluster or switch a control off: deny
// reaching kube-system, an image allow-list left empty, a wildcard in an
// allow-list, an exemption for every namespace or for years. It reads the
// resolved initiative (compile.Plan), never the disk, and points each
// finding at the setting that decides it.
//
// An initiative accepts a finding on purpose in spec.acknowledgements,
// naming the rule, the references (all when left out) and a reason. A
// parent's acknowledgement covers what the parent set, not what a child
// changes.
package lint

import (
	"slices"
	"strings"
	"time"
)

// Severity says how a finding is treated when it is not acknowledged.
type Severity string

const (
	// Warning is printed; `--strict` turns it into an error.
	Warning Severity = "warning"
	// Error is a setting that cannot be what was meant: it always fails.
	Error Severity = "error"
)

// Rule is one check, with an id that stays stable across releases.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Summary is one line; Why explains the risk; Fix says what to do.
	Summary string `json:"summary"`
	Why     string `json:"why"`
	Fix     string `json:"fix"`
	// Acknowledgeable is false for rules about acknowledgements themselves.
	Acknowledgeable bool `json:"acknowledgeable"`
}

// Rule ids.
const (
	SystemNamespaceEnforced = "system-namespace-enforced"
	SystemNamespaceDropped  = "system-namespace-exclusion-dropped"
	AllowlistEmpty          = "allowlist-empty"
	AllowlistAllowsAll      = "allowlist-allows-all"
	ExclusionMatchesAll     = "exclusion-matches-all"
	ExemptionAllNamespaces  = "exemption-all-namespaces"
	ExemptionLongLived      = "exemption-long-lived"
	ControlDisabled         = "control-disabled"
	RangeInverted           = "range-inverted"
	AcknowledgementUnused   = "acknowledgement-unused"
)

// maxExemption is how far ahead an exemption may expire before it counts
// as lasting years rather than being time-boxed.
const maxExemption = 366 * 24 * time.Hour

// SystemNamespaces are the namespaces a denying constraint must not reach
// unless that is meant: the control plane's add-ons and Gatekeeper itself.
var SystemNamespaces = []string{"kube-system", "gatekeeper-system"}

var rules = []Rule{
	{
		ID: SystemNamespaceEnforced, Severity: Warning, Acknowledgeable: true,
		Summary: "effect deny reaches kube-system or gatekeeper-system",
		Why:     "A constraint that denies Pods in kube-system or in Gatekeeper's own namespace can stop DNS, CNI or Gatekeeper from being restarted, and the cluster from healing itself.",
		Fix:     "Exclude them (defaults.match.excludedNamespaces: [kube-system, gatekeeper-system, ...]), limit match.namespaces, or acknowledge the rule. A match.namespaceSelector or scope: Cluster is not judged.",
	},
	{
		ID: SystemNamespaceDropped, Severity: Warning, Acknowledgeable: true,
		Summary: "a list of excluded namespaces replaces its parent's and leaves out a system namespace",
		Why:     "A list given at a lower level replaces the whole list above it, so an initiative that adds azure-arc to excludedNamespaces without repeating kube-system starts enforcing in kube-system.",
		Fix:     "Repeat the parent's system namespaces in the new list, or acknowledge the rule.",
	},
	{
		ID: AllowlistEmpty, Severity: Warning, Acknowledgeable: true,
		Summary: "effect deny with an allow-list that admits no Pod",
		Why:     "Every Pod has an image, so an allow-list of image prefixes (format image-prefix) that is empty denies every Pod the reference reaches; so does an ID rule MustRunAs (runAsUserRule and the like) whose ranges are empty.",
		Fix:     "List the allowed registries or ID ranges, or use effect audit while the list is built.",
	},
	{
		ID: AllowlistAllowsAll, Severity: Warning, Acknowledgeable: true,
		Summary: "an allow-list admits everything (*, ALL, or the path /)",
		Why:     "A wildcard in an allow-list (allowedCapabilities: [\"*\"], allowedHostPaths: [{pathPrefix: /}]) makes the control check nothing while it still looks enforced.",
		Fix:     "List what is needed, or set effect: disabled so that the control is visibly off.",
	},
	{
		ID: ExclusionMatchesAll, Severity: Warning, Acknowledgeable: true,
		Summary: "excludedNamespaces or the image exclusions contain *",
		Why:     "match.excludedNamespaces: [\"*\"] leaves the constraint no namespace, and exclusions.images: [\"*\"] excludes every container: the control is off.",
		Fix:     "Name the namespaces or image prefixes to exclude.",
	},
	{
		ID: ExemptionAllNamespaces, Severity: Warning, Acknowledgeable: true,
		Summary: "an exemption covers every namespace (\"*\")",
		Why:     "An exemption for namespaces [\"*\"] switches its references off everywhere, behind a field that reads as an exception.",
		Fix:     "Name the namespaces that need the exemption, or disable the references.",
	},
	{
		ID: ExemptionLongLived, Severity: Warning, Acknowledgeable: true,
		Summary: "an exemption expires more than a year from now",
		Why:     "Exemptions are time-boxed so that someone reviews them; one that lasts years is a permanent hole.",
		Fix:     "Set expires within a year and renew it when it comes due.",
	},
	{
		ID: ControlDisabled, Severity: Warning, Acknowledgeable: true,
		Summary: "a reference its parent enforces is disabled",
		Why:     "effect: disabled (on the reference or in defaults) renders no constraint, so a control of the parent initiative quietly disappears.",
		Fix:     "Acknowledge the rule with the reason, or keep the reference at audit.",
	},
	{
		ID: RangeInverted, Severity: Error, Acknowledgeable: true,
		Summary: "a range's minimum is above its maximum",
		Why:     "A range such as minPort 8000, maxPort 80 (or {min: 100, max: 1}) admits nothing, which denies what it was meant to allow.",
		Fix:     "Swap the two values.",
	},
	{
		ID: AcknowledgementUnused, Severity: Warning, Acknowledgeable: false,
		Summary: "an acknowledgement matches no finding",
		Why:     "A stale acknowledgement would silently accept the next risky change of the same kind.",
		Fix:     "Remove the acknowledgement, or narrow it to the references that need it.",
	},
}

// Rules lists every rule, sorted by id.
func Rules() []Rule {
	out := slices.Clone(rules)
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Lookup returns the rule with an id.
func Lookup(id string) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// AcknowledgeableIDs lists the ids an initiative may acknowledge, sorted.
func AcknowledgeableIDs() []string {
	var out []string
	for _, r := range Rules() {
		if r.Acknowledgeable {
			out = append(out, r.ID)
		}
	}
	return out
}
