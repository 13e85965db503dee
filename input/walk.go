package input

import (
	"bytes"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SkipDir reports whether walks leave out a folder of this name: hidden
// folders (.git, .github), build output (dist), vendored and installed trees
// (vendor, node_modules) and fixtures that are bad input on purpose
// (testdata). A folder named explicitly as the walk's start is walked
// whatever its name.
func SkipDir(name string) bool {
	if strings.HasPrefix(name, ".") && name != "." && name != ".." {
		return true
	}
	switch name {
	case "dist", "vendor", "node_modules", "testdata":
		return true
	}
	return false
}

// File is one file a walk found. Reading it is left to the visitor, so a
// walk costs one directory listing per folder.
type File struct {
	FS   fs.FS
	Path string // slash path in FS
	// Err is set when the walk could not list a folder at Path; the visitor
	// decides whether that stops the walk.
	Err error
}

// Name is the last element of the path.
func (f File) Name() string {
	if i := strings.LastIndexByte(f.Path, '/'); i >= 0 {
		return f.Path[i+1:]
	}
	return f.Path
}

// IsYAML reports whether the file is YAML by its extension.
func (f File) IsYAML() bool { return IsYAML(f.Path) }

// Read reads the file with ReadFile's checks.
func (f File) Read() ([]byte, error) { return ReadFile(f.FS, f.Path) }

// Peek reads the file and returns the apiVersion and kind of its first
// document (zero when it has none).
func (f File) Peek() (Header, []byte, error) {
	data, err := f.Read()
	if err != nil {
		return Header{}, nil, err
	}
	h, _ := PeekHeader(data)
	return h, data, nil
}

// Walk visits every file under root (a slash path in fsys; "." for the
// whole tree) in lexical order, leaving out the folders SkipDir names below
// root. Symlinked folders are not entered. visit's error ends the walk and
// is returned.
func Walk(fsys fs.FS, root string, visit func(File) error) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if verr := visit(File{FS: fsys, Path: p, Err: statError(p, err)}); verr != nil {
				return verr
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != root && SkipDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		return visit(File{FS: fsys, Path: p})
	})
}

// Header is what every Kubernetes-style document starts with.
type Header struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
}

// Group is the API group of the header's apiVersion ("" for the core group).
func (h Header) Group() string {
	g, _, found := strings.Cut(h.APIVersion, "/")
	if !found {
		return ""
	}
	return g
}

// PeekHeader reads apiVersion and kind of the first document of data; ok is
// false when data is not YAML or has no mapping at the top.
func PeekHeader(data []byte) (Header, bool) {
	if h, ok := scanHeader(data); ok {
		return h, true
	}
	var h Header
	if err := yaml.Unmarshal(data, &h); err != nil {
		// Fields of the wrong type (a list under kind) are not our documents.
		return h, false
	}
	return h, true
}

// scanHeader finds top-level "apiVersion:" and "kind:" lines of the first
// document without parsing it: walks look at every YAML file of a
// repository, and a full parse of each one costs more than the work done
// on the few that matter. Any other layout (JSON, quoted keys, anchors)
// falls back to the parser.
func scanHeader(data []byte) (Header, bool) {
	var h Header
	var gotAPI, gotKind bool
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, "\r")
		if bytes.HasPrefix(line, []byte("---")) && (gotAPI || gotKind) {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && len(k) > 0 && k[0] != ' ' && k[0] != '\t' {
			v = bytes.TrimSpace(v)
			if len(v) == 0 || bytes.ContainsAny(v, "&*!|>{[#'\"") {
				if string(k) == "apiVersion" || string(k) == "kind" {
					return Header{}, false
				}
				continue
			}
			switch string(k) {
			case "apiVersion":
				h.APIVersion, gotAPI = string(v), true
			case "kind":
				h.Kind, gotKind = string(v), true
			}
		}
	}
	return h, gotAPI && gotKind
}

// FilesOfKind lists the YAML files under root (see Walk) whose first
// document has the given kind, sorted. A YAML file that cannot be read
// safely (too large, not a regular file, leading outside the repository)
// is an error rather than a file silently left out.
func FilesOfKind(fsys fs.FS, root, kind string) ([]string, error) {
	var found []string
	var bad ErrorList
	err := Walk(fsys, root, func(f File) error {
		if f.Err != nil {
			return f.Err
		}
		if !f.IsYAML() {
			return nil
		}
		h, data, err := f.Peek()
		if err != nil {
			return err
		}
		// A file that looks like edict's or gator's but that edict does not
		// understand would vanish from the build; report it instead.
		if kerr := CheckKind(f.Path, data); kerr != nil {
			bad = bad.Append(kerr)
			return nil
		}
		if h.Kind == kind {
			found = append(found, f.Path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	slices.Sort(found)
	return found, nil
}
