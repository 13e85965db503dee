package compile

// Output is one rendered bundle: every file of dist/<Name>/ except bundle.json
// and bundle.sig, which the bundle package adds. Files maps slash-separated
// paths relative to the bundle root to their exact bytes.
type Output struct {
	Name        string            // initiative name; the bundle folder name
	Version     string            // initiative spec.version
	Description string            // initiative spec.description or title
	Files       map[string][]byte // templates/, constraints/, kustomization.yaml files
	Inputs      []Input           // source files that went in, sorted by Path
	Policies    []ResolvedRef     // one entry per reference, sorted by Ref
	Warnings    []string          // non-fatal findings (exemptions expiring soon)
}

// Input is a source file that contributed to the bundle.
type Input struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// ResolvedRef records the settings a reference resolved to, for bundle.json
// and for reviewers diffing two builds.
type ResolvedRef struct {
	Ref               string         `json:"ref"`
	Policy            string         `json:"policy"`
	PolicyVersion     string         `json:"policyVersion"`
	Template          string         `json:"template"`
	Effect            string         `json:"effect"`
	EnforcementAction string         `json:"enforcementAction,omitempty"` // empty when disabled
	Constraint        string         `json:"constraint,omitempty"`        // constraint name; empty when disabled
	Match             map[string]any `json:"match,omitempty"`
	Parameters        map[string]any `json:"parameters,omitempty"`
}
