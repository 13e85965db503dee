package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry"
)

// Scheme prefixes a registry reference on the command line; anything else
// is a path on disk.
const Scheme = "oci://"

// Location is where an artifact lives: a repository in a registry, or an OCI
// image layout folder on disk.
type Location struct {
	Registry   string // host[:port]; empty for a layout
	Repository string // repository path in the registry
	Path       string // layout folder; empty for a registry
	Tags       []string
	Digest     digest.Digest // pinned digest, if the reference named one
}

// IsRegistry reports whether the location is a registry repository.
func (l *Location) IsRegistry() bool { return l.Registry != "" }

// Name is the location without tag or digest.
func (l *Location) Name() string {
	if l.IsRegistry() {
		return l.Registry + "/" + l.Repository
	}
	return l.Path
}

// String renders the location as the command line accepts it.
func (l *Location) String() string {
	s := l.Name()
	if l.IsRegistry() {
		s = Scheme + s
	}
	if len(l.Tags) > 0 {
		s += ":" + strings.Join(l.Tags, ",")
	}
	if l.Digest != "" {
		s += "@" + l.Digest.String()
	}
	return s
}

// At names the artifact by digest, the form that cannot move.
func (l *Location) At(d digest.Digest) string {
	if l.IsRegistry() {
		return l.Registry + "/" + l.Repository + "@" + d.String()
	}
	return l.Path + "@" + d.String()
}

// ParseLocation reads `oci://host/repo[:tag[,tag...]][@sha256:...]` or
// `path[:tag[,tag...]][@sha256:...]` for an OCI image layout folder.
func ParseLocation(s string) (*Location, error) {
	bad := func(format string, a ...any) error {
		return &InvalidError{Reason: fmt.Sprintf("reference %q: ", s) + fmt.Sprintf(format, a...)}
	}
	if s == "" {
		return nil, bad("empty")
	}
	loc := &Location{}
	rest := s
	if i := strings.LastIndex(rest, "@"); i >= 0 && strings.Contains(rest[i:], ":") {
		d, err := digest.Parse(rest[i+1:])
		if err != nil {
			return nil, bad("invalid digest: %v", err)
		}
		loc.Digest, rest = d, rest[:i]
	}
	if strings.HasPrefix(rest, Scheme) {
		rest = strings.TrimPrefix(rest, Scheme)
		slash := strings.Index(rest, "/")
		if slash <= 0 {
			return nil, bad("expected oci://host/repository:tag")
		}
		loc.Registry = rest[:slash]
		repo := rest[slash+1:]
		if i := strings.LastIndex(repo, ":"); i >= 0 {
			loc.Tags = strings.Split(repo[i+1:], ",")
			repo = repo[:i]
		}
		loc.Repository = repo
		ref := registry.Reference{Registry: loc.Registry, Repository: loc.Repository}
		if err := ref.ValidateRegistry(); err != nil {
			return nil, bad("%v", err)
		}
		if err := ref.ValidateRepository(); err != nil {
			return nil, bad("%v", err)
		}
	} else {
		// A colon after the last path separator starts the tags, unless the
		// whole string is an existing path (a folder named "a:b").
		if _, err := os.Stat(rest); err != nil {
			if i := strings.LastIndex(rest, ":"); i > strings.LastIndexAny(rest, `/\`) && i > 0 {
				loc.Tags = strings.Split(rest[i+1:], ",")
				rest = rest[:i]
			}
		}
		loc.Path = filepath.Clean(rest)
	}
	for _, t := range loc.Tags {
		ref := registry.Reference{Registry: "x", Repository: "x", Reference: t}
		if t == "" || ref.ValidateReferenceAsTag() != nil {
			return nil, bad("invalid tag %q", t)
		}
	}
	return loc, nil
}

// WithDefaultTag returns the location with tag when it names neither tag
// nor digest.
func (l *Location) WithDefaultTag(tag string) *Location {
	if len(l.Tags) > 0 || l.Digest != "" || tag == "" {
		return l
	}
	c := *l
	c.Tags = []string{tag}
	return &c
}
