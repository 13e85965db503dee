package compile

import (
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
)

// APIVersion is the apiVersion of every edict file.
const APIVersion = "edict.dev/v1alpha1"

// Metadata is the part of metadata edict reads.
type Metadata struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Match is a Gatekeeper constraint match block. Fields left nil are not set.
type Match struct {
	Kinds              []MatchKind    `json:"kinds,omitempty"`
	Scope              string         `json:"scope,omitempty"`
	Namespaces         []string       `json:"namespaces,omitempty"`
	ExcludedNamespaces []string       `json:"excludedNamespaces,omitempty"`
	LabelSelector      map[string]any `json:"labelSelector,omitempty"`
	NamespaceSelector  map[string]any `json:"namespaceSelector,omitempty"`
	Name               string         `json:"name,omitempty"`
	Source             string         `json:"source,omitempty"`
}

// MatchKind selects resources by API group and kind.
type MatchKind struct {
	APIGroups []string `json:"apiGroups,omitempty"`
	Kinds     []string `json:"kinds,omitempty"`
}

// Policy is a policy folder: policy.yaml plus its Rego.
type Policy struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   Metadata   `json:"metadata"`
	Spec       PolicySpec `json:"spec"`

	// Dir is the folder within its file system; BuiltIn marks the embedded library.
	Dir     string `json:"-"`
	BuiltIn bool   `json:"-"`
	// Rego is policy.rego; Tests are the *_test.rego files beside it.
	Rego  string            `json:"-"`
	Tests map[string]string `json:"-"`
	raw   []byte            // policy.yaml as read, for input hashes
	doc   *input.Document
}

// PolicySpec is the spec of a Policy.
type PolicySpec struct {
	Version        string          `json:"version"`
	Title          string          `json:"title"`
	Description    string          `json:"description,omitempty"`
	Controls       []string        `json:"controls,omitempty"`
	ConstraintKind string          `json:"constraintKind"`
	Match          *Match          `json:"match,omitempty"`
	Effect         rendered.Effect `json:"effect,omitempty"`
	Exclusions     []string        `json:"exclusions,omitempty"`
	SyncData       []SyncKind      `json:"syncData,omitempty"`
	Parameters     map[string]any  `json:"parameters,omitempty"`
}

// SyncKind is a kind a referential policy reads from data.inventory, which
// Gatekeeper fills only with the kinds a SyncSet (or its Config) replicates.
type SyncKind struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// TemplateName is the ConstraintTemplate name Gatekeeper requires: the
// lowercase constraint kind.
func (p *Policy) TemplateName() string { return lower(p.Spec.ConstraintKind) }

// Initiative is an initiative file.
type Initiative struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Spec       InitiativeSpec `json:"spec"`

	// File is the path the initiative was loaded from; BuiltIn marks embedded ones.
	File    string `json:"-"`
	BuiltIn bool   `json:"-"`
	raw     []byte // the file as read, for input hashes
	doc     *input.Document
}

// InitiativeSpec is the spec of an Initiative.
type InitiativeSpec struct {
	Version     string                `json:"version"`
	Title       string                `json:"title,omitempty"`
	Description string                `json:"description,omitempty"`
	Extends     string                `json:"extends,omitempty"`
	Gatekeeper  string                `json:"gatekeeper,omitempty"`
	Defaults    Defaults              `json:"defaults,omitempty"`
	Policies    map[string]*Reference `json:"policies,omitempty"`
	Exemptions  []Exemption           `json:"exemptions,omitempty"`
	// Acknowledgements accept findings of `edict lint` on purpose.
	Acknowledgements []Acknowledgement `json:"acknowledgements,omitempty"`
}

// Acknowledgement accepts the findings of one lint rule that the initiative
// means: for the references it names (every reference when it names none),
// with the reason a reviewer reads.
type Acknowledgement struct {
	Rule       string   `json:"rule"`
	References []string `json:"references,omitempty"`
	Reason     string   `json:"reason"`
}

// Defaults apply to every reference of an initiative.
type Defaults struct {
	Effect      rendered.Effect            `json:"effect,omitempty"`
	Enforcement map[string]rendered.Effect `json:"enforcement,omitempty"`
	Match       *Match                     `json:"match,omitempty"`
	Exclusions  *Exclusions                `json:"exclusions,omitempty"`
}

// Exclusions are cross-policy exclusions, honoured by every policy that
// declares support for them.
type Exclusions struct {
	Images     []string `json:"images,omitempty"`
	Containers []string `json:"containers,omitempty"`
}

// Reference is one use of a policy in an initiative, keyed by reference id.
type Reference struct {
	Policy      string                     `json:"policy,omitempty"`
	Effect      rendered.Effect            `json:"effect,omitempty"`
	Enforcement map[string]rendered.Effect `json:"enforcement,omitempty"`
	Match       *Match                     `json:"match,omitempty"`
	Parameters  map[string]any             `json:"parameters,omitempty"`
}

// Exemption is a time-boxed, owned exception for some references in some namespaces.
type Exemption struct {
	Policies   []string `json:"policies"`
	Namespaces []string `json:"namespaces"`
	Reason     string   `json:"reason"`
	Owner      string   `json:"owner"`
	Expires    string   `json:"expires"`
}

// DirectionKey is the parameter schema annotation saying which way a list
// parameter goes: "allowlist" (its items admit; adding one loosens) or
// "denylist" (its items restrict; adding one tightens). edict diff reads it.
const DirectionKey = "x-edict-direction"
