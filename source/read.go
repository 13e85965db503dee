package source

import (
	"context"
	"io/fs"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/rendered"
)

// readBundleDir reads a built bundle folder: every file checked against
// bundle.json, and bundle.sig when v is set. dir is the folder on disk for
// signature checks ("" for in-memory trees).
func readBundleDir(fsys fs.FS, origin string, v signature.Verifier, dir string) (*Bundle, error) {
	if v != nil && dir == "" {
		return nil, &bundle.InvalidError{Reason: origin + ": signatures of bundle folders at a git revision are not checked; pass a registry reference or a folder on disk"}
	}
	b, err := bundle.ReadFS(fsys, origin, bundle.OpenOptions{Key: v})
	if err != nil {
		return nil, err
	}
	return &Bundle{Output: b, Origin: origin}, nil
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
	b, err := rendered.Parse(f.Content)
	if err != nil {
		return nil, err
	}
	origin := f.Reference
	if loc.IsRegistry() && !strings.HasPrefix(origin, bundle.Scheme) {
		origin = bundle.Scheme + origin
	}
	return &Bundle{Output: b, Origin: origin, Digest: f.Digest}, nil
}
