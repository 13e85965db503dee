// Package source resolves a POLICY argument of the command line into
// rendered bundles, so that every command that reads policy (audit, diff,
// explain) accepts the same forms:
//
//   - an initiative file (built with the policies of its repository root);
//   - a policy repository folder (every initiative in it);
//   - the name of a built-in initiative;
//   - a built bundle folder (a folder holding bundle.json);
//   - an OCI artifact: oci://host/repository:tag or @digest, or an OCI image
//     layout folder[:tag] (verified with Options.Verifier when set);
//   - git:REV or git:REV:PATH, the same forms as they are at a revision of the
//     current git repository, read with the git CLI into memory without
//     touching the working tree.
//
// Initiatives are built in memory with compile; nothing is written to disk.
package source

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/edict-policy/edict/bundle"
	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/rendered"
)

// GitPrefix introduces a git revision: git:REV or git:REV:PATH.
const GitPrefix = "git:"

// Options tunes Resolve.
type Options struct {
	// Root is the repository root in which initiative files find their
	// policies; empty means the current folder when the file is inside it,
	// else the file's folder.
	Root string
	// GitPath is the path used for git:REV without :PATH, relative to the
	// current folder; empty means the current folder.
	GitPath string
	// Dir is the folder git commands run in; empty means the current folder.
	Dir string
	// Verifier, when set, must verify the signature of OCI artifacts and of
	// bundle folders (bundle.sig).
	Verifier signature.Verifier
	// Remote reaches registries; nil means the defaults.
	Remote *bundle.Remote
	// Limits bound artifacts and git snapshots; zero means bundle.DefaultLimits
	// for artifacts and MaxGitBytes for snapshots.
	Limits bundle.Limits
}

// MaxGitBytes bounds the snapshot of a git revision read into memory.
const MaxGitBytes = 256 << 20

// Bundle is one rendered bundle and where it came from.
type Bundle struct {
	// Output is the rendered bundle: its objects and resolved references.
	Output *rendered.Bundle
	// Origin names where the bundle came from, for messages and reports
	// ("initiatives/prod.yaml", "oci://ghcr.io/x/p@sha256:…", "git:main:initiatives/prod.yaml").
	Origin string
	// Digest is the artifact digest for OCI sources.
	Digest string
}

// Kind is the form a POLICY argument was recognised as.
type Kind string

// The forms a POLICY argument can take.
const (
	KindInitiative Kind = "initiative"
	KindRepository Kind = "repository"
	KindBuiltin    Kind = "builtin"
	KindBundle     Kind = "bundle"
	KindOCI        Kind = "oci"
	KindGit        Kind = "git"
)

// NotFoundError reports a POLICY argument that is none of the known forms.
type NotFoundError struct {
	Arg  string
	Hint string
}

func (e *NotFoundError) Error() string {
	msg := e.Arg + ": not an initiative file, policy repository, bundle folder, OCI reference, git:REV or built-in initiative"
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// GitError reports a git revision that could not be read.
type GitError struct {
	Rev string
	Err error
}

func (e *GitError) Error() string { return fmt.Sprintf("git revision %q: %v", e.Rev, e.Err) }
func (e *GitError) Unwrap() error { return e.Err }

// Classify tells which form arg takes, without building anything.
func Classify(arg string) (Kind, error) {
	switch {
	case strings.HasPrefix(arg, GitPrefix):
		return KindGit, nil
	case strings.HasPrefix(arg, bundle.Scheme):
		return KindOCI, nil
	}
	info, err := os.Stat(arg)
	if err != nil {
		// An OCI layout folder may carry a :tag or @digest.
		if loc, lerr := bundle.ParseLocation(arg); lerr == nil && !loc.IsRegistry() && loc.Path != arg {
			if isLayout(os.DirFS(loc.Path)) {
				return KindOCI, nil
			}
		}
		if isBuiltin(arg) {
			return KindBuiltin, nil
		}
		return "", &NotFoundError{Arg: arg, Hint: "built-in initiatives: " + strings.Join(compile.BuiltinInitiatives(), ", ")}
	}
	if !info.IsDir() {
		return KindInitiative, nil
	}
	dir := os.DirFS(arg)
	switch {
	case isBundle(dir):
		return KindBundle, nil
	case isLayout(dir):
		return KindOCI, nil
	}
	return KindRepository, nil
}

// Resolve builds or reads the bundles arg names. The bundles are sorted by name.
func Resolve(ctx context.Context, arg string, opts Options) ([]*Bundle, error) {
	kind, err := Classify(arg)
	if err != nil {
		return nil, err
	}
	var out []*Bundle
	switch kind {
	case KindGit:
		out, err = resolveGit(ctx, arg, opts)
	case KindOCI:
		var b *Bundle
		b, err = resolveOCI(ctx, arg, opts)
		out = []*Bundle{b}
	case KindBuiltin:
		out, err = buildBuiltin(ctx, arg)
	case KindBundle:
		var b *Bundle
		b, err = readBundleDir(os.DirFS(arg), arg, opts.Verifier, arg)
		out = []*Bundle{b}
	case KindInitiative:
		root, rel, rerr := FileRoot(arg, opts.Root)
		if rerr != nil {
			return nil, rerr
		}
		repo, oerr := input.OpenRoot(root)
		if oerr != nil {
			return nil, oerr
		}
		out, err = buildFiles(ctx, repo, []string{rel}, displayPath(root))
	case KindRepository:
		repo, oerr := input.OpenRoot(arg)
		if oerr != nil {
			return nil, oerr
		}
		out, err = buildRepository(ctx, repo, arg)
	}
	if err != nil {
		return nil, err
	}
	for _, b := range out {
		if b.Output.Contents == rendered.ContentsTemplates {
			// It holds no constraints: an audit would pass and a diff show
			// nothing, whatever changed.
			return nil, &bundle.InvalidError{Reason: fmt.Sprintf("%s is a templates bundle (%s %s): it holds no constraints; give the initiative bundles it serves", b.Origin, b.Output.Name, b.Output.Version)}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Output.Name < out[j].Output.Name })
	for i := 1; i < len(out); i++ {
		if out[i].Output.Name == out[i-1].Output.Name {
			return nil, &input.Error{File: out[i].Origin, Msg: fmt.Sprintf("initiative %q is also defined by %s", out[i].Output.Name, out[i-1].Origin), Hint: "bundles are named after initiatives; give one another name"}
		}
	}
	return out, nil
}

func isBuiltin(name string) bool {
	for _, n := range compile.BuiltinInitiatives() {
		if n == name {
			return true
		}
	}
	return false
}

func isBundle(fsys fs.FS) bool {
	info, err := fs.Stat(fsys, bundle.IndexFile)
	return err == nil && !info.IsDir()
}

func isLayout(fsys fs.FS) bool {
	info, err := fs.Stat(fsys, "oci-layout")
	return err == nil && !info.IsDir()
}

// FileRoot chooses the repository root of an initiative file (root, or the
// nearest folder above the file holding policies/, initiatives/ or .git) and
// the file's slash path inside it.
func FileRoot(file, root string) (string, string, error) {
	absFile, err := filepath.Abs(file)
	if err != nil {
		return "", "", err
	}
	if root == "" {
		// The repository the file is in, wherever edict runs from.
		if root, _, err = input.FindRoot(absFile); err != nil {
			return "", "", err
		}
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", "", err
	}
	rel, err := filepath.Rel(absRoot, absFile)
	if err != nil || !filepath.IsLocal(rel) {
		return "", "", &input.Error{File: file, Msg: "is outside the repository root " + root, Hint: "pass a root that contains it"}
	}
	return absRoot, filepath.ToSlash(rel), nil
}

func buildBuiltin(ctx context.Context, name string) ([]*Bundle, error) {
	b, err := compile.NewBuilder(nil, ".", compile.Options{})
	if err != nil {
		return nil, err
	}
	out, err := b.BuildBuiltin(ctx, name)
	if err != nil {
		return nil, err
	}
	return []*Bundle{{Output: out, Origin: name}}, nil
}

// buildFiles builds initiative files of repo; display prefixes origins and
// error positions so they name files as the user sees them.
func buildFiles(ctx context.Context, repo fs.FS, files []string, display string) ([]*Bundle, error) {
	b, err := compile.NewBuilder(repo, ".", compile.Options{})
	if err != nil {
		return nil, prefixErr(display, err)
	}
	var out []*Bundle
	for _, f := range files {
		o, err := b.Build(ctx, f)
		if err != nil {
			return nil, prefixErr(display, err)
		}
		out = append(out, &Bundle{Output: o, Origin: joinDisplay(display, f)})
	}
	return out, nil
}

func buildRepository(ctx context.Context, repo fs.FS, display string) ([]*Bundle, error) {
	files, err := InitiativeFiles(repo)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, &input.Error{File: display, Msg: "no Initiative files found (YAML files with kind: Initiative)"}
	}
	return buildFiles(ctx, repo, files, display)
}

// InitiativeFiles lists the YAML files of repo whose kind is Initiative,
// sorted, walking the repository as build and test do.
func InitiativeFiles(repo fs.FS) ([]string, error) {
	found, err := input.FilesOfKind(repo, ".", "Initiative")
	if err != nil {
		return nil, fmt.Errorf("scan for initiatives: %w", err)
	}
	return found, nil
}

func joinDisplay(display, p string) string {
	if display == "" || display == "." {
		return p
	}
	if strings.HasPrefix(display, GitPrefix) {
		return display + ":" + p
	}
	return filepath.Join(display, filepath.FromSlash(p))
}

// prefixErr makes positioned errors name files as the user sees them.
func prefixErr(display string, err error) error {
	if display == "" || display == "." {
		return err
	}
	input.Each(err, func(e *input.Error) {
		if !strings.HasPrefix(e.File, "builtin:") && e.File != "" {
			e.File = joinDisplay(display, e.File)
		}
	})
	return err
}

func environ() []string { return os.Environ() }

// displayPath names a folder relative to the current one when it is inside it.
func displayPath(dir string) string {
	cwd, err := os.Getwd()
	if err != nil {
		return dir
	}
	if rel, err := filepath.Rel(cwd, dir); err == nil && filepath.IsLocal(rel) || rel == "." {
		return rel
	}
	return dir
}
