// Package bundle is the rendered bundle on disk and as an OCI artifact: the
// folder layout and its bundle.json index, the reproducible archive, signing
// and verification, and pushing to and pulling from registries.
package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/edict-policy/edict/compile"
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
	APIVersion  string                `json:"apiVersion"`
	Kind        string                `json:"kind"`
	Name        string                `json:"name"`
	Version     string                `json:"version"`
	Description string                `json:"description,omitempty"`
	Inputs      []compile.Input       `json:"inputs"`
	Policies    []compile.ResolvedRef `json:"policies"`
	Files       []File                `json:"files"`
}

// File is one bundle file with its digest.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// NewIndex computes the index for a rendered bundle. It rejects file paths
// that could not be written safely or that would collide with the index.
func NewIndex(out *compile.Output) (*Index, error) {
	if out == nil {
		return nil, errors.New("bundle: no compiler output")
	}
	paths, err := checkPaths(out.Files)
	if err != nil {
		return nil, err
	}
	idx := &Index{
		APIVersion:  APIVersion,
		Kind:        Kind,
		Name:        out.Name,
		Version:     out.Version,
		Description: out.Description,
		Inputs:      append([]compile.Input{}, out.Inputs...),
		Policies:    append([]compile.ResolvedRef{}, out.Policies...),
		Files:       make([]File, 0, len(paths)),
	}
	sort.Slice(idx.Inputs, func(i, j int) bool { return idx.Inputs[i].Path < idx.Inputs[j].Path })
	sort.Slice(idx.Policies, func(i, j int) bool { return idx.Policies[i].Ref < idx.Policies[j].Ref })
	for _, p := range paths {
		data := out.Files[p]
		idx.Files = append(idx.Files, File{Path: p, SHA256: sha256Hex(data), Size: int64(len(data))})
	}
	return idx, nil
}

// checkPaths validates bundle file paths and returns them sorted.
func checkPaths(files map[string][]byte) ([]string, error) {
	paths, err := sortedTreePaths(files)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	for _, p := range paths {
		if !fs.ValidPath(p) || p == "." || strings.Contains(p, `\`) {
			return nil, fmt.Errorf("bundle: invalid file path %q", p)
		}
		if p == IndexFile || p == SignatureFile {
			return nil, fmt.Errorf("bundle: %s is reserved for the bundle index", p)
		}
	}
	return paths, nil
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

// ReadIndex reads and checks bundle.json at the root of fsys.
func ReadIndex(fsys fs.FS) (*Index, error) {
	data, err := fs.ReadFile(fsys, IndexFile)
	if err != nil {
		return nil, fmt.Errorf("read bundle index: %w", err)
	}
	return ParseIndex(data)
}

// ParseIndex decodes bundle.json bytes.
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

// VerifyFiles checks that fsys holds exactly the files idx lists, with their
// recorded digests and sizes; bundle.json and bundle.sig may be present too.
func VerifyFiles(fsys fs.FS, idx *Index) error {
	found := map[string]File{}
	var problems []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || p == IndexFile || p == SignatureFile {
			return nil
		}
		if !d.Type().IsRegular() {
			problems = append(problems, p+": not a regular file")
			return nil
		}
		sum, size, err := hashFile(fsys, p)
		if err != nil {
			return err
		}
		found[p] = File{Path: p, SHA256: sum, Size: size}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check bundle files: %w", err)
	}
	return compareFiles(idx, found, problems)
}

// verifyFileMap is VerifyFiles for a bundle held in memory.
func verifyFileMap(files map[string][]byte, idx *Index) error {
	found := make(map[string]File, len(files))
	for p, b := range files {
		if p == IndexFile || p == SignatureFile {
			continue
		}
		found[p] = File{Path: p, SHA256: sha256Hex(b), Size: int64(len(b))}
	}
	return compareFiles(idx, found, nil)
}

func compareFiles(idx *Index, found map[string]File, problems []string) error {
	listed := make(map[string]bool, len(idx.Files))
	for _, want := range idx.Files {
		listed[want.Path] = true
		got, ok := found[want.Path]
		switch {
		case !ok && !containsPrefix(problems, want.Path+":"):
			problems = append(problems, want.Path+": missing")
		case !ok:
		case got.SHA256 != want.SHA256 || got.Size != want.Size:
			problems = append(problems, fmt.Sprintf("%s: sha256 %s does not match %s recorded in %s (tampered)", want.Path, got.SHA256, want.SHA256, IndexFile))
		}
	}
	for p := range found {
		if !listed[p] {
			problems = append(problems, p+": not listed in "+IndexFile)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return &VerifyError{Reason: "bundle files do not match " + IndexFile, Problems: problems}
	}
	return nil
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func hashFile(fsys fs.FS, p string) (string, int64, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
