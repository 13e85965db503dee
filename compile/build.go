package compile

import (
	"context"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"

	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/library"
	"github.com/edict-policy/edict/rendered"
	"github.com/edict-policy/edict/target"
)

// Builder renders initiatives of one repository. It loads the catalog once
// and compiles each policy once, however many initiatives use it.
type Builder struct {
	repo fs.FS
	root string
	cat  *Catalog
	opts Options
	// templates caches rendered ConstraintTemplates by policy name and
	// target: a template is the same in every initiative that uses its
	// policy for that target.
	templates map[string]targetTemplate
	// mu serialises resolution and rendering, which share the catalog's
	// and the template cache. The checks of a rendered bundle, most of a
	// build's work, run outside it, so that initiatives built from several
	// goroutines overlap.
	mu sync.Mutex
	// gk is the build's Gatekeeper engine; gkmu serialises its checks. One
	// engine compiles each template once, however many initiatives render
	// it, and compiled templates are most of a build's memory: builds share
	// it and overlap their other work with its checks.
	gkmu sync.Mutex
	gk   gatekeeperCheck
	// kustomized holds the digests of templates kustomize already read
	// (see checkWithKustomize); kmu guards it.
	kmu        sync.Mutex
	kustomized map[[32]byte]bool
}

// Workers is how many initiatives callers should build at once: one per
// core the process may use.
func Workers() int { return max(1, min(runtime.GOMAXPROCS(0), 8)) }

// NewBuilder loads the catalog of repo (policies under root plus built-ins).
func NewBuilder(repo fs.FS, root string, opts Options) (*Builder, error) {
	cat, err := NewCatalog(repo, root)
	if err != nil {
		return nil, err
	}
	return &Builder{repo: repo, root: root, cat: cat, opts: opts, kustomized: map[[32]byte]bool{}}, nil
}

// Build resolves, compiles and renders one initiative file and proves the
// result is accepted by Gatekeeper's engine and kustomize.
func (b *Builder) Build(ctx context.Context, file string) (*rendered.Bundle, error) {
	chain, invalid, err := loadChain(b.repo, file)
	if err != nil {
		return nil, err
	}
	if invalid != nil {
		// Resolve what decoded anyway, so one run reports the schema's
		// complaints and the semantic ones (unknown policies, parameters).
		b.mu.Lock()
		_, rerr := resolveChain(chain, b.cat, b.opts)
		b.mu.Unlock()
		return nil, withSchemaErrors(invalid, rerr)
	}
	return b.buildChain(ctx, chain)
}

// Resolve resolves one initiative file with the builder's catalog, for
// checks that read the resolved initiative rather than its rendering.
func (b *Builder) Resolve(file string) (*Plan, error) {
	chain, invalid, err := loadChain(b.repo, file)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	plan, err := resolveChain(chain, b.cat, b.opts)
	if invalid != nil {
		return nil, withSchemaErrors(invalid, err)
	}
	return plan, err
}

// ResolveBuiltin is Resolve for a built-in initiative.
func (b *Builder) ResolveBuiltin(name string) (*Plan, error) {
	chain, err := builtinChain(name)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return resolveChain(chain, b.cat, b.opts)
}

func (b *Builder) buildChain(ctx context.Context, chain []*Initiative) (*rendered.Bundle, error) {
	out, err := b.resolveAndRender(chain)
	if err != nil {
		return nil, err
	}
	b.gkmu.Lock()
	err = b.gk.check(ctx, out)
	b.gkmu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := checkWithKustomize(out, (*kustomized)(b)); err != nil {
		return nil, err
	}
	return out, nil
}

func (b *Builder) resolveAndRender(chain []*Initiative) (*rendered.Bundle, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	plan, err := resolveChain(chain, b.cat, b.opts)
	if err != nil {
		return nil, err
	}
	return b.render(plan)
}

// kustomized is the builder's record of templates kustomize accepted, safe
// for concurrent builds.
type kustomized Builder

func (k *kustomized) seen(sum [32]byte) bool {
	k.kmu.Lock()
	defer k.kmu.Unlock()
	return k.kustomized[sum]
}

func (k *kustomized) add(sums [][32]byte) {
	k.kmu.Lock()
	defer k.kmu.Unlock()
	for _, s := range sums {
		k.kustomized[s] = true
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// RenderPolicyTemplate renders the ConstraintTemplate of the policy folder
// dir in fsys, linking libraries from the built-in library and from a lib/
// folder at the root of fsys. Test runners use it to evaluate a policy folder
// without building an initiative.
func RenderPolicyTemplate(fsys fs.FS, dir string) (*rendered.Template, error) {
	p, err := LoadPolicy(fsys, dir)
	if err != nil {
		return nil, err
	}
	builtinLibs, err := loadBuiltinLibs()
	if err != nil {
		return nil, err
	}
	libs := make(map[string]*Lib, len(builtinLibs))
	for k, v := range builtinLibs {
		libs[k] = v
	}
	builtin := isBuiltinFS(fsys)
	if !builtin {
		own, err := loadLibs(fsys, "lib")
		if err != nil {
			return nil, err
		}
		for k, v := range own {
			if _, dup := libs[k]; !dup {
				libs[k] = v
			}
		}
	}
	cp, err := compileRego(p, libs)
	if err != nil {
		return nil, err
	}
	return RenderTemplate(cp)
}

var (
	builtinLibsOnce sync.Once
	builtinLibs     map[string]*Lib
	builtinLibsErr  error
)

// loadBuiltinLibs parses the built-in libraries once per process; test
// runners render every library policy and would otherwise re-parse them each time.
func loadBuiltinLibs() (map[string]*Lib, error) {
	builtinLibsOnce.Do(func() {
		builtinLibs, builtinLibsErr = loadLibs(library.FS(), "lib")
		for _, l := range builtinLibs {
			l.BuiltIn = true
		}
	})
	return builtinLibs, builtinLibsErr
}

func isBuiltinFS(fsys fs.FS) bool { return fsys == library.FS() }

// BuildBuiltin renders a built-in initiative as it ships.
func (b *Builder) BuildBuiltin(ctx context.Context, name string) (*rendered.Bundle, error) {
	chain, err := builtinChain(name)
	if err != nil {
		return nil, err
	}
	return b.buildChain(ctx, chain)
}

// CheckCollisions reports constraints that two outputs would both create in
// one cluster: initiative contoso-prod with reference x and initiative
// contoso with reference prod-x both render contoso-prod-x.
func CheckCollisions(outputs []*rendered.Bundle) error {
	owner := map[string]string{}
	var errs input.ErrorList
	for _, out := range outputs {
		for _, p := range out.Policies {
			if p.Constraint == "" {
				continue
			}
			key := p.Template + "/" + p.Constraint
			who := out.Name + " reference " + p.Ref
			if prev, dup := owner[key]; dup {
				errs = append(errs, &input.Error{File: out.Name, Field: "spec.policies." + p.Ref, Msg: fmt.Sprintf("constraint %s (%s) is also rendered by %s; both cannot be synced to one cluster", p.Constraint, p.Template, prev), Hint: "rename one of the references or initiatives"})
				continue
			}
			owner[key] = who
		}
	}
	return errs.Err()
}

// targetTemplate is a policy's template for one target, with the oldest
// release the policy's builtins allow (see checkTarget).
type targetTemplate struct {
	*rendered.Template
	needs target.Gatekeeper
}
