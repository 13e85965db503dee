package bundle

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/signature"
	"oras.land/oras-go/v2"

	"github.com/edict-policy/edict/atomicwrite"
	"github.com/edict-policy/edict/rendered"
)

// VerifyResult describes a verified artifact or bundle folder.
type VerifyResult struct {
	Reference string `json:"reference"`
	Digest    string `json:"digest,omitempty"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Files     int    `json:"files"`
	// Gatekeeper is the oldest Gatekeeper release the bundle runs on and
	// EdictVersion the edict that built it, as bundle.json records them.
	Gatekeeper   string `json:"gatekeeper,omitempty"`
	EdictVersion string `json:"edictVersion,omitempty"`
	// Contents is "templates" for a templates bundle.
	Contents   string         `json:"contents,omitempty"`
	Signatures []SignatureRef `json:"signatures,omitempty"` // the signatures that verified
	Signed     bool           `json:"signed"`
}

// Fetched is an artifact read from a registry or layout, checked against
// its bundle.json and, when a key was given, its signature.
type Fetched struct {
	VerifyResult
	Content map[string][]byte // bundle path → bytes, bundle.json included
}

// Fetch resolves loc, checks the signature with v (skipped when v is nil),
// downloads the single layer within lim, unpacks it in memory refusing
// unsafe entries, and checks every file against bundle.json.
func (r *Remote) Fetch(ctx context.Context, loc *Location, v signature.Verifier, lim Limits) (*Fetched, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	t, err := r.openSource(ctx, loc)
	if err != nil {
		return nil, registryError(loc, "open", err)
	}
	var f *Fetched
	err = r.withRetry(ctx, func() error {
		var err error
		f, err = fetchVerified(ctx, t, loc, v, lim, r.newBudget())
		return err
	})
	if err != nil {
		return nil, registryError(loc, "fetch", err)
	}
	return f, nil
}

func fetchVerified(ctx context.Context, t oras.ReadOnlyTarget, loc *Location, v signature.Verifier, lim Limits, b *budget) (*Fetched, error) {
	desc, err := resolveLocation(ctx, t, loc, b)
	if err != nil {
		return nil, err
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return nil, &VerifyError{Reason: fmt.Sprintf("%s is a %s, not an OCI image manifest", loc, desc.MediaType)}
	}
	raw, err := b.fetch(ctx, t, desc, "manifest", maxMetadataBytes)
	if err != nil {
		return nil, err
	}
	_, layer, err := parseArtifactManifest(raw)
	if err != nil {
		return nil, err
	}
	f := &Fetched{VerifyResult: VerifyResult{Reference: loc.At(desc.Digest), Digest: desc.Digest.String()}}
	if v != nil {
		refs, err := verifyArtifactSignatures(ctx, t, loc, desc, v, b)
		if err != nil {
			return nil, err
		}
		f.Signatures, f.Signed = refs, true
	}
	// The fetch checks the layer's size and digest against the signed manifest.
	data, err := b.fetch(ctx, t, layer, "layer", lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	files, err := ReadArchive(bytes.NewReader(data), lim)
	if err != nil {
		return nil, err
	}
	idxRaw, ok := files[IndexFile]
	if !ok {
		return nil, &VerifyError{Reason: "the artifact has no " + IndexFile + ": not an edict bundle"}
	}
	idx, err := rendered.ParseIndex(idxRaw)
	if err != nil {
		return nil, &VerifyError{Reason: err.Error()}
	}
	if err := verifyFileMap(files, idx); err != nil {
		return nil, err
	}
	f.Content = files
	f.Name, f.Version, f.Files = idx.Name, idx.Version, len(idx.Files)
	f.Gatekeeper, f.EdictVersion, f.Contents = idx.Gatekeeper, idx.EdictVersion, idx.Contents
	return f, nil
}

// verifyArtifactSignatures checks every cosign signature stored for desc
// (legacy tag and Sigstore bundle referrers) and succeeds when one verifies.
func verifyArtifactSignatures(ctx context.Context, t oras.ReadOnlyTarget, loc *Location, desc ocispec.Descriptor, v signature.Verifier, b *budget) ([]SignatureRef, error) {
	var ok []SignatureRef
	var problems []string
	tag := LegacySignatureTag(desc.Digest)
	legacy, err := fetchLegacySignatures(ctx, t, tag, b)
	if err != nil {
		return nil, err
	}
	for _, l := range legacy {
		if err := verifyLegacyLayer(v, l.desc, l.data, desc.Digest); err != nil {
			problems = append(problems, fmt.Sprintf("legacy signature %s: %v", l.desc.Digest.Encoded()[:12], err))
			continue
		}
		ok = append(ok, SignatureRef{Format: FormatLegacy, Reference: loc.Name() + ":" + tag})
		break
	}
	bundles, err := fetchBundleSignatures(ctx, t, desc, b)
	if err != nil {
		return nil, err
	}
	for _, b := range bundles {
		if err := verifySigstoreBundle(v, b.data, desc.Digest); err != nil {
			problems = append(problems, fmt.Sprintf("Sigstore bundle %s: %v", b.manifest.Encoded()[:12], err))
			continue
		}
		ok = append(ok, SignatureRef{Format: FormatBundle, Reference: loc.At(b.manifest)})
		break
	}
	if len(ok) > 0 {
		return ok, nil
	}
	if len(legacy) == 0 && len(bundles) == 0 {
		reason := fmt.Sprintf("unsigned: no cosign signature found for %s (looked for tag %s and Sigstore bundle referrers)", desc.Digest, tag)
		if len(loc.Tags) == 1 {
			reason += "; if it was signed before, the tag " + loc.Tags[0] + " may have moved to an unsigned artifact"
		}
		return nil, &VerifyError{Reason: reason}
	}
	wrongKey := true
	for _, p := range problems {
		if !strings.Contains(p, errWrongKey.Error()) {
			wrongKey = false
		}
	}
	reason := "no signature verifies"
	if wrongKey {
		reason = "wrong key: the artifact is signed, but not with this key"
	}
	return nil, &VerifyError{Reason: reason, Problems: problems}
}

// VerifyFolder checks a bundle folder: bundle.sig against bundle.json with
// v, then every file against bundle.json.
func VerifyFolder(dir string, v signature.Verifier) (*VerifyResult, error) {
	fsys := os.DirFS(dir)
	raw, err := fs.ReadFile(fsys, IndexFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &InvalidError{Reason: fmt.Sprintf("%s is not a bundle folder: %s is missing", dir, IndexFile)}
		}
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, IndexFile), err)
	}
	idx, err := rendered.ParseIndex(raw)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{Reference: dir, Name: idx.Name, Version: idx.Version, Files: len(idx.Files), Gatekeeper: idx.Gatekeeper, EdictVersion: idx.EdictVersion, Contents: idx.Contents}
	if v != nil {
		sig, err := fs.ReadFile(fsys, SignatureFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &VerifyError{Reason: fmt.Sprintf("unsigned: %s has no %s (build with --sign-key or run edict sign)", dir, SignatureFile)}
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, SignatureFile), err)
		}
		if err := VerifyBlob(v, raw, sig); err != nil {
			return nil, err
		}
		res.Signed = true
		res.Signatures = []SignatureRef{{Format: "blob", Reference: filepath.Join(dir, SignatureFile)}}
	}
	if err := VerifyFiles(fsys, idx); err != nil {
		return nil, err
	}
	return res, nil
}

// VerifyBlob checks bundle.sig's content against data: one base64
// signature per line, one line per key (a single line is exactly what cosign
// sign-blob writes and verify-blob reads). Any line that v verifies is enough.
func VerifyBlob(v signature.Verifier, data, sigFile []byte) error {
	lines := signatureLines(sigFile)
	if len(lines) == 0 {
		return &VerifyError{Reason: SignatureFile + " is empty"}
	}
	var notBase64 error
	for _, line := range lines {
		sig, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			notBase64 = err
			continue
		}
		if v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(data)) == nil {
			return nil
		}
	}
	if notBase64 != nil && len(lines) == 1 {
		return &VerifyError{Reason: fmt.Sprintf("%s is not base64: %v", SignatureFile, notBase64)}
	}
	if len(lines) > 1 {
		return &VerifyError{Reason: fmt.Sprintf("wrong key or tampered %s: none of the %d signatures in %s verifies", IndexFile, len(lines), SignatureFile)}
	}
	return &VerifyError{Reason: "wrong key or tampered " + IndexFile + ": " + SignatureFile + " does not verify"}
}

// signatureLines splits bundle.sig into its signatures.
func signatureLines(sigFile []byte) []string {
	var out []string
	for line := range strings.Lines(string(sigFile)) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// SignFolder adds a signature by s to the bundle.sig of the bundle folder
// dir, after checking its files against bundle.json. Other keys' signatures
// stay; a valid signature by the same key is not added twice (added is
// false). The file is replaced atomically.
func SignFolder(dir string, s signature.SignerVerifier) (added bool, err error) {
	fsys := os.DirFS(dir)
	idx, err := ReadIndex(fsys)
	if err != nil {
		return false, err
	}
	if err := VerifyFiles(fsys, idx); err != nil {
		return false, err
	}
	raw, err := fs.ReadFile(fsys, IndexFile)
	if err != nil {
		return false, err
	}
	existing, err := readRegular(fsys, SignatureFile, maxSignatureFileBytes)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", filepath.Join(dir, SignatureFile), err)
	}
	lines := signatureLines(existing)
	if len(lines) > 0 && VerifyBlob(s, raw, existing) == nil {
		return false, nil
	}
	sig, err := SignBlob(s, raw)
	if err != nil {
		return false, err
	}
	// Signatures that no longer decode are someone else's to fix; they are
	// kept rather than silently dropped.
	lines = append(lines, string(sig))
	return true, atomicwrite.File(filepath.Join(dir, SignatureFile), []byte(strings.Join(lines, "\n")), 0o644)
}

// maxSignatureFileBytes bounds bundle.sig: thousands of signatures.
const maxSignatureFileBytes = 1 << 20

// Pull fetches and checks the artifact at loc (see Fetch) and only then
// writes it to dir, atomically. dir may be missing, empty, or an edict
// bundle (see checkBundleDir); any other folder is refused rather than
// replaced.
func (r *Remote) Pull(ctx context.Context, loc *Location, dir string, v signature.Verifier, lim Limits) (*Fetched, error) {
	if err := checkBundleDir(dir); err != nil {
		return nil, err
	}
	f, err := r.Fetch(ctx, loc, v, lim)
	if err != nil {
		return nil, err
	}
	// Checked again under the write lock: the folder may have changed
	// while the artifact was downloaded.
	if err := writeTree(dir, f.Content, checkBundleDir); err != nil {
		return nil, err
	}
	return f, nil
}

// checkBundleDir allows replacing dir only when losing it loses nothing: it is
// missing, empty, or recognisably an edict bundle - its bundle.json parses as
// edict's index and lists exactly the folder's files (bundle.json and
// bundle.sig aside), with nothing but those files and their folders in it.
// Anything else (a checkout whose .git/ sits beside a bundle.json) is refused.
func checkBundleDir(dir string) error {
	if info, err := os.Lstat(dir); err == nil && !info.IsDir() {
		return &InvalidError{Reason: fmt.Sprintf("output folder %s exists and is not a folder; refusing to replace it", dir)}
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &WriteError{Dir: dir, Err: err}
	}
	if len(entries) == 0 {
		return nil
	}
	refuse := func(why string) error {
		return &InvalidError{Reason: fmt.Sprintf("output folder %s is not an edict bundle (%s); refusing to replace it: choose another folder or remove it yourself", dir, why)}
	}
	fsys := os.DirFS(dir)
	raw, err := readRegular(fsys, IndexFile, maxIndexBytes)
	if err != nil {
		return refuse(fmt.Sprintf("no readable %s: %v", IndexFile, err))
	}
	idx, err := rendered.ParseIndex(raw)
	if err != nil {
		return refuse(err.Error())
	}
	listed := make(map[string]bool, len(idx.Files))
	for _, f := range idx.Files {
		listed[f.Path] = true
	}
	var extra []string
	found := 0
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case p == ".":
		case d.IsDir():
			if !listedUnder(listed, p) {
				extra = append(extra, p+"/")
				return fs.SkipDir
			}
		case !d.Type().IsRegular():
			extra = append(extra, p+" (not a regular file)")
		case p == IndexFile || p == SignatureFile:
		case listed[p]:
			found++
		default:
			extra = append(extra, p)
		}
		if len(extra) > 5 {
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return &WriteError{Dir: dir, Err: err}
	}
	if len(extra) > 0 {
		return refuse("it holds " + strings.Join(extra, ", ") + ", which " + IndexFile + " does not list")
	}
	if found != len(listed) {
		return refuse(fmt.Sprintf("%d of the %d files %s lists are missing", len(listed)-found, len(listed), IndexFile))
	}
	return nil
}

// maxIndexBytes bounds the bundle.json read to recognise a folder.
const maxIndexBytes = 16 << 20

func listedUnder(listed map[string]bool, dir string) bool {
	for p := range listed {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// readRegular reads a regular file of fsys, refusing anything else and
// anything over limit.
func readRegular(fsys fs.FS, name string, limit int64) ([]byte, error) {
	info, err := fs.Lstat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}
