package library

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"

	"sigs.k8s.io/yaml"
)

// The Azure mapping table is data, not code, so that the importer and the
// documentation read one source and a new library policy adds a row, not a
// branch.
//
//go:embed azure-mapping.yaml
var azureMappingYAML []byte

// Translation kinds of an Azure parameter (see azure-mapping.yaml).
const (
	TranslateRename     = "rename"     // the same value under edict's name
	TranslateUnwrap     = "unwrap"     // {Field: [...]} -> [...]
	TranslateImageRegex = "imageRegex" // a regular expression -> image prefixes
	TranslatePortList   = "portList"   // ["80", "3000-3005"] -> [80, 3000, ...]
	TranslateFixed      = "fixed"      // edict always behaves as Value
	TranslateDropped    = "dropped"    // no equivalent
)

var translationKinds = []string{TranslateRename, TranslateUnwrap, TranslateImageRegex, TranslatePortList, TranslateFixed, TranslateDropped}

// AzureParameter says how one parameter of an Azure definition becomes an
// edict parameter.
type AzureParameter struct {
	To     string `json:"to,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Field  string `json:"field,omitempty"`
	Value  any    `json:"value,omitempty"`
	Reason string `json:"reason,omitempty"`
	Caveat string `json:"caveat,omitempty"`
	// Default is Azure's default in Azure's shape, recorded only where it
	// differs from the edict policy's: an import without a value keeps
	// Azure's behaviour.
	Default any `json:"default,omitempty"`
}

// HasDefault reports whether the row records an Azure default (which may
// itself be an empty list).
func (p AzureParameter) HasDefault() bool { return p.Default != nil }

// AzureDefinition is one row of the table: an Azure built-in Kubernetes
// definition (for some of its major versions) and its edict counterpart.
type AzureDefinition struct {
	ID          string                    `json:"id"`
	DisplayName string                    `json:"displayName"`
	File        string                    `json:"file,omitempty"`
	Versions    []int                     `json:"versions,omitempty"`
	Effect      string                    `json:"effect,omitempty"`
	Policy      string                    `json:"policy,omitempty"`
	Unsupported string                    `json:"unsupported,omitempty"`
	Caveat      string                    `json:"caveat,omitempty"`
	Set         map[string]any            `json:"set,omitempty"`
	Parameters  map[string]AzureParameter `json:"parameters,omitempty"`
}

// DefaultEffect is Azure's default effect for the definition.
func (d *AzureDefinition) DefaultEffect() string {
	if d.Effect == "" {
		return "Audit"
	}
	return d.Effect
}

// AzureMappingTable is the parsed azure-mapping.yaml.
type AzureMappingTable struct {
	// ExcludedNamespaces is Azure's default for excludedNamespaces.
	ExcludedNamespaces []string          `json:"excludedNamespaces"`
	Definitions        []AzureDefinition `json:"definitions"`
}

var (
	azureOnce  sync.Once
	azureTable *AzureMappingTable
	azureErr   error
)

// AzureMapping returns the embedded table, parsed once.
func AzureMapping() (*AzureMappingTable, error) {
	azureOnce.Do(func() { azureTable, azureErr = ParseAzureMapping(azureMappingYAML) })
	return azureTable, azureErr
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ParseAzureMapping decodes and checks a mapping table. Unknown fields are
// errors, so a misspelt key cannot silently drop a translation.
func ParseAzureMapping(data []byte) (*AzureMappingTable, error) {
	var t AzureMappingTable
	if err := yaml.UnmarshalStrict(data, &t); err != nil {
		return nil, fmt.Errorf("azure-mapping.yaml: %w", err)
	}
	if len(t.Definitions) == 0 {
		return nil, errors.New("azure-mapping.yaml: no definitions")
	}
	var errs []error
	seen := map[string][]int{} // id -> majors claimed; -1 for every version
	for i := range t.Definitions {
		d := &t.Definitions[i]
		at := fmt.Sprintf("azure-mapping.yaml: definitions[%d] (%s)", i, d.ID)
		if !guid.MatchString(d.ID) {
			errs = append(errs, fmt.Errorf("%s: id must be a lowercase GUID", at))
		}
		if d.DisplayName == "" {
			errs = append(errs, fmt.Errorf("%s: displayName is required", at))
		}
		if (d.Policy == "") == (d.Unsupported == "") {
			errs = append(errs, fmt.Errorf("%s: give exactly one of policy and unsupported", at))
		}
		if d.Unsupported != "" && (len(d.Parameters) > 0 || len(d.Set) > 0) {
			errs = append(errs, fmt.Errorf("%s: an unsupported definition has no parameters or set", at))
		}
		switch d.Effect {
		case "", "Audit", "Deny", "Disabled":
		default:
			errs = append(errs, fmt.Errorf("%s: effect %q, want Audit, Deny or Disabled", at, d.Effect))
		}
		claimed := d.Versions
		if len(claimed) == 0 {
			claimed = []int{-1}
		}
		for _, v := range claimed {
			for _, prev := range seen[d.ID] {
				if prev == v || prev == -1 || v == -1 {
					errs = append(errs, fmt.Errorf("%s: a second row for the same id and version", at))
				}
			}
		}
		seen[d.ID] = append(seen[d.ID], claimed...)
		for name, p := range d.Parameters {
			if err := checkAzureParameter(p); err != nil {
				errs = append(errs, fmt.Errorf("%s: parameters.%s: %w", at, name, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &t, nil
}

func checkAzureParameter(p AzureParameter) error {
	kind := p.Kind
	if kind == "" {
		kind = TranslateRename
	}
	if !slices.Contains(translationKinds, kind) {
		return fmt.Errorf("kind %q, want one of %v", p.Kind, translationKinds)
	}
	switch kind {
	case TranslateFixed:
		if p.Value == nil || p.To != "" {
			return errors.New("a fixed parameter has a value and no to")
		}
	case TranslateDropped:
		if p.Reason == "" || p.To != "" {
			return errors.New("a dropped parameter has a reason and no to")
		}
	default:
		if p.To == "" {
			return fmt.Errorf("kind %s needs to: the edict parameter", kind)
		}
	}
	if (kind == TranslateUnwrap) != (p.Field != "") {
		return errors.New("field is given with kind unwrap, and only then")
	}
	return nil
}

// Lookup returns the row for a definition id at a major version; major < 0
// means the version is not pinned, and Azure then uses the newest version,
// so the row with the highest major listed wins.
func (t *AzureMappingTable) Lookup(id string, major int) (*AzureDefinition, bool) {
	var best *AzureDefinition
	bestMajor := -2
	for i := range t.Definitions {
		d := &t.Definitions[i]
		if d.ID != id {
			continue
		}
		if len(d.Versions) == 0 {
			return d, true
		}
		if major >= 0 {
			if slices.Contains(d.Versions, major) {
				return d, true
			}
			continue
		}
		if m := slices.Max(d.Versions); m > bestMajor {
			best, bestMajor = d, m
		}
	}
	return best, best != nil
}

// Known reports whether the table has any row for the id.
func (t *AzureMappingTable) Known(id string) bool {
	for i := range t.Definitions {
		if t.Definitions[i].ID == id {
			return true
		}
	}
	return false
}
