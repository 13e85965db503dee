package rendered

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

const (
	// IndexFile is the bundle index at the bundle root.
	IndexFile = "bundle.json"
	// SignatureFile holds the base64 signature over IndexFile.
	SignatureFile = "bundle.sig"

	// APIVersion and Kind identify a bundle index.
	APIVersion = "edict.dev/v1alpha1"
	Kind       = "Bundle"
)

// Index is the content of bundle.json. Its file list covers every file of the
// bundle except the index itself and its signature, so a signature over the
// index covers the whole bundle.
type Index struct {
	APIVersion  string `json:"apiVersion"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
	// Contents is set on a bundle that is not an initiative's: "templates"
	// for a templates bundle.
	Contents string `json:"contents,omitempty"`
	// Gatekeeper is the oldest Gatekeeper release the bundle runs on
	// ("3.19"); EdictVersion is the edict that built it. Bundles from
	// before they were recorded leave them empty.
	Gatekeeper   string      `json:"gatekeeper,omitempty"`
	EdictVersion string      `json:"edictVersion,omitempty"`
	Inputs       []Input     `json:"inputs"`
	Policies     []Reference `json:"policies"`
	Files        []File      `json:"files"`
}

// Input is a source file that contributed to the bundle.
type Input struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Reference records what one reference of the initiative resolved to: the
// link from a constraint (Template is its lowercase kind, Constraint its
// name) to the reference id and the policy.
type Reference struct {
	Ref               string `json:"ref"`
	Policy            string `json:"policy"`
	PolicyVersion     string `json:"policyVersion"`
	Template          string `json:"template"`
	Effect            Effect `json:"effect"`
	EnforcementAction string `json:"enforcementAction,omitempty"` // empty when disabled; "scoped" with per-point effects
	// Enforcement holds the effect of each enforcement point when they
	// differ (rendered as enforcementAction: scoped), keyed by short name.
	Enforcement map[string]Effect `json:"enforcement,omitempty"`
	Constraint  string            `json:"constraint,omitempty"` // constraint name; empty when disabled
	Match       map[string]any    `json:"match,omitempty"`
	Parameters  map[string]any    `json:"parameters,omitempty"`
}

// File is one bundle file with its digest.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// InvalidError reports input that is not a usable bundle, key or reference:
// the caller's mistake rather than a failed check.
type InvalidError struct {
	Reason string
}

func (e *InvalidError) Error() string { return e.Reason }

// Index computes bundle.json for the bundle. It rejects file paths that
// could not be written safely or that would collide with the index.
func (b *Bundle) Index() (*Index, error) {
	files := b.Files()
	paths := make([]string, len(files))
	for i, m := range files {
		paths[i] = m.Path
	}
	if err := CheckPaths(paths); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	idx := &Index{
		APIVersion:   APIVersion,
		Kind:         Kind,
		Name:         b.Name,
		Version:      b.Version,
		Description:  b.Description,
		Contents:     b.Contents,
		Gatekeeper:   b.Gatekeeper,
		EdictVersion: b.EdictVersion,
		Inputs:       slices.Clone(b.Inputs),
		Policies:     slices.Clone(b.Policies),
		Files:        make([]File, 0, len(files)),
	}
	if idx.Inputs == nil {
		idx.Inputs = []Input{}
	}
	if idx.Policies == nil {
		idx.Policies = []Reference{}
	}
	slices.SortFunc(idx.Inputs, func(x, y Input) int { return strings.Compare(x.Path, y.Path) })
	slices.SortStableFunc(idx.Policies, func(x, y Reference) int { return strings.Compare(x.Ref, y.Ref) })
	for _, m := range files {
		idx.Files = append(idx.Files, File{Path: m.Path, SHA256: SHA256(m.Data), Size: int64(len(m.Data))})
	}
	return idx, nil
}

// CheckPaths checks that paths (sorted) can be written as one folder: each
// is a clean relative slash path, none repeats, none is reserved for the
// index, and no file is also the folder of another.
func CheckPaths(paths []string) error {
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		if !fs.ValidPath(p) || p == "." || strings.Contains(p, `\`) {
			return fmt.Errorf("invalid file path %q", p)
		}
		if p == IndexFile || p == SignatureFile {
			return fmt.Errorf("%s is reserved for the bundle index", p)
		}
		if seen[p] {
			return fmt.Errorf("%s is rendered twice", p)
		}
		seen[p] = true
	}
	return CheckTree(seen)
}

// CheckTree checks that no path of the set is also the folder of another
// (such a set cannot be written to disk).
func CheckTree[V any](files map[string]V) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		// Stop at "/" too, so that an absolute path cannot loop forever.
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			if _, ok := files[d]; ok {
				return fmt.Errorf("%s is both a file and the folder of %s", d, p)
			}
		}
	}
	return nil
}

// Marshal encodes the index the one way it is ever written: sorted, two-space
// indented, with a trailing newline, so identical bundles have identical bytes.
func (idx *Index) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(idx); err != nil {
		return nil, fmt.Errorf("encode %s: %w", IndexFile, err)
	}
	return buf.Bytes(), nil
}

// ParseIndex decodes and checks bundle.json bytes.
func ParseIndex(data []byte) (*Index, error) {
	var idx Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&idx); err != nil {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s is not valid JSON: %v", IndexFile, err)}
	}
	if idx.APIVersion != APIVersion || idx.Kind != Kind {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s: expected apiVersion %s and kind %s, got %q and %q",
			IndexFile, APIVersion, Kind, idx.APIVersion, idx.Kind)}
	}
	if idx.Contents != "" && idx.Contents != ContentsTemplates {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s: contents %q is not understood by this edict (expected %q or none); upgrade edict", IndexFile, idx.Contents, ContentsTemplates)}
	}
	seen := make(map[string]bool, len(idx.Files))
	for _, f := range idx.Files {
		if !fs.ValidPath(f.Path) || f.Path == "." || f.Path == IndexFile || f.Path == SignatureFile {
			return nil, &InvalidError{Reason: fmt.Sprintf("%s lists an invalid path %q", IndexFile, f.Path)}
		}
		if seen[f.Path] {
			return nil, &InvalidError{Reason: fmt.Sprintf("%s lists %s twice", IndexFile, f.Path)}
		}
		seen[f.Path] = true
	}
	return &idx, nil
}

// SHA256 is the hex digest bundle.json records for a file.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
