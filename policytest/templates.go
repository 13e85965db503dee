package policytest

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/input"
)

// templateCache compiles each ConstraintTemplate once per run. Compiled
// templates live in engines; each template keeps a pool of engines holding
// it and nothing else, so a test borrows one, adds its constraint and
// inventory, and gives it back clean. Only tests that run at the same time on
// the same template cause a second compilation.
type templateCache struct {
	engineOpts []engine.Option

	mu      sync.Mutex
	entries map[string]*templateEntry

	// idle holds engines given back, oldest first, at most maxIdle: a
	// compiled template is a few hundred kilobytes, and a tree of suites
	// that each use their own template would otherwise keep every one of
	// them to the end of the run. Tests of one template run one after
	// another, so a short pool still serves them.
	idleMu  sync.Mutex
	idle    []idleEngine
	maxIdle int

	compiles atomic.Int64 // templates compiled into engines, for tests
}

type idleEngine struct {
	e   *templateEntry
	eng *engine.Engine
}

type templateEntry struct {
	display  string
	load     func() (*templates.ConstraintTemplate, error)
	loadOnce sync.Once
	ct       *templates.ConstraintTemplate
	err      error // reading, rendering or compiling failed: every user gets it

	mu sync.Mutex // guards err
}

// newTemplateCache keeps up to maxIdle compiled engines for reuse.
func newTemplateCache(opts []engine.Option, maxIdle int) *templateCache {
	return &templateCache{engineOpts: opts, entries: map[string]*templateEntry{}, maxIdle: max(1, maxIdle)}
}

// templateRef is what a suite's `template:` names: a ConstraintTemplate file,
// or an edict policy (its policy.yaml or its folder), rendered in memory.
type templateRef struct {
	src    *source
	path   string // slash path in src.fsys
	policy bool
}

func (r templateRef) key() string {
	kind := "file"
	if r.policy {
		kind = "policy"
	}
	return kind + "\x00" + r.src.id + "\x00" + r.path
}

// resolveTemplateRef decides what p (already joined with the suite folder)
// names, reading as little as possible.
func resolveTemplateRef(src *source, p string) (templateRef, error) {
	info, err := input.Stat(src.fsys, p)
	if err != nil {
		return templateRef{}, err
	}
	if info.IsDir() {
		return templateRef{src: src, path: p, policy: true}, nil
	}
	data, err := input.ReadFile(src.fsys, p)
	if err != nil {
		return templateRef{}, err
	}
	if h, ok := input.PeekHeader(data); ok && h.Kind == "Policy" && h.APIVersion == policyAPIVersion {
		return templateRef{src: src, path: path.Dir(p), policy: true}, nil
	}
	return templateRef{src: src, path: p}, nil
}

func (c *templateCache) entry(ref templateRef) *templateEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := ref.key()
	e, ok := c.entries[k]
	if !ok {
		e = &templateEntry{display: ref.src.display(ref.path), load: func() (*templates.ConstraintTemplate, error) { return loadTemplate(ref) }}
		c.entries[k] = e
	}
	return e
}

func loadTemplate(ref templateRef) (*templates.ConstraintTemplate, error) {
	display := ref.src.display(ref.path)
	if ref.policy {
		// Rendered within the repository root, so that its lib/ is linked; a
		// policy outside the root is rendered on its own.
		if rel, ok := ref.src.rel(ref.path); ok {
			return renderPolicy(display, ref.src.repoFS(), rel)
		}
		sub, err := fs.Sub(ref.src.fsys, ref.path)
		if err != nil {
			return nil, &input.Error{File: display, Msg: err.Error()}
		}
		return renderPolicy(display, sub, ".")
	}
	obj, err := readFirstObject(ref.src.fsys, ref.path)
	if err != nil {
		return nil, asInputError(display, err)
	}
	ct, err := engine.ParseTemplate(obj)
	if err != nil {
		return nil, &input.Error{File: display, Msg: err.Error()}
	}
	return ct, nil
}

func renderPolicy(display string, fsys fs.FS, dir string) (*templates.ConstraintTemplate, error) {
	t, err := compile.RenderPolicyTemplate(fsys, dir)
	if err != nil {
		return nil, &input.Error{File: display, Msg: "render policy template: " + err.Error()}
	}
	ct, err := engine.ParseTemplate(engine.Object(t.Manifest))
	if err != nil {
		return nil, &input.Error{File: display, Msg: err.Error()}
	}
	return ct, nil
}

// acquire returns an engine holding only this template; give it back with
// release once its constraints and data are removed.
func (c *templateCache) acquire(ctx context.Context, e *templateEntry) (*engine.Engine, error) {
	e.loadOnce.Do(func() { e.ct, e.err = e.load() })
	e.mu.Lock()
	err := e.err
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	c.idleMu.Lock()
	for i := len(c.idle) - 1; i >= 0; i-- {
		if c.idle[i].e == e {
			eng := c.idle[i].eng
			c.idle = slices.Delete(c.idle, i, i+1)
			c.idleMu.Unlock()
			return eng, nil
		}
	}
	c.idleMu.Unlock()
	eng, err := engine.New(c.engineOpts...)
	if err != nil {
		return nil, err
	}
	c.compiles.Add(1)
	// The framework keeps the template it is given; each engine gets its own.
	if err := eng.AddParsedTemplate(ctx, e.ct.DeepCopy()); err != nil {
		e.mu.Lock()
		if e.err == nil {
			e.err = &input.Error{File: e.display, Msg: err.Error()}
		}
		err = e.err
		e.mu.Unlock()
		return nil, err
	}
	return eng, nil
}

// fresh returns a new engine holding only this template, never taken from
// the pool; the caller drops it after use.
func (c *templateCache) fresh(ctx context.Context, e *templateEntry) (*engine.Engine, error) {
	e.loadOnce.Do(func() { e.ct, e.err = e.load() })
	if e.err != nil {
		return nil, e.err
	}
	eng, err := engine.New(c.engineOpts...)
	if err != nil {
		return nil, err
	}
	c.compiles.Add(1)
	if err := eng.AddParsedTemplate(ctx, e.ct.DeepCopy()); err != nil {
		return nil, &input.Error{File: e.display, Msg: err.Error()}
	}
	return eng, nil
}

// release gives back an engine holding only its template; the oldest idle
// engine beyond maxIdle is dropped.
func (c *templateCache) release(e *templateEntry, eng *engine.Engine) {
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	c.idle = append(c.idle, idleEngine{e, eng})
	if len(c.idle) > c.maxIdle {
		c.idle[0] = idleEngine{}
		c.idle = c.idle[1:]
	}
}

// asInputError gives file-level context to errors from reading a file.
func asInputError(file string, err error) *input.Error {
	var ie *input.Error
	if errors.As(err, &ie) {
		return ie
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &input.Error{File: file, Msg: pe.Err.Error()}
	}
	return &input.Error{File: file, Msg: err.Error()}
}
