package compile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/library"
)

// Catalog is every policy and library an initiative may use: the built-in
// library plus the policies and lib/ folder of the user's repository.
type Catalog struct {
	policies map[string]*Policy
	libs     map[string]*Lib
	compiled map[string]*CompiledPolicy
	// paramSchemas prepares each policy's parameter schema once.
	paramSchemas paramSchemas
}

// NewCatalog loads the built-in library and every policy folder (a folder
// holding policy.yaml) under root in repo. repo may be nil for built-ins only.
func NewCatalog(repo fs.FS, root string) (*Catalog, error) {
	c := &Catalog{policies: map[string]*Policy{}, libs: map[string]*Lib{}, compiled: map[string]*CompiledPolicy{}}
	if err := c.add(library.FS(), ".", true); err != nil {
		return nil, fmt.Errorf("built-in library: %w", err)
	}
	if repo != nil {
		if err := c.add(repo, root, false); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Catalog) add(fsys fs.FS, root string, builtIn bool) error {
	libs, err := loadLibs(fsys, path.Join(root, "lib"))
	if err != nil {
		return err
	}
	var errs input.ErrorList
	for pkg, l := range libs {
		l.BuiltIn = builtIn
		if prev, dup := c.libs[pkg]; dup {
			errs = append(errs, &input.Error{File: l.File, Field: "package", Msg: fmt.Sprintf("library %s is already provided by %s", pkg, prev.File), Hint: "choose another package name under lib."})
			continue
		}
		c.libs[pkg] = l
	}
	var dirs []string
	err = input.Walk(fsys, root, func(f input.File) error {
		if f.Err != nil {
			return f.Err
		}
		if f.Name() == "policy.yaml" {
			dirs = append(dirs, path.Dir(f.Path))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("scan %s for policies: %w", root, err)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		p, err := LoadPolicy(fsys, dir)
		if err != nil {
			var list input.ErrorList
			var one *input.Error
			switch {
			case errors.As(err, &list):
				errs = append(errs, list...)
			case errors.As(err, &one):
				errs = append(errs, one)
			default:
				return err
			}
			continue
		}
		p.BuiltIn = builtIn
		if prev, dup := c.policies[p.Metadata.Name]; dup {
			// An identical copy of a built-in (the edict source tree itself,
			// or a vendored library) is that built-in, not a conflict.
			if prev.BuiltIn && bytes.Equal(prev.raw, p.raw) && prev.Rego == p.Rego {
				continue
			}
			where := prev.Dir
			if prev.BuiltIn {
				where = "the built-in library"
			}
			errs = append(errs, p.doc.ErrorAt([]string{"metadata", "name"}, fmt.Sprintf("policy %q is already defined in %s", p.Metadata.Name, where), "give your policy another name"))
			continue
		}
		c.policies[p.Metadata.Name] = p
	}
	return errs.Err()
}

// Policy returns a policy by name.
func (c *Catalog) Policy(name string) (*Policy, bool) {
	p, ok := c.policies[name]
	return p, ok
}

// Names lists every policy name, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.policies))
	for n := range c.policies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Policies returns every policy, sorted by name.
func (c *Catalog) Policies() []*Policy {
	out := make([]*Policy, 0, len(c.policies))
	for _, n := range c.Names() {
		out = append(out, c.policies[n])
	}
	return out
}

// Compile compiles a policy's Rego once per catalog and caches the result.
func (c *Catalog) Compile(name string) (*CompiledPolicy, error) {
	if cp, ok := c.compiled[name]; ok {
		return cp, nil
	}
	p, ok := c.policies[name]
	if !ok {
		return nil, fmt.Errorf("unknown policy %q", name)
	}
	cp, err := compileRego(p, c.libs)
	if err != nil {
		return nil, err
	}
	c.compiled[name] = cp
	return cp, nil
}
