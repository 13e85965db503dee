package policytest

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/library"
)

var (
	benchTree = flag.String("benchtree", "", "BenchmarkGeneratedSuites also writes its suites to this folder (for comparing with gator verify)")
	libTree   = flag.String("libtree", "", "BenchmarkLibrary also writes the library's suites with rendered templates to this folder (for gator verify)")
)

// BenchmarkLibrary is the whole test run over the built-in library: unit
// tests with coverage and every example suite.
func BenchmarkLibrary(b *testing.B) {
	if *libTree != "" {
		if err := writeLibraryTree(*libTree); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		rep, err := RunSources(context.Background(), nil, Options{Library: true})
		if err != nil || rep.Failed > 0 {
			b.Fatalf("%v, %d failed", err, rep.Failed)
		}
	}
}

// BenchmarkGeneratedSuites runs a large generated set of gator suites: 100
// templates, 300 tests, 1000 cases and 100 invalid-constraint tests (with
// inventory, namespaces and message regexes).
func BenchmarkGeneratedSuites(b *testing.B) {
	dir := *benchTree
	if dir == "" {
		dir = b.TempDir()
	}
	if err := writeBenchTree(dir, 100); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rep, err := Run(context.Background(), os.DirFS(dir), nil, Options{})
		if err != nil || rep.Failed > 0 || rep.Passed != 1100 {
			b.Fatalf("%v, %d passed, %d failed", err, rep.Passed, rep.Failed)
		}
	}
}

// writeLibraryTree copies the library's suites and samples to dir with each
// policy's template rendered beside its suite, so that gator verify can run
// exactly the suites edict runs.
func writeLibraryTree(dir string) error {
	lib := library.FS()
	suites, err := fs.Glob(lib, "*/*/suite.yaml")
	if err != nil {
		return err
	}
	for _, s := range suites {
		pdir := path.Dir(s)
		tmpl, err := compile.RenderPolicyTemplate(lib, pdir)
		if err != nil {
			return err
		}
		err = fs.WalkDir(lib, pdir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return err
			}
			data, err := fs.ReadFile(lib, p)
			if err != nil {
				return err
			}
			if path.Base(p) == "policy.yaml" {
				return nil
			}
			if p == s {
				text := strings.ReplaceAll(string(data), "template: policy.yaml", "template: template.yaml")
				text = strings.ReplaceAll(text, "template: .\n", "template: template.yaml\n")
				data = []byte(text)
			}
			return writeFile(filepath.Join(dir, filepath.FromSlash(p)), data)
		})
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(pdir), "template.yaml"), tmpl.Data); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// writeBenchTree writes n suites, each with its own template, three tests
// and ten cases whose expected verdicts all hold.
func writeBenchTree(dir string, n int) error {
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("policy-%03d", i))
		kind := fmt.Sprintf("BenchPolicy%03d", i)
		files := map[string]string{
			"template.yaml":              benchTemplate(i, kind),
			"constraint_all.yaml":        benchConstraint(kind, "all", "deny", ""),
			"constraint_namespaces.yaml": benchConstraint(kind, "namespaces", "warn", "    namespaces: [\"app*\"]\n    excludedNamespaces: [\"kube-*\"]\n"),
			"constraint_invalid.yaml":    strings.Replace(benchConstraint(kind, "invalid", "deny", ""), "repos: [\"good.example.com/\"]", "repos: \"good.example.com/\"", 1),
			"pod_good.yaml":              benchPod("web", "app", true, "good.example.com/app:1", false),
			"pod_bad_image.yaml":         benchPod("web", "app", true, "evil.example.com/app:1", false),
			"pod_no_label.yaml":          benchPod("web", "app", false, "good.example.com/app:1", false),
			"pod_privileged.yaml":        benchPod("web", "app", true, "evil.example.com/app:1", true),
			"pod_kube_system.yaml":       benchPod("web", "kube-system", false, "evil.example.com/app:1", true),
			"pod_dup.yaml":               benchPod("dup", "app", true, "good.example.com/app:1", false),
			"inventory_dup.yaml":         benchPod("dup", "other", true, "good.example.com/app:1", false),
			"suite.yaml":                 benchSuite(i),
		}
		for name, content := range files {
			if err := writeFile(filepath.Join(d, name), []byte(content)); err != nil {
				return err
			}
		}
	}
	return nil
}

func benchTemplate(i int, kind string) string {
	return fmt.Sprintf(`apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: %[2]s
spec:
  crd:
    spec:
      names:
        kind: %[3]s
      validation:
        openAPIV3Schema:
          type: object
          properties:
            repos:
              type: array
              items: {type: string}
            labels:
              type: array
              items: {type: string}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package bench.p%[1]d

              import data.lib.bench.startswith_any

              violation contains {"msg": msg} if {
                some c in input.review.object.spec.containers
                not startswith_any(c.image, input.parameters.repos)
                msg := sprintf("p%[1]d: container %%v image %%v is not from an allowed repository", [c.name, c.image])
              }

              violation contains {"msg": msg} if {
                some l in input.parameters.labels
                not input.review.object.metadata.labels[l]
                msg := sprintf("p%[1]d: missing label %%v", [l])
              }

              violation contains {"msg": msg} if {
                some c in input.review.object.spec.containers
                c.securityContext.privileged
                msg := sprintf("p%[1]d: container %%v is privileged", [c.name])
              }

              violation contains {"msg": msg} if {
                some ns, name
                other := data.inventory.namespace[ns].v1.Pod[name]
                other.metadata.name == input.review.object.metadata.name
                ns != input.review.object.metadata.namespace
                msg := sprintf("p%[1]d: name %%v is already used in namespace %%v", [name, ns])
              }
            libs:
              - |
                package lib.bench

                startswith_any(s, prefixes) if {
                  some p in prefixes
                  startswith(s, p)
                }
`, i, strings.ToLower(kind), kind)
}

func benchConstraint(kind, name, action, match string) string {
	return fmt.Sprintf(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: %s
metadata:
  name: %s
spec:
  enforcementAction: %s
  match:
    kinds:
      - apiGroups: [""]
        kinds: [Pod]
%s  parameters:
    repos: ["good.example.com/"]
    labels: [owner]
`, kind, name, action, match)
}

func benchPod(name, ns string, labelled bool, image string, privileged bool) string {
	labels := "{app: web}"
	if labelled {
		labels = "{app: web, owner: team}"
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
  labels: %s
spec:
  containers:
    - name: app
      image: %s
      securityContext:
        privileged: %v
`, name, ns, labels, image, privileged)
}

func benchSuite(i int) string {
	return fmt.Sprintf(`apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
metadata:
  name: policy-%03[1]d
tests:
  - name: all-namespaces
    template: template.yaml
    constraint: constraint_all.yaml
    cases:
      - name: good
        object: pod_good.yaml
        assertions:
          - violations: no
      - name: bad-image
        object: pod_bad_image.yaml
        assertions:
          - violations: 1
            message: '^p%[1]d: container app image evil\.example\.com/app:1 is not from an allowed repository$'
      - name: no-label
        object: pod_no_label.yaml
        assertions:
          - violations: yes
            message: missing label owner
      - name: privileged
        object: pod_privileged.yaml
        assertions:
          - violations: 2
          - violations: 1
            message: privileged
      - name: kube-system
        object: pod_kube_system.yaml
        assertions:
          - violations: 3
      - name: duplicate-name
        object: pod_dup.yaml
        inventory: [inventory_dup.yaml]
        assertions:
          - violations: 1
            message: already used in namespace other
      - name: inventory-cleared
        object: pod_dup.yaml
        assertions:
          - violations: no
  - name: namespaces
    template: template.yaml
    constraint: constraint_namespaces.yaml
    cases:
      - name: bad-image-in-app
        object: pod_bad_image.yaml
        assertions:
          - violations: 1
      - name: kube-system-excluded
        object: pod_kube_system.yaml
        assertions:
          - violations: no
      - name: good
        object: pod_good.yaml
        assertions:
          - violations: 0
  - name: invalid-parameters
    template: template.yaml
    constraint: constraint_invalid.yaml
    invalid: true
`, i)
}
