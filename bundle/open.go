package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/edict-policy/edict/rendered"
)

// OpenOptions says how Open reaches and checks a bundle.
type OpenOptions struct {
	// Key, when set, must verify the bundle: bundle.sig over bundle.json for
	// a folder or archive, a cosign signature for an OCI artifact. Without
	// it the files are still checked against bundle.json.
	Key signature.Verifier
	// Remote reaches registries; the zero value uses the Docker config.
	Remote Remote
	// Limits bound what is read; zero fields take DefaultLimits.
	Limits Limits
}

// Open reads the bundle ref names into the typed model, whatever holds it:
//
//   - oci://host/repository:tag (or @sha256:...): an artifact in a registry
//   - a folder holding oci-layout, optionally with :tag or @digest: an OCI
//     image layout
//   - a folder holding bundle.json: a bundle folder (edict build's output)
//   - a file: a bundle archive (the artifact's tar+gzip layer)
//
// Every file is checked against bundle.json (and bundle.json against
// opts.Key when given) before anything is parsed, and reads are bounded by
// opts.Limits, so a hostile bundle fails cleanly. Errors are typed as the
// rest of the package's: *InvalidError for a ref that names no bundle,
// *VerifyError for a failed check, *RegistryError for an unreachable
// registry.
func Open(ctx context.Context, ref string, opts OpenOptions) (*rendered.Bundle, error) {
	lim := opts.Limits.withDefaults()
	if strings.HasPrefix(ref, Scheme) {
		return openArtifact(ctx, ref, opts, lim)
	}
	info, err := os.Stat(ref)
	switch {
	case err == nil && info.IsDir():
		if isFile(filepath.Join(ref, IndexFile)) {
			return ReadFS(os.DirFS(ref), ref, opts)
		}
		if isFile(filepath.Join(ref, "oci-layout")) {
			return openArtifact(ctx, ref, opts, lim)
		}
		return nil, &InvalidError{Reason: fmt.Sprintf("%s holds neither a bundle (%s) nor an OCI image layout (oci-layout)", ref, IndexFile)}
	case err == nil && info.Mode().IsRegular():
		f, err := os.Open(ref)
		if err != nil {
			return nil, fmt.Errorf("open bundle archive: %w", err)
		}
		defer f.Close()
		files, err := ReadArchive(f, lim)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		return openFiles(ref, files, opts.Key)
	case err == nil:
		return nil, &InvalidError{Reason: fmt.Sprintf("%s is neither a folder nor a regular file", ref)}
	case errors.Is(err, fs.ErrNotExist):
		// A layout folder with a tag or digest: dist/app.oci:1.0.
		if loc, perr := ParseLocation(ref); perr == nil && loc.Path != ref && isFile(filepath.Join(loc.Path, "oci-layout")) {
			return openArtifact(ctx, ref, opts, lim)
		}
		return nil, &InvalidError{Reason: fmt.Sprintf("%s: no such bundle folder, archive or OCI layout (registry references start with %s)", ref, Scheme)}
	default:
		return nil, fmt.Errorf("open bundle: %w", err)
	}
}

func openArtifact(ctx context.Context, ref string, opts OpenOptions, lim Limits) (*rendered.Bundle, error) {
	loc, err := ParseLocation(ref)
	if err != nil {
		return nil, err
	}
	f, err := opts.Remote.Fetch(ctx, loc, opts.Key, lim)
	if err != nil {
		return nil, err
	}
	return rendered.Parse(f.Content)
}

// openFiles checks a bundle held in memory (signature, then every file
// against bundle.json) and parses it.
func openFiles(where string, files map[string][]byte, key signature.Verifier) (*rendered.Bundle, error) {
	raw, ok := files[IndexFile]
	if !ok {
		return nil, &InvalidError{Reason: fmt.Sprintf("%s is not a bundle: %s is missing", where, IndexFile)}
	}
	idx, err := rendered.ParseIndex(raw)
	if err != nil {
		return nil, err
	}
	if key != nil {
		sig, ok := files[SignatureFile]
		if !ok {
			return nil, &VerifyError{Reason: fmt.Sprintf("unsigned: %s has no %s", where, SignatureFile)}
		}
		if err := VerifyBlob(key, raw, sig); err != nil {
			return nil, err
		}
	}
	if err := verifyFileMap(files, idx); err != nil {
		return nil, err
	}
	return rendered.Parse(files)
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits.MaxFiles
	}
	return l
}

// ReadFS reads the bundle folder at the root of fsys (a folder on disk, a
// tree at a git revision) the way Open reads a folder: bounded, checked
// against bundle.json and, with opts.Key, against bundle.sig. name says where
// the folder is, for messages.
func ReadFS(fsys fs.FS, name string, opts OpenOptions) (*rendered.Bundle, error) {
	files, err := readBundleFiles(fsys, opts.Limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return openFiles(name, files, opts.Key)
}
