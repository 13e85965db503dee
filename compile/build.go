package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/library"
)

// Builder renders initiatives of one repository. It loads the catalog once
// and compiles each policy once, however many initiatives use it.
type Builder struct {
	repo fs.FS
	root string
	cat  *Catalog
	opts Options
	gk   gatekeeperCheck
	// templates caches rendered ConstraintTemplates by policy name: a
	// template is the same in every initiative that uses its policy.
	templates map[string][]byte
	// mu serialises builds: the caches above are shared, and test runners
	// may build initiatives from several goroutines.
	mu sync.Mutex
}

// NewBuilder loads the catalog of repo (policies under root plus built-ins).
func NewBuilder(repo fs.FS, root string, opts Options) (*Builder, error) {
	cat, err := NewCatalog(repo, root)
	if err != nil {
		return nil, err
	}
	return &Builder{repo: repo, root: root, cat: cat, opts: opts}, nil
}

// Catalog returns the builder's catalog.
func (b *Builder) Catalog() *Catalog { return b.cat }

// BuildInitiative resolves, compiles and renders one initiative file of repo
// and proves the result is accepted by Gatekeeper's engine and kustomize.
func BuildInitiative(repo fs.FS, file string, opts Options) (*Output, error) {
	b, err := NewBuilder(repo, ".", opts)
	if err != nil {
		return nil, err
	}
	return b.Build(context.Background(), file)
}

// Build renders one initiative file.
func (b *Builder) Build(ctx context.Context, file string) (*Output, error) {
	chain, err := loadChain(b.repo, file)
	if err != nil {
		return nil, err
	}
	return b.buildChain(ctx, chain)
}

func (b *Builder) buildChain(ctx context.Context, chain []*Initiative) (*Output, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	plan, err := resolveChain(chain, b.cat, b.opts)
	if err != nil {
		return nil, err
	}
	out, err := b.render(plan)
	if err != nil {
		return nil, err
	}
	if err := b.gk.check(ctx, out); err != nil {
		return nil, err
	}
	if err := checkWithKustomize(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (b *Builder) render(plan *Plan) (*Output, error) {
	in := plan.Initiative
	name := in.Metadata.Name
	out := &Output{
		Name:        name,
		Version:     in.Spec.Version,
		Description: firstNonEmpty(in.Spec.Description, in.Spec.Title),
		Files:       map[string][]byte{},
		Warnings:    plan.Warnings,
	}
	var errs ErrorList
	var templateFiles, constraintFiles []string
	usedPolicies := map[string]bool{}
	constraintOwner := map[string]string{}
	needsExpansion := false
	for _, r := range plan.Refs {
		entry := ResolvedRef{
			Ref:           r.Ref,
			Policy:        r.Policy.Metadata.Name,
			PolicyVersion: r.Policy.Spec.Version,
			Template:      r.Policy.TemplateName(),
			Effect:        r.Effect,
			Match:         matchObject(r.Match),
			Parameters:    deepCopy(r.Parameters),
		}
		if len(entry.Parameters) == 0 {
			entry.Parameters = nil
		}
		if len(entry.Match) == 0 {
			entry.Match = nil
		}
		obj := ConstraintObject(name, r)
		if obj != nil {
			cname := obj["metadata"].(map[string]any)["name"].(string)
			entry.Constraint = cname
			entry.EnforcementAction = r.EnforcementAction()
			key := r.Policy.Spec.ConstraintKind + "/" + cname
			if prev, dup := constraintOwner[key]; dup {
				errs = append(errs, in.doc.keyErrorAt([]string{"spec", "policies", r.Ref}, fmt.Sprintf("reference %q renders constraint %s, which reference %q already renders", r.Ref, cname, prev), "rename one of the references"))
				continue
			}
			constraintOwner[key] = r.Ref
			if _, err := b.cat.Compile(r.Policy.Metadata.Name); err != nil {
				errs = appendErr(errs, err)
				continue
			}
			data, err := yaml.Marshal(obj)
			if err != nil {
				return nil, fmt.Errorf("render constraint %s: %w", cname, err)
			}
			file := "constraints/" + r.Policy.TemplateName() + "." + r.Ref + ".yaml"
			out.Files[file] = data
			constraintFiles = append(constraintFiles, path.Base(file))
			usedPolicies[r.Policy.Metadata.Name] = true
			if matchesPods(r.Match) {
				needsExpansion = true
			}
		}
		out.Policies = append(out.Policies, entry)
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	inputs := map[string][]byte{}
	for _, ci := range plan.Chain {
		inputs[ci.File] = ci.raw
	}
	for _, pname := range sortedKeys(usedPolicies) {
		cp, _ := b.cat.Compile(pname)
		data, ok := b.templates[pname]
		if !ok {
			var err error
			if data, err = RenderTemplate(cp); err != nil {
				return nil, fmt.Errorf("render template %s: %w", cp.TemplateName(), err)
			}
			if b.templates == nil {
				b.templates = map[string][]byte{}
			}
			b.templates[pname] = data
		}
		file := "templates/" + cp.TemplateName() + ".yaml"
		out.Files[file] = data
		templateFiles = append(templateFiles, path.Base(file))
		prefix := ""
		if cp.BuiltIn {
			prefix = "builtin:library/"
		}
		inputs[prefix+path.Join(cp.Dir, "policy.yaml")] = cp.raw
		inputs[prefix+path.Join(cp.Dir, "policy.rego")] = []byte(cp.Rego)
		for _, l := range cp.Libs {
			lp := l.File
			if l.BuiltIn {
				lp = "builtin:library/" + lp
			}
			inputs[lp] = []byte(l.Source)
		}
	}
	if needsExpansion {
		for _, n := range sortedKeys(expansionTemplates()) {
			data, err := yaml.Marshal(expansionTemplates()[n])
			if err != nil {
				return nil, err
			}
			file := "templates/expansion." + n + ".yaml"
			out.Files[file] = data
			templateFiles = append(templateFiles, path.Base(file))
		}
	}
	for _, k := range []struct {
		file string
		res  []string
	}{
		{"kustomization.yaml", []string{"constraints", "templates"}},
		{"templates/kustomization.yaml", templateFiles},
		{"constraints/kustomization.yaml", constraintFiles},
	} {
		data, err := yaml.Marshal(kustomization(k.res))
		if err != nil {
			return nil, err
		}
		out.Files[k.file] = data
	}
	for _, p := range sortedKeys(inputs) {
		sum := sha256.Sum256(inputs[p])
		out.Inputs = append(out.Inputs, Input{Path: p, SHA256: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out.Policies, func(i, j int) bool { return out.Policies[i].Ref < out.Policies[j].Ref })
	return out, nil
}

func appendErr(list ErrorList, err error) ErrorList {
	switch e := err.(type) {
	case ErrorList:
		return append(list, e...)
	case *Error:
		return append(list, e)
	}
	return append(list, &Error{Msg: err.Error()})
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
func RenderPolicyTemplate(fsys fs.FS, dir string) ([]byte, error) {
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
func (b *Builder) BuildBuiltin(ctx context.Context, name string) (*Output, error) {
	in, err := LoadBuiltinInitiative(name)
	if err != nil {
		return nil, err
	}
	chain, err := builtinChain(in)
	if err != nil {
		return nil, err
	}
	return b.buildChain(ctx, chain)
}

// CheckCollisions reports constraints that two outputs would both create in
// one cluster: initiative contoso-prod with reference x and initiative
// contoso with reference prod-x both render contoso-prod-x.
func CheckCollisions(outputs []*Output) error {
	owner := map[string]string{}
	var errs ErrorList
	for _, out := range outputs {
		for _, p := range out.Policies {
			if p.Constraint == "" {
				continue
			}
			key := p.Template + "/" + p.Constraint
			who := out.Name + " reference " + p.Ref
			if prev, dup := owner[key]; dup {
				errs = append(errs, &Error{File: out.Name, Field: "spec.policies." + p.Ref, Msg: fmt.Sprintf("constraint %s (%s) is also rendered by %s; both cannot be synced to one cluster", p.Constraint, p.Template, prev), Hint: "rename one of the references or initiatives"})
				continue
			}
			owner[key] = who
		}
	}
	return errs.Err()
}
