package resources

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"
)

// maxKustomizeDepth bounds how deep kustomizations may refer to each other.
const maxKustomizeDepth = 32

// kustomizeDocument renders the kustomization in dir once per run; later
// passes reuse the objects.
func (in *Inputs) kustomizeDocument(dir string) Document {
	src := Source{File: filepath.ToSlash(dir), Kustomization: filepath.ToSlash(dir)}
	in.mu.Lock()
	res, ok := in.kustomize[dir]
	in.mu.Unlock()
	if !ok {
		res.objs, res.err = in.renderKustomization(dir)
		in.mu.Lock()
		in.kustomize[dir] = res
		in.mu.Unlock()
	}
	if res.err != nil {
		return Document{Source: src, Err: res.err}
	}
	if res.objs == nil {
		res.objs = []Rendered{}
	}
	return Document{Source: src, Rendered: res.objs}
}

func (in *Inputs) renderKustomization(dir string) ([]Rendered, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := in.kustomizeRoot(abs)
	if err != nil {
		return nil, err
	}
	file := filepath.ToSlash(dir)
	if err := checkLocal(abs, root, map[string]bool{}, 0); err != nil {
		return nil, &Error{File: file, Msg: err.Error()}
	}
	k := krusty.MakeKustomizer(kustomizeOptions())
	resMap, err := k.Run(confinedFS{FileSystem: filesys.MakeFsOnDisk(), root: root}, abs)
	if err != nil {
		return nil, &Error{File: file, Msg: "kustomize: " + err.Error()}
	}
	out := make([]Rendered, 0, resMap.Size())
	for _, r := range resMap.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, &Error{File: file, Msg: "kustomize: " + err.Error()}
		}
		// Through JSON, so numbers are int64/float64 as Kubernetes decodes them.
		out = append(out, Rendered{Object: normalize(m)})
	}
	return out, nil
}

// kustomizeRoot is the folder kustomize may read from: Options.Root, else
// the current folder when dir is inside it, else dir itself.
func (in *Inputs) kustomizeRoot(dir string) (string, error) {
	root := in.opts.Root
	if root == "" {
		cwd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		root = cwd
		if !within(dir, cwd) {
			root = dir
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return abs, nil
}

func within(p, root string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// checkLocal refuses kustomizations that would fetch remote bases or files
// (kustomize would run git or HTTP), or that reach outside root.
func checkLocal(dir, root string, seen map[string]bool, depth int) error {
	if depth > maxKustomizeDepth {
		return fmt.Errorf("kustomizations nest deeper than %d levels", maxKustomizeDepth)
	}
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	name := kustomizationFile(dir)
	if name == "" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	var k struct {
		Resources  []string `json:"resources"`
		Bases      []string `json:"bases"`
		Components []string `json:"components"`
	}
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	for _, group := range [][]string{k.Resources, k.Bases, k.Components} {
		for _, r := range group {
			if isRemote(r) {
				return fmt.Errorf("%s refers to the remote resource %q; edict audit does not fetch remote bases (vendor it or render it first)", name, r)
			}
			p := filepath.Join(dir, filepath.FromSlash(r))
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			if !within(p, root) {
				return fmt.Errorf("%s refers to %q, outside %s", name, r, root)
			}
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				if err := checkLocal(p, root, seen, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isRemote(r string) bool {
	l := strings.ToLower(r)
	return strings.Contains(l, "://") || strings.HasPrefix(l, "git@") || strings.HasPrefix(l, "github.com/") ||
		strings.HasPrefix(l, "gitlab.com/") || strings.HasPrefix(l, "bitbucket.org/") || strings.Contains(l, "?ref=") ||
		strings.Contains(l, "//") && !strings.HasPrefix(l, ".")
}

// confinedFS is the disk, read-only, refusing paths outside root.
type confinedFS struct {
	filesys.FileSystem
	root string
}

var errOutside = errors.New("outside the audit root")

func (c confinedFS) ok(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if !within(abs, c.root) {
		return fmt.Errorf("%s: %w %s", p, errOutside, c.root)
	}
	return nil
}

func (c confinedFS) Open(p string) (filesys.File, error) {
	if err := c.ok(p); err != nil {
		return nil, err
	}
	return c.FileSystem.Open(p)
}

func (c confinedFS) ReadFile(p string) ([]byte, error) {
	if err := c.ok(p); err != nil {
		return nil, err
	}
	return c.FileSystem.ReadFile(p)
}

func (c confinedFS) ReadDir(p string) ([]string, error) {
	if err := c.ok(p); err != nil {
		return nil, err
	}
	return c.FileSystem.ReadDir(p)
}

func (c confinedFS) IsDir(p string) bool  { return c.ok(p) == nil && c.FileSystem.IsDir(p) }
func (c confinedFS) Exists(p string) bool { return c.ok(p) == nil && c.FileSystem.Exists(p) }

func (c confinedFS) Glob(pattern string) ([]string, error) {
	matches, err := c.FileSystem.Glob(pattern)
	if err != nil {
		return nil, err
	}
	kept := matches[:0]
	for _, m := range matches {
		if c.ok(m) == nil {
			kept = append(kept, m)
		}
	}
	return kept, nil
}

func (c confinedFS) Walk(p string, fn filepath.WalkFunc) error {
	if err := c.ok(p); err != nil {
		return err
	}
	return c.FileSystem.Walk(p, fn)
}

func (c confinedFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if err := c.ok(p); err != nil {
		return "", "", err
	}
	return c.FileSystem.CleanedAbs(p)
}

var errReadOnly = errors.New("edict audit does not write files")

func (c confinedFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (c confinedFS) Mkdir(string) error                  { return errReadOnly }
func (c confinedFS) MkdirAll(string) error               { return errReadOnly }
func (c confinedFS) RemoveAll(string) error              { return errReadOnly }
func (c confinedFS) WriteFile(string, []byte) error      { return errReadOnly }

// kustomizeOptions leave the reorder flag unset, as kubectl does, so a
// kustomization with its own sortOptions is honoured without kustomize
// logging a warning into edict's output.
func kustomizeOptions() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionUnspecified
	return o
}
