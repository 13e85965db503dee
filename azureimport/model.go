package azureimport

import (
	"fmt"
	"sort"
	"strings"
)

// The Azure objects the importer reads. Each is read from the properties
// object of an ARM resource (portal exports, infrastructure-as-code) or
// from the flattened form the Azure CLI prints, where the same fields sit at
// the top level.

// object is one Azure resource in a file.
type object struct {
	doc   *document
	base  jpath          // where the resource is in the file
	props jpath          // where its properties are
	top   map[string]any // the resource
	p     map[string]any // its properties (top when flattened)
}

func (o *object) loc(seg ...any) loc { return loc{doc: o.doc, path: o.props.with(seg...)} }

func (o *object) str(key string) string {
	if s, ok := o.p[key].(string); ok {
		return s
	}
	if s, ok := o.top[key].(string); ok {
		return s
	}
	return ""
}

// id is the resource id, or its name when the file has no id.
func (o *object) id() string {
	if s, ok := o.top["id"].(string); ok && s != "" {
		return s
	}
	return o.name()
}

// name is the resource name: the last element of its id.
func (o *object) name() string {
	if s, ok := o.top["name"].(string); ok && s != "" {
		return s
	}
	if s, ok := o.top["id"].(string); ok {
		return lastSegment(s)
	}
	return ""
}

func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

type kind string

const (
	kindSet        kind = "policy set definition"
	kindDefinition kind = "policy definition"
	kindAssignment kind = "policy assignment"
	kindExemption  kind = "policy exemption"
)

// classify says what an object is: by its resource type when it has one,
// else by the fields only that kind has.
func classify(o *object) (kind, bool) {
	t := strings.ToLower(o.str("type"))
	if s, ok := o.top["type"].(string); ok {
		t = strings.ToLower(s)
	}
	switch {
	case strings.HasSuffix(t, "/policysetdefinitions"):
		return kindSet, true
	case strings.HasSuffix(t, "/policydefinitions"):
		return kindDefinition, true
	case strings.HasSuffix(t, "/policyassignments"):
		return kindAssignment, true
	case strings.HasSuffix(t, "/policyexemptions"):
		return kindExemption, true
	}
	switch {
	case o.p["policyDefinitions"] != nil:
		return kindSet, true
	case o.p["policyRule"] != nil:
		return kindDefinition, true
	case o.p["exemptionCategory"] != nil:
		return kindExemption, true
	case o.p["policyDefinitionId"] != nil:
		return kindAssignment, true
	}
	return "", false
}

// objects finds the Azure resources in a parsed file: one object, an array
// of them, or an ARM deployment template's resources.
func objects(d *document) ([]*object, []error) {
	var out []*object
	var errs []error
	var visit func(v any, p jpath, depth int, inTemplate bool)
	visit = func(v any, p jpath, depth int, inTemplate bool) {
		if depth > 3 {
			return
		}
		switch v := v.(type) {
		case []any:
			for i, e := range v {
				visit(e, p.with(i), depth+1, inTemplate)
			}
		case map[string]any:
			if res, ok := v["resources"].([]any); ok && v["properties"] == nil {
				for i, e := range res {
					visit(e, p.with("resources", i), depth+1, true)
				}
				return
			}
			if inTemplate {
				// A deployment template escapes the policy's own
				// expressions ("[[parameters('effect')]") so that ARM
				// leaves them to Azure Policy; deployed, they lose one
				// bracket, and so they do here.
				v, _ = unescapeTemplate(v).(map[string]any)
			}
			o := &object{doc: d, base: p, props: p, top: v, p: v}
			if props, ok := v["properties"].(map[string]any); ok {
				o.p, o.props = props, p.with("properties")
			}
			out = append(out, o)
		default:
			errs = append(errs, d.errorAt(p, fmt.Sprintf("expected an Azure policy resource (a JSON object), got a %s", typeName(v)), ""))
		}
	}
	visit(d.value, nil, 0, false)
	return out, errs
}

// paramDef is a parameter declared by a definition or a set.
type paramDef struct {
	Name       string
	Type       string // String, Array, Object, Boolean, Integer, Float, DateTime
	Default    any
	HasDefault bool
	Allowed    []any
	at         loc
}

func paramDefs(o *object) map[string]*paramDef {
	out := map[string]*paramDef{}
	m, _ := o.p["parameters"].(map[string]any)
	for name, v := range m {
		pm, _ := v.(map[string]any)
		pd := &paramDef{Name: name, at: o.loc("parameters", name)}
		if pm != nil {
			pd.Type, _ = pm["type"].(string)
			pd.Default, pd.HasDefault = pm["defaultValue"]
			pd.Allowed, _ = pm["allowedValues"].([]any)
		}
		out[name] = pd
	}
	return out
}

// checkType reports whether v is a value of an Azure parameter type.
func checkType(typ string, v any) bool {
	switch strings.ToLower(typ) {
	case "string", "datetime":
		_, ok := v.(string)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		_, ok := v.(int64)
		return ok
	case "float":
		switch v.(type) {
		case int64, float64:
			return true
		}
		return false
	}
	return true // an undeclared type checks nothing
}

// member is one policyDefinitions[] entry of a set.
type member struct {
	RefID        string
	DefinitionID string
	Version      string // definitionVersion, e.g. "9.*.*"
	Params       map[string]any
	at           loc
}

func members(o *object) []*member {
	list, _ := o.p["policyDefinitions"].([]any)
	var out []*member
	for i, v := range list {
		m, _ := v.(map[string]any)
		mb := &member{at: o.loc("policyDefinitions", i), Params: map[string]any{}}
		if m != nil {
			mb.RefID, _ = m["policyDefinitionReferenceId"].(string)
			mb.DefinitionID, _ = m["policyDefinitionId"].(string)
			mb.DefinitionID = normalizeID(mb.DefinitionID)
			mb.Version, _ = m["definitionVersion"].(string)
			params, _ := m["parameters"].(map[string]any)
			for k, pv := range params {
				if pm, ok := pv.(map[string]any); ok {
					if val, ok := pm["value"]; ok {
						mb.Params[k] = val
					}
				}
			}
		}
		out = append(out, mb)
	}
	return out
}

// majorOf reads the major version a definitionVersion pins ("6.*.*" -> 6);
// -1 when there is no pin.
func majorOf(v string) int {
	if v == "" {
		return -1
	}
	n := 0
	digits := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		digits++
		if digits > 6 {
			return -1
		}
	}
	if digits == 0 {
		return -1
	}
	return n
}

// assignmentValues reads an assignment's parameters: {name: {value: v}}.
func assignmentValues(o *object) map[string]any {
	out := map[string]any{}
	m, _ := o.p["parameters"].(map[string]any)
	for k, v := range m {
		if pm, ok := v.(map[string]any); ok {
			if val, ok := pm["value"]; ok {
				out[k] = val
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// definitionGUID is the last element of a policyDefinitionId, lowercased.
func definitionGUID(id string) string { return strings.ToLower(lastSegment(id)) }

// isBuiltInID reports whether a definition id is a tenant-level built-in
// (/providers/Microsoft.Authorization/...), not one in a subscription or
// management group.
func isBuiltInID(id string) bool {
	return strings.HasPrefix(strings.ToLower(id), "/providers/microsoft.authorization/")
}

// unescapeTemplate removes the "[[" escape from every string in v.
func unescapeTemplate(v any) any {
	switch v := v.(type) {
	case string:
		return literal(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = unescapeTemplate(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = unescapeTemplate(e)
		}
		return out
	}
	return v
}

// normalizeID reads the ARM template functions deployment templates write
// resource ids with: tenantResourceId('Microsoft.Authorization/
// policyDefinitions', 'guid') is a built-in's id; resourceId(...),
// subscriptionResourceId(...), managementGroupResourceId(...) and
// extensionResourceId(...) name a resource by its last argument. Other ids
// are returned as they are.
func normalizeID(id string) string {
	if !isExpression(id) {
		return id
	}
	lower := strings.ToLower(id)
	var fn string
	for _, f := range []string{"tenantresourceid(", "subscriptionresourceid(", "managementgroupresourceid(", "extensionresourceid(", "resourceid("} {
		if strings.HasPrefix(lower, "["+f) {
			fn = f
			break
		}
	}
	if fn == "" {
		return id
	}
	// The arguments are quoted literals; the type is the first, the name the last.
	var args []string
	rest := id[len(fn)+1:]
	for {
		i := strings.IndexByte(rest, '\'')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '\'')
		if j < 0 {
			break
		}
		args = append(args, rest[i+1:i+1+j])
		rest = rest[i+1+j+1:]
	}
	if len(args) < 2 {
		return id
	}
	typ, name := args[len(args)-2], args[len(args)-1]
	if fn == "tenantresourceid(" {
		return "/providers/" + typ + "/" + name
	}
	return name
}
