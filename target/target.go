// Package target knows the Gatekeeper releases edict builds bundles for:
// which OPA each runs, which template and constraint features it has, and
// which Rego builtins its OPA offers. compile asks it whether a bundle fits
// a target; everything else only reads and prints a target.
package target

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Gatekeeper is a Gatekeeper minor release, 3.<Minor>. Patch releases do
// not change what a bundle may contain, so targets are minors.
type Gatekeeper struct {
	Minor int
}

// The supported range. Gatekeeper itself supports its newest two minors;
// edict goes back to 3.17, the first with scopedEnforcementActions and CEL
// on by default, because managed offerings lag upstream.
var (
	Oldest = Gatekeeper{17}
	Newest = Gatekeeper{23}
	// Default is the oldest release that runs the Rego v1 edict's policies
	// are written in without translation.
	Default = Gatekeeper{19}
)

// opaVersions is the OPA each minor's first release embeds (the oldest
// OPA of the minor, so a builtin check is never too generous).
var opaVersions = map[int]string{
	17: "v0.67.0",
	18: "v0.68.0",
	19: "v1.3.0",
	20: "v1.5.1",
	21: "v1.10.0",
	22: "v1.13.2",
	23: "v1.17.1",
}

var versionPattern = regexp.MustCompile(`^v?3\.(\d+)(\.\d+)?$`)

// Parse reads "3.20", "v3.20" or "3.20.1" and checks the release is
// supported.
func Parse(s string) (Gatekeeper, error) {
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return Gatekeeper{}, fmt.Errorf("Gatekeeper version %q: expected a release such as %s", s, Default)
	}
	minor, err := strconv.Atoi(m[1])
	if err != nil {
		return Gatekeeper{}, fmt.Errorf("Gatekeeper version %q: %w", s, err)
	}
	g := Gatekeeper{minor}
	if g.Less(Oldest) || Newest.Less(g) {
		return Gatekeeper{}, fmt.Errorf("Gatekeeper %s is not supported: edict builds for %s to %s", g, Oldest, Newest)
	}
	return g, nil
}

// All lists the supported releases, oldest first.
func All() []Gatekeeper {
	var out []Gatekeeper
	for m := Oldest.Minor; m <= Newest.Minor; m++ {
		out = append(out, Gatekeeper{m})
	}
	return out
}

func (g Gatekeeper) String() string         { return fmt.Sprintf("3.%d", g.Minor) }
func (g Gatekeeper) IsZero() bool           { return g.Minor == 0 }
func (g Gatekeeper) Less(o Gatekeeper) bool { return g.Minor < o.Minor }

// OPA is the OPA version the release embeds.
func (g Gatekeeper) OPA() string { return opaVersions[g.Minor] }

// Feature is something a bundle may use that not every release has.
type Feature struct {
	Name  string
	Since Gatekeeper
}

// The features edict renders, with the first release that has each.
var (
	// RegoV1 is source.version: "v1" in a template's code; older targets
	// get the same policy formatted as Rego v0 with `import rego.v1`.
	RegoV1 = Feature{`Rego v1 templates (code[].source.version: "v1")`, Gatekeeper{19}}
	// ScopedActions is enforcementAction: scoped with per-enforcement-point actions.
	ScopedActions = Feature{"scopedEnforcementActions", Gatekeeper{17}}
)

// Has reports whether the release has f.
func (g Gatekeeper) Has(f Feature) bool { return !g.Less(f.Since) }

// Require is an error naming f and its first release when g lacks it.
func (g Gatekeeper) Require(f Feature) error {
	if g.Has(f) {
		return nil
	}
	return fmt.Errorf("%s needs Gatekeeper %s or newer; the target is %s", f.Name, f.Since, g)
}

var (
	capsMu sync.Mutex
	caps   = map[int]map[string]bool{}
)

// Builtins is the set of Rego builtin names the release's OPA offers.
func (g Gatekeeper) Builtins() (map[string]bool, error) {
	capsMu.Lock()
	defer capsMu.Unlock()
	if b, ok := caps[g.Minor]; ok {
		return b, nil
	}
	v := g.OPA()
	if v == "" {
		return nil, fmt.Errorf("Gatekeeper %s is not supported", g)
	}
	c, err := ast.LoadCapabilitiesVersion(v)
	if err != nil {
		return nil, fmt.Errorf("capabilities of OPA %s (Gatekeeper %s): %w", v, g, err)
	}
	b := make(map[string]bool, len(c.Builtins))
	for _, bi := range c.Builtins {
		b[bi.Name] = true
	}
	caps[g.Minor] = b
	return b, nil
}

// BuiltinSince is the first supported release whose OPA offers the
// builtin name, if any does.
func BuiltinSince(name string) (Gatekeeper, bool) {
	for _, g := range All() {
		if b, err := g.Builtins(); err == nil && b[name] {
			return g, true
		}
	}
	return Gatekeeper{}, false
}

// Max is the newest of gs (the zero Gatekeeper when gs is empty).
func Max(gs ...Gatekeeper) Gatekeeper {
	var out Gatekeeper
	for _, g := range gs {
		if out.Less(g) {
			out = g
		}
	}
	return out
}
