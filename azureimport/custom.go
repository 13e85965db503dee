package azureimport

import (
	"encoding/base64"
	"fmt"
	"path"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/library"
)

// maxTemplateSize bounds a decoded embedded template.
const maxTemplateSize = 1 << 20

// definition handles one policy definition among the inputs: an ARM-mode
// definition is reported, a built-in is left to the mapping table, and a
// custom Kubernetes definition whose template is embedded becomes a policy
// folder (policy.yaml, the Rego as v1, a suite skeleton).
func (im *importer) definition(o *object) {
	name := firstNonEmpty(o.str("displayName"), o.name())
	mode := o.str("mode")
	if !strings.EqualFold(mode, "Microsoft.Kubernetes.Data") {
		im.report.addAt(o.loc("mode"), Item{Kind: "definition", Name: name, Status: NotMapped,
			Note: fmt.Sprintf("mode %q is an Azure resource (ARM) policy with no Kubernetes admission counterpart; edict imports Microsoft.Kubernetes.Data definitions", mode)})
		return
	}
	guid := strings.ToLower(o.name())
	if strings.EqualFold(o.str("policyType"), "BuiltIn") || isBuiltInID(o.id()) {
		if row, ok := im.table.Lookup(guid, majorOf(o.str("version"))); ok && row.Unsupported == "" {
			im.report.addAt(o.loc(), Item{Kind: "definition", Name: name, Status: Exact, Target: "policy " + row.Policy, Note: "a built-in, mapped by edict's table"})
			return
		}
		im.report.addAt(o.loc(), Item{Kind: "definition", Name: name, Status: NotMapped, Note: "a built-in edict's Azure mapping table has no counterpart for"})
		return
	}
	details := jpath{"policyRule", "then", "details"}
	det := dig(o.p, "policyRule", "then", "details")
	if det == nil {
		im.report.addAt(o.loc(details...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: "no policyRule.then.details: not a Kubernetes policy definition edict can read"})
		return
	}
	if _, ok := det["mutationInfo"]; ok {
		im.report.addAt(o.loc(append(details, "mutationInfo")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: "mutation definitions (Gatekeeper Assign/Modify) are not supported by edict yet"})
		return
	}
	ti, _ := det["templateInfo"].(map[string]any)
	if ti == nil {
		if url, ok := det["constraintTemplate"].(string); ok {
			im.report.addAt(o.loc(append(details, "constraintTemplate")...), Item{Kind: "definition", Name: name, Status: NotMapped,
				Note: "needs its template file: the legacy constraintTemplate URL " + url + " is not fetched; download it and base64-embed it as templateInfo.content, or write the policy folder by hand"})
			return
		}
		im.report.addAt(o.loc(details...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: "no templateInfo"})
		return
	}
	tiAt := append(details, "templateInfo")
	switch st, _ := ti["sourceType"].(string); {
	case strings.EqualFold(st, "PublicURL"):
		url, _ := ti["url"].(string)
		im.report.addAt(o.loc(tiAt...), Item{Kind: "definition", Name: name, Status: NotMapped,
			Note: "needs its template file: " + url + " (edict does not fetch it; download the template and embed it as sourceType Base64Encoded, or write the policy folder by hand)"})
		return
	case strings.EqualFold(st, "Base64Encoded"):
	default:
		im.report.addAt(o.loc(append(tiAt, "sourceType")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: fmt.Sprintf("templateInfo.sourceType %q: expected Base64Encoded or PublicURL", st)})
		return
	}
	content, _ := ti["content"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(content), ""))
	if err != nil || len(raw) == 0 || len(raw) > maxTemplateSize {
		msg := "templateInfo.content is not base64"
		if err == nil {
			msg = fmt.Sprintf("templateInfo.content decodes to %d bytes; expected a ConstraintTemplate under %d", len(raw), maxTemplateSize)
		}
		im.report.addAt(o.loc(append(tiAt, "content")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: msg})
		return
	}
	tmpl, err := readTemplate(raw)
	if err != nil {
		im.report.addAt(o.loc(append(tiAt, "content")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: "the embedded template: " + err.Error()})
		return
	}
	policyName := uniqueName(dnsName(firstNonEmpty(o.str("displayName"), tmpl.kind)), im.policyNames)
	dir := "policies/" + policyName
	rego, err := regoV1(dir+"/policy.rego", tmpl.rego, tmpl.v1)
	if err != nil {
		im.report.addAt(o.loc(append(tiAt, "content")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: "the template's Rego: " + err.Error()})
		return
	}
	libFiles := map[string][]byte{}
	for i, l := range tmpl.libs {
		src, err := regoV1(fmt.Sprintf("lib %d", i), l, tmpl.v1)
		if err != nil {
			im.report.addAt(o.loc(append(tiAt, "content")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: fmt.Sprintf("the template's lib %d: %v", i, err)})
			return
		}
		m, err := ast.ParseModuleWithOpts("lib", string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			im.report.addAt(o.loc(append(tiAt, "content")...), Item{Kind: "definition", Name: name, Status: NotMapped, Note: fmt.Sprintf("the template's lib %d: %v", i, err)})
			return
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !strings.HasPrefix(pkg, "lib.") || pkg == "lib.pods" || pkg == "lib.exclusions" {
			im.report.addAt(o.loc(append(tiAt, "content")...), Item{Kind: "definition", Name: name, Status: NotMapped,
				Note: fmt.Sprintf("the template's lib package %s must be lib.<name> and not one of edict's own (lib.pods, lib.exclusions)", pkg)})
			return
		}
		libFiles["lib/"+strings.ReplaceAll(strings.TrimPrefix(pkg, "lib."), ".", "_")+".rego"] = src
	}

	// Definition parameters -> constraint parameters, through details.values.
	defs := paramDefs(o)
	row := &library.AzureDefinition{ID: guid, DisplayName: name, Policy: policyName, Parameters: map[string]library.AzureParameter{}}
	if d := defs["effect"]; d != nil && d.HasDefault {
		if e, ok := effectOf(d.Default); ok {
			row.Effect = strings.ToUpper(e[:1]) + e[1:]
		}
	}
	values, _ := det["values"].(map[string]any)
	schemaProps, _ := tmpl.schema["properties"].(map[string]any)
	for _, k := range sortedKeys(values) {
		expr, _ := values[k].(string)
		refs := referencedParameters(expr)
		if len(refs) != 1 {
			im.report.addAt(o.loc(append(details, "values", k)...), Item{Kind: "parameter", Name: name + ".values." + k, Status: NotMapped, Target: dir,
				Note: "only values of the form [parameters('x')] or [parameters('x').field] are imported; set the parameter in the initiative by hand"})
			continue
		}
		p := refs[0]
		tr := library.AzureParameter{To: k}
		if field, ok := strings.CutPrefix(expr, "[parameters('"+p+"')."); ok && strings.HasSuffix(field, "]") {
			tr = library.AzureParameter{To: k, Kind: library.TranslateUnwrap, Field: strings.TrimSuffix(field, "]")}
		} else if expr != "[parameters('"+p+"')]" {
			im.report.addAt(o.loc(append(details, "values", k)...), Item{Kind: "parameter", Name: name + ".values." + k, Status: NotMapped, Target: dir,
				Note: "only values of the form [parameters('x')] or [parameters('x').field] are imported"})
			continue
		}
		if d := defs[p]; d != nil && d.HasDefault {
			tr.Default = d.Default
		}
		row.Parameters[p] = tr
		if prop, ok := schemaProps[k].(map[string]any); ok && tr.Default != nil {
			if v := translate(tr, tr.Default); v.Status != NotMapped {
				prop["default"] = v.Value
			}
		}
	}
	kinds := matchKinds(det)
	policyYAML := newOrdered().
		set("apiVersion", "edict.dev/v1alpha1").
		set("kind", "Policy").
		set("metadata", newOrdered().set("name", policyName)).
		set("spec", func() *ordered {
			s := newOrdered().set("version", "1.0.0").set("title", name)
			desc := o.str("description")
			desc = strings.TrimSpace(desc + fmt.Sprintf(" Imported from the Azure custom definition %s", o.id()))
			if v := firstNonEmpty(o.str("version"), dig2(o.p, "metadata", "version")); v != "" {
				desc += " version " + v
			}
			s.set("description", desc+".")
			s.set("controls", []string{"azure:" + guid})
			s.set("constraintKind", tmpl.kind)
			if kinds != nil {
				s.set("match", map[string]any{"kinds": kinds})
			}
			s.set("effect", "audit")
			schema := map[string]any{"type": "object", "properties": schemaProps}
			if schemaProps == nil {
				schema["properties"] = map[string]any{}
			}
			s.set("parameters", schema)
			return s
		}())
	im.files[dir+"/policy.yaml"] = render("Imported by edict import azure from the custom definition "+o.id()+".\nAzure's definition version is kept in the description; the edict policy starts at 1.0.0.", policyYAML)
	im.files[dir+"/policy.rego"] = rego
	for p, src := range libFiles {
		im.files[p] = src
	}
	im.suiteSkeleton(dir, tmpl.kind, kinds)
	std := map[string]any{}
	for _, k := range standardParams {
		if d := defs[k]; d != nil && d.HasDefault {
			std[k] = d.Default
		}
	}
	im.customDefaults[policyName] = std
	im.custom[guid] = row
	im.custom[strings.ToLower(o.id())] = row
	im.report.addAt(o.loc(), Item{Kind: "definition", Name: name, Status: Caveat, Target: dir,
		Note: "the embedded template became a policy folder with its Rego converted to v1 by OPA's formatter; its suite is a skeleton: add allowed and disallowed examples"})
}

// template is the part of a ConstraintTemplate the importer reads.
type template struct {
	kind   string
	rego   string
	libs   []string
	schema map[string]any
	// v1 is set for code[].source with version v1 (Gatekeeper 3.19+);
	// the legacy rego field is Rego v0.
	v1 bool
}

func readTemplate(data []byte) (*template, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("not YAML: %v", err)
	}
	if k, _ := obj["kind"].(string); k != "ConstraintTemplate" {
		return nil, fmt.Errorf("expected a ConstraintTemplate, got kind %q", k)
	}
	t := &template{}
	names := dig(obj, "spec", "crd", "spec", "names")
	t.kind, _ = names["kind"].(string)
	if t.kind == "" {
		return nil, fmt.Errorf("spec.crd.spec.names.kind is missing")
	}
	t.schema = dig(obj, "spec", "crd", "spec", "validation", "openAPIV3Schema")
	targets, _ := dig(obj, "spec")["targets"].([]any)
	if len(targets) != 1 {
		return nil, fmt.Errorf("expected one target, got %d", len(targets))
	}
	tg, _ := targets[0].(map[string]any)
	if tgt, _ := tg["target"].(string); tgt != "admission.k8s.gatekeeper.sh" {
		return nil, fmt.Errorf("target %q: expected admission.k8s.gatekeeper.sh", tgt)
	}
	t.rego, _ = tg["rego"].(string)
	for _, l := range asList(tg["libs"]) {
		if s, ok := l.(string); ok {
			t.libs = append(t.libs, s)
		}
	}
	if t.rego == "" {
		// Gatekeeper 3.19+: code: [{engine: Rego, source: {rego, libs}}]
		for _, c := range asList(tg["code"]) {
			cm, _ := c.(map[string]any)
			if e, _ := cm["engine"].(string); e != "Rego" {
				continue
			}
			src, _ := cm["source"].(map[string]any)
			t.rego, _ = src["rego"].(string)
			t.v1 = src["version"] == "v1"
			for _, l := range asList(src["libs"]) {
				if s, ok := l.(string); ok {
					t.libs = append(t.libs, s)
				}
			}
		}
	}
	if t.rego == "" {
		return nil, fmt.Errorf("no Rego in the template (CEL-only templates are not imported yet)")
	}
	return t, nil
}

// regoV1 converts template Rego to Rego v1 with OPA's formatter: v0 (the
// legacy rego field the Azure add-on's Gatekeeper runs) as `opa fmt
// --v0-v1` does, and v1 formatted as it is.
func regoV1(file, src string, v1 bool) ([]byte, error) {
	from := ast.RegoV0
	if v1 {
		from = ast.RegoV1
	}
	return format.SourceWithOpts(file, []byte(src), format.Opts{
		RegoVersion:                   ast.RegoV1,
		ParserOptions:                 &ast.ParserOptions{RegoVersion: from},
		DropRedundantDirectiveImports: true,
	})
}

func matchKinds(det map[string]any) []any {
	kinds := asList(det["kinds"])
	if len(kinds) == 0 {
		return nil
	}
	groups := asList(det["apiGroups"])
	if len(groups) == 0 {
		groups = []any{""}
	}
	return []any{map[string]any{"apiGroups": groups, "kinds": kinds}}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, _ := m[k].(map[string]any)
		if next == nil {
			return nil
		}
		m = next
	}
	return m
}

func dig2(m map[string]any, keys ...string) string {
	if len(keys) == 0 {
		return ""
	}
	parent := dig(m, keys[:len(keys)-1]...)
	s, _ := parent[keys[len(keys)-1]].(string)
	return s
}

// suiteSkeleton writes a gator suite with the constraint a user starts
// from and no cases yet: edict test runs it, and the report asks for
// examples.
func (im *importer) suiteSkeleton(dir, kind string, kinds []any) {
	constraint := newOrdered().
		set("apiVersion", "constraints.gatekeeper.sh/v1beta1").
		set("kind", kind).
		set("metadata", newOrdered().set("name", "imported")).
		set("spec", map[string]any{"match": map[string]any{"kinds": orEmptyKinds(kinds)}})
	im.files[dir+"/samples/imported/constraint.yaml"] = render("The constraint the suite tests; set parameters as the initiative does.", constraint)
	suite := newOrdered().
		set("kind", "Suite").
		set("apiVersion", "test.gatekeeper.sh/v1alpha1").
		set("metadata", newOrdered().set("name", path.Base(dir))).
		set("tests", []any{map[string]any{
			"name":       path.Base(dir),
			"template":   "policy.yaml",
			"constraint": "samples/imported/constraint.yaml",
			"cases":      []any{},
		}})
	im.files[dir+"/suite.yaml"] = render("Skeleton written by edict import azure: add cases with allowed and disallowed\nexamples under samples/imported/ (see the library's policies for the form).", suite)
}

func orEmptyKinds(k []any) []any {
	if k == nil {
		return []any{map[string]any{"apiGroups": []any{""}, "kinds": []any{"Pod"}}}
	}
	return k
}
