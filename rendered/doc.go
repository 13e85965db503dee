// Package rendered is the typed model of a rendered bundle: the
// ConstraintTemplates, Constraints, ExpansionTemplates and kustomizations an
// initiative renders to, each an object carrying the path it is written to
// and the YAML bytes made for it once, plus bundle.json (Index) with the
// constraint → reference → policy index.
//
// The compiler produces a Bundle; the bundle package writes, archives, signs
// and reads it; the engine loads it; audit, diff and explain read it. The
// package is a leaf: it imports neither Gatekeeper nor the Kubernetes API, so
// that everything which only moves bundles around stays small.
//
// Objects hold JSON-typed values only (map[string]any, []any, string, int64,
// float64, bool, nil): the form Kubernetes' unstructured objects require.
package rendered
