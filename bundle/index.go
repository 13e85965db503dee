// Package bundle is the rendered bundle on disk and as an OCI artifact: the
// folder layout and its bundle.json index, the reproducible archive, signing
// and verification, and pushing to and pulling from registries.
//
// Commands that read a bundle (audit, diff, explain) call one function,
//
//	func Open(ctx context.Context, ref string, opts OpenOptions) (*rendered.Bundle, error)
//
// with ref a bundle folder, a bundle archive, an OCI image layout folder
// (path[:tag|@digest]) or oci://host/repository[:tag|@digest], and
// opts.Key a public key when the signature must verify.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/edict-policy/edict/rendered"
)

// The bundle index and its signature, at the bundle root.
const (
	IndexFile     = rendered.IndexFile
	SignatureFile = rendered.SignatureFile
)

// ReadIndex reads and checks bundle.json at the root of fsys.
func ReadIndex(fsys fs.FS) (*rendered.Index, error) {
	data, err := fs.ReadFile(fsys, IndexFile)
	if err != nil {
		return nil, fmt.Errorf("read bundle index: %w", err)
	}
	return rendered.ParseIndex(data)
}

// VerifyFiles checks that fsys holds exactly the files idx lists, with their
// recorded digests and sizes; bundle.json and bundle.sig may be present too.
func VerifyFiles(fsys fs.FS, idx *rendered.Index) error {
	found := map[string]rendered.File{}
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
		found[p] = rendered.File{Path: p, SHA256: sum, Size: size}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check bundle files: %w", err)
	}
	return compareFiles(idx, found, problems)
}

// verifyFileMap is VerifyFiles for a bundle held in memory.
func verifyFileMap(files map[string][]byte, idx *rendered.Index) error {
	found := make(map[string]rendered.File, len(files))
	for p, b := range files {
		if p == IndexFile || p == SignatureFile {
			continue
		}
		found[p] = rendered.File{Path: p, SHA256: rendered.SHA256(b), Size: int64(len(b))}
	}
	return compareFiles(idx, found, nil)
}

func compareFiles(idx *rendered.Index, found map[string]rendered.File, problems []string) error {
	listed := make(map[string]bool, len(idx.Files))
	for _, want := range idx.Files {
		listed[want.Path] = true
		got, ok := found[want.Path]
		switch {
		case !ok && !containsPrefix(problems, want.Path+":"):
			problems = append(problems, want.Path+": missing")
		case !ok:
		case got.SHA256 != want.SHA256:
			problems = append(problems, fmt.Sprintf("%s: sha256 %s does not match %s recorded in %s (tampered)", want.Path, got.SHA256, want.SHA256, IndexFile))
		case got.Size != want.Size:
			problems = append(problems, fmt.Sprintf("%s: %d bytes, but %s records %d (tampered)", want.Path, got.Size, IndexFile, want.Size))
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
