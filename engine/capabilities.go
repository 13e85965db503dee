package engine

import (
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ForbiddenBuiltins are the Rego builtins a Gatekeeper policy must not call,
// with the reason shown to the author: network and runtime access from
// admission is a denial-of-service and exfiltration risk that Gatekeeper
// disables, so a policy using them would pass its tests and fail in the
// cluster - and, run by edict in a pull-request job, would reach the
// network or the runner from code anyone can propose. The same set applies
// everywhere edict compiles or evaluates Rego: templates and their
// libraries, suites, initiative tests and Rego unit tests.
var ForbiddenBuiltins = map[string]string{
	"http.send":              "Gatekeeper disables network builtins; use external data providers instead",
	"net.lookup_ip_addr":     "Gatekeeper policies must not do DNS lookups",
	"opa.runtime":            "not available in Gatekeeper",
	"rego.parse_module":      "not available in Gatekeeper",
	"trace":                  "use print() for debugging",
	"providers.aws.sign_req": "not available in Gatekeeper",
}

func forbiddenNames() []string {
	names := make([]string, 0, len(ForbiddenBuiltins))
	for n := range ForbiddenBuiltins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Capabilities is OPA's capability set without ForbiddenBuiltins: a module
// calling one of them does not compile. Each call returns a fresh copy.
func Capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	kept := c.Builtins[:0]
	for _, b := range c.Builtins {
		if _, bad := ForbiddenBuiltins[b.Name]; !bad {
			kept = append(kept, b)
		}
	}
	c.Builtins = kept
	return c
}
