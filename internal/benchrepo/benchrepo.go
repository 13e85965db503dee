// Package benchrepo generates the policy repository of the build benchmarks:
// n policies and m initiatives, each initiative using every policy with its
// own parameters plus a second use of every tenth policy. The benchmarks and
// `make bench-compare` build the same shape, so their numbers compare.
package benchrepo

import (
	"fmt"
	"strings"
	"testing/fstest"
)

const policy = `apiVersion: edict.dev/v1alpha1
kind: Policy
metadata:
  name: NAME
spec:
  version: 1.0.0
  title: Generated labels policy
  constraintKind: KIND
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
  effect: warn
  exclusions: [images, containers]
  parameters:
    type: object
    properties:
      labels:
        type: array
        default: [owner]
        items: {type: string}
      maxCount:
        type: integer
        default: 3
`

const rego = `package PACKAGE

import data.lib.demo

violation contains {"msg": msg} if {
	some l in input.parameters.labels
	not input.review.object.metadata.labels[l]
	msg := demo.message(l)
}
`

const lib = `package lib.demo

message(l) := sprintf("missing label %s", [l])
`

// Constraints is the number of constraints one initiative of a repository
// with n policies renders.
func Constraints(n int) int { return n + (n+9)/10 }

// Initiative is the path of the j-th initiative.
func Initiative(j int) string { return fmt.Sprintf("initiatives/team-%02d.yaml", j) }

// Generate returns the repository of n policies and m initiatives.
func Generate(n, m int) fstest.MapFS {
	fsys := fstest.MapFS{"lib/demo.rego": {Data: []byte(lib)}}
	for i := range n {
		name := fmt.Sprintf("gen-policy-%03d", i)
		pol := strings.NewReplacer("NAME", name, "KIND", fmt.Sprintf("GenPolicy%03d", i)).Replace(policy)
		fsys["policies/"+name+"/policy.yaml"] = &fstest.MapFile{Data: []byte(pol)}
		fsys["policies/"+name+"/policy.rego"] = &fstest.MapFile{Data: []byte(strings.Replace(rego, "PACKAGE", fmt.Sprintf("gen.p%03d", i), 1))}
	}
	for j := range m {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team-%02d\nspec:\n  version: 1.0.%d\n  defaults:\n    effect: deny\n    match: {excludedNamespaces: [kube-system, gatekeeper-system]}\n  policies:\n", j, j)
		for i := range n {
			fmt.Fprintf(&b, "    gen-policy-%03d:\n      parameters: {labels: [owner, team-%02d], maxCount: %d}\n", i, j, i%7)
			if i%10 == 0 {
				fmt.Fprintf(&b, "    second-%03d:\n      policy: gen-policy-%03d\n      effect: warn\n      match: {namespaces: [prod-*]}\n", i, i)
			}
		}
		fsys[Initiative(j)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}
