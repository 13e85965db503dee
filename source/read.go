package source

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/compile"
)

// readBundleDir reads a built bundle folder: every file bundle.json lists,
// checked against its recorded digest, and bundle.sig when v is set.
// dir is the folder on disk for signature checks ("" for in-memory trees).
func readBundleDir(fsys fs.FS, origin string, v signature.Verifier, dir string) (*Bundle, error) {
	idx, err := bundle.ReadIndex(fsys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	if v != nil {
		if dir == "" {
			return nil, &bundle.InvalidError{Reason: origin + ": signatures of bundle folders at a git revision are not checked; pass a registry reference or a folder on disk"}
		}
		if _, err := bundle.VerifyFolder(dir, v); err != nil {
			return nil, err
		}
	} else if err := bundle.VerifyFiles(fsys, idx); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	files := map[string][]byte{}
	for _, f := range idx.Files {
		data, err := fs.ReadFile(fsys, f.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
		files[f.Path] = data
	}
	return &Bundle{Output: fromIndex(idx, files), Origin: origin}, nil
}

func fromIndex(idx *bundle.Index, files map[string][]byte) *compile.Output {
	out := &compile.Output{
		Name:        idx.Name,
		Version:     idx.Version,
		Description: idx.Description,
		Files:       map[string][]byte{},
		Inputs:      idx.Inputs,
		Policies:    idx.Policies,
	}
	for p, data := range files {
		if p == bundle.IndexFile || p == bundle.SignatureFile {
			continue
		}
		out.Files[p] = data
	}
	return out
}

func resolveOCI(ctx context.Context, arg string, opts Options) (*Bundle, error) {
	loc, err := bundle.ParseLocation(arg)
	if err != nil {
		return nil, err
	}
	loc = loc.WithDefaultTag("latest")
	r := opts.Remote
	if r == nil {
		r = &bundle.Remote{}
	}
	f, err := r.Fetch(ctx, loc, opts.Verifier, opts.Limits)
	if err != nil {
		return nil, err
	}
	idx, err := bundle.ParseIndex(f.Content[bundle.IndexFile])
	if err != nil {
		return nil, err
	}
	origin := f.Reference
	if loc.IsRegistry() && !strings.HasPrefix(origin, bundle.Scheme) {
		origin = bundle.Scheme + origin
	}
	return &Bundle{Output: fromIndex(idx, f.Content), Origin: origin, Digest: f.Digest}, nil
}
