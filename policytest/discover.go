package policytest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/edict-policy/edict/input"
)

const (
	policyAPIVersion = "edict.dev/v1alpha1"
	suiteGroup       = "test.gatekeeper.sh"
)

// source is one file tree tests are read from: the user's repository (or a
// folder outside it) or the built-in library. Files are read from fsys; root
// is the repository root inside it (where lib/ lives and initiatives find
// their policies), and paths under root are shown as prefix + relative path.
type source struct {
	id     string
	fsys   fs.FS
	root   string
	prefix string
	base   string // how paths outside root are shown: base + path
	paths  []string

	subOnce sync.Once
	sub     fs.FS
}

// join resolves p, written in the file at file (a slash path of fsys),
// against that file's folder, as gator does. Absolute paths and paths that
// climb out of the tree are refused: a repository under test may only make
// edict read its own files. field names what the path was given as.
func (s *source) join(file, field, p string) (string, error) {
	if path.IsAbs(p) {
		return "", &input.Error{Msg: fmt.Sprintf("%s %s: paths are relative to the file that names them", field, input.Excerpt(p)), Hint: "write the path relative to " + path.Base(file)}
	}
	j := path.Join(path.Dir(file), p)
	if j == ".." || strings.HasPrefix(j, "../") {
		return "", &input.Error{Msg: fmt.Sprintf("%s %s leads outside the repository root; tests read only files inside it", field, input.Excerpt(p)), Hint: "move the file into the repository, or pass --root with a folder that holds both"}
	}
	return j, nil
}

// rel returns p relative to the repository root, if p is inside it.
func (s *source) rel(p string) (string, bool) {
	if s.root == "." {
		return p, true
	}
	if p == s.root {
		return ".", true
	}
	if rest, ok := strings.CutPrefix(p, s.root+"/"); ok {
		return rest, true
	}
	return "", false
}

// repoFS is the repository root as a tree of its own.
func (s *source) repoFS() fs.FS {
	s.subOnce.Do(func() {
		s.sub = s.fsys
		if s.root != "." {
			if sub, err := fs.Sub(s.fsys, s.root); err == nil {
				s.sub = sub
			}
		}
	})
	return s.sub
}

func (s *source) display(p string) string {
	rel, ok := s.rel(p)
	if !ok {
		return s.base + p
	}
	if rel == "." {
		if s.prefix == "" {
			return "."
		}
		return strings.TrimSuffix(s.prefix, "/")
	}
	return s.prefix + rel
}

// found is everything discovery turned up, deduplicated and sorted.
type found struct {
	units  []unitDir
	suites []fileRef
	inits  []fileRef
	errs   []Result
}

type unitDir struct {
	src    *source
	dir    string
	policy bool // the folder holds a policy.yaml
}

type fileRef struct {
	src  *source
	path string
}

type discoverer struct {
	found
	seen map[string]bool
}

func discover(sources []*source) *found {
	d := &discoverer{seen: map[string]bool{}}
	for _, src := range sources {
		for _, p := range src.paths {
			d.path(src, p)
		}
	}
	sort.Slice(d.units, func(i, j int) bool {
		return d.units[i].src.display(d.units[i].dir) < d.units[j].src.display(d.units[j].dir)
	})
	sort.Slice(d.suites, func(i, j int) bool {
		return d.suites[i].src.display(d.suites[i].path) < d.suites[j].src.display(d.suites[j].path)
	})
	sort.Slice(d.inits, func(i, j int) bool {
		return d.inits[i].src.display(d.inits[i].path) < d.inits[j].src.display(d.inits[j].path)
	})
	return &d.found
}

func (d *discoverer) fail(src *source, p string, err error) {
	ie := asInputError(src.display(p), err)
	d.errs = append(d.errs, Result{Kind: KindInput, Group: ie.File, Status: StatusError, File: ie.File, Line: ie.Line, Message: ie.Msg})
}

func (d *discoverer) path(src *source, p string) {
	p = path.Clean(strings.TrimPrefix(p, "./"))
	if !fs.ValidPath(p) {
		d.fail(src, p, errors.New("not a path inside the tested tree"))
		return
	}
	info, err := input.Stat(src.fsys, p)
	if err != nil {
		d.fail(src, p, err)
		return
	}
	if !info.IsDir() {
		if !d.file(src, p, true) {
			d.fail(src, p, errors.New("not a gator Suite, InitiativeTest, policy.yaml or Rego test file"))
		}
		return
	}
	// The same walk as build's: hidden folders, dist, vendor, node_modules and
	// testdata below p are left out.
	err = input.Walk(src.fsys, p, func(f input.File) error {
		if f.Err != nil {
			d.fail(src, f.Path, f.Err)
			return nil
		}
		d.file(src, f.Path, false)
		return nil
	})
	if err != nil {
		d.fail(src, p, err)
	}
}

// file classifies one file and reports whether it was something to test.
func (d *discoverer) file(src *source, p string, explicit bool) bool {
	base := path.Base(p)
	switch {
	case strings.HasSuffix(base, "_test.rego"):
		d.unit(src, path.Dir(p), false)
		return true
	case strings.HasSuffix(base, ".rego"):
		return false
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
	default:
		return false
	}
	data, err := input.ReadFile(src.fsys, p)
	if err != nil {
		d.fail(src, p, err)
		return true
	}
	// A file edict would skip although it looks like one of its own (kind:
	// Suit, kind: InitiativeTests) is an error: its tests would vanish.
	if err := input.CheckKind(src.display(p), data); err != nil {
		if ke, ok := err.(*input.Error); ok && ke.Hint != "" {
			ke.Msg += " (" + ke.Hint + ")"
		}
		d.fail(src, p, err)
		return true
	}
	// Cheap test before parsing: most YAML in a repository is neither.
	if !bytes.Contains(data, []byte("Suite")) && !bytes.Contains(data, []byte("InitiativeTest")) && !bytes.Contains(data, []byte("Policy")) {
		return false
	}
	h, ok := input.PeekHeader(data)
	if !ok {
		if explicit || bytes.Contains(data, []byte("kind: Suite")) || bytes.Contains(data, []byte("kind: InitiativeTest")) {
			if _, err := parseObjects(src.display(p), data); err != nil {
				d.fail(src, p, err)
				return true
			}
		}
		return false
	}
	group, _, _ := strings.Cut(h.APIVersion, "/")
	switch {
	case h.Kind == "Suite" && group == suiteGroup:
		d.add(&d.suites, src, p)
	case h.Kind == "InitiativeTest":
		d.add(&d.inits, src, p)
	case h.Kind == "Policy" && h.APIVersion == policyAPIVersion && base == "policy.yaml":
		d.unit(src, path.Dir(p), true)
	default:
		return false
	}
	return true
}

func (d *discoverer) add(list *[]fileRef, src *source, p string) {
	k := src.id + "\x00" + p
	if d.seen[k] {
		return
	}
	d.seen[k] = true
	*list = append(*list, fileRef{src: src, path: p})
}

func (d *discoverer) unit(src *source, dir string, policy bool) {
	k := src.id + "\x00unit\x00" + dir
	if d.seen[k] {
		if policy {
			for i := range d.units {
				if d.units[i].src == src && d.units[i].dir == dir {
					d.units[i].policy = true
				}
			}
		}
		return
	}
	d.seen[k] = true
	d.units = append(d.units, unitDir{src: src, dir: dir, policy: policy})
}
