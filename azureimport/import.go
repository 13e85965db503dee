// Package azureimport turns an Azure Policy for Kubernetes setup (policy set
// definitions, policy assignments, policy exemptions and custom Kubernetes
// policy definitions, as Azure's JSON) into an edict policy repository:
// initiatives, policy folders and initiative tests, with a report of every
// item as mapped exactly, mapped with a caveat, or not mapped.
//
// It reads bytes and returns files; writing them is the caller's concern.
// Built-in definitions are mapped through library.AzureMapping, the table
// docs/azure-mapping.md describes.
package azureimport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/library"
)

// File is one input file: its name as the user gave it, and its bytes.
type File struct {
	Name string
	Data []byte
}

// Options tune an import.
type Options struct {
	// Owner is the owner of exemptions whose metadata names none.
	Owner string
	// DefaultExpiry is given to exemptions without expiresOn; zero means 90 days.
	DefaultExpiry time.Duration
	// Now is the import's clock (exemption expiry); zero means the wall clock.
	Now time.Time
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now.UTC()
}

func (o Options) defaultExpiry() time.Duration {
	if o.DefaultExpiry <= 0 {
		return 90 * 24 * time.Hour
	}
	return o.DefaultExpiry
}

// Result is what an import produced.
type Result struct {
	// Files maps slash paths inside the output folder to their content.
	Files  map[string][]byte
	Report *Report
	// Unreadable lists the input files that could not be read at all (not
	// JSON); the rest was imported.
	Unreadable input.ErrorList
}

// importer holds one run's state.
type importer struct {
	ctx    context.Context
	opts   Options
	table  *library.AzureMappingTable
	cat    *compile.Catalog
	report *Report
	files  map[string][]byte

	sets        []*object
	definitions []*object
	assignments []*object
	exemptions  []*object
	// custom maps a definition GUID (and its full id) to the row built for
	// a custom definition that became a policy folder.
	custom map[string]*library.AzureDefinition
	// customDefaults holds, per policy generated from a custom definition,
	// the definition's own defaults of the standard parameters.
	customDefaults map[string]map[string]any
	// names taken by initiatives and policies, to keep them unique.
	initiativeNames map[string]bool
	policyNames     map[string]bool
}

// Import reads Azure JSON files and returns the edict repository they become.
func Import(ctx context.Context, files []File, opts Options) (*Result, error) {
	table, err := library.AzureMapping()
	if err != nil {
		return nil, err
	}
	cat, err := compile.NewCatalog(nil, ".")
	if err != nil {
		return nil, err
	}
	im := &importer{
		ctx: ctx, opts: opts, table: table, cat: cat,
		report:          &Report{},
		files:           map[string][]byte{},
		custom:          map[string]*library.AzureDefinition{},
		customDefaults:  map[string]map[string]any{},
		initiativeNames: map[string]bool{},
		policyNames:     map[string]bool{},
	}
	for _, n := range compile.BuiltinInitiatives() {
		im.initiativeNames[n] = true // a repository initiative must not shadow a built-in
	}
	for _, p := range cat.Names() {
		im.policyNames[p] = true
	}
	res := &Result{}
	for _, f := range files {
		d, err := parseJSON(f.Name, f.Data)
		if err != nil {
			ie, _ := err.(*input.Error)
			if ie == nil {
				ie = &input.Error{File: f.Name, Msg: err.Error()}
			}
			res.Unreadable = append(res.Unreadable, ie)
			im.report.add(Item{Kind: "file", Name: f.Name, Source: positionOf(ie), Status: NotMapped, Note: ie.Msg})
			continue
		}
		objs, errs := objects(d)
		for _, e := range errs {
			im.notMappedErr("file", f.Name, e)
		}
		for _, o := range objs {
			k, ok := classify(o)
			if !ok {
				im.report.addAt(loc{doc: d, path: o.base}, Item{Kind: "file", Name: f.Name, Status: NotMapped,
					Note: "not an Azure policy set definition, policy definition, assignment or exemption (no type, policyDefinitions, policyRule, policyDefinitionId or exemptionCategory)"})
				continue
			}
			switch k {
			case kindSet:
				im.sets = append(im.sets, o)
			case kindDefinition:
				im.definitions = append(im.definitions, o)
			case kindAssignment:
				im.assignments = append(im.assignments, o)
			case kindExemption:
				im.exemptions = append(im.exemptions, o)
			}
		}
	}
	for _, d := range im.definitions {
		im.definition(d)
	}
	assigned := map[*object]bool{}
	for _, a := range im.assignments {
		if target := im.assignmentTarget(a); target != nil {
			assigned[target] = true
		}
	}
	for _, a := range im.assignments {
		im.assignment(a)
	}
	for _, s := range im.sets {
		if !assigned[s] {
			im.initiative(&unit{set: s})
		}
	}
	im.orphanExemptions()
	res.Report = im.report
	for p := range im.files {
		res.Report.Files = append(res.Report.Files, p)
	}
	res.Report.Files = append(res.Report.Files, "IMPORT.md")
	res.Report.finish()
	im.files["IMPORT.md"] = res.Report.Markdown()
	res.Files = im.files
	return res, nil
}

func positionOf(e *input.Error) string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	return e.File
}

func (im *importer) notMappedErr(kind, name string, e error) {
	it := Item{Kind: kind, Name: name, Status: NotMapped, Note: e.Error()}
	if ie, ok := e.(*input.Error); ok {
		it.Source, it.Path, it.Note = positionOf(ie), ie.Field, ie.Msg
	}
	im.report.add(it)
}

// assignmentTarget finds the set an assignment assigns among the inputs.
func (im *importer) assignmentTarget(a *object) *object {
	id := normalizeID(a.str("policyDefinitionId"))
	for _, s := range im.sets {
		if sameID(s.id(), id) {
			return s
		}
	}
	return nil
}

// sameID compares Azure resource ids: case-insensitively, and by name when
// one side is only a name.
func sameID(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if strings.EqualFold(a, b) {
		return true
	}
	if !strings.Contains(a, "/") || !strings.Contains(b, "/") {
		return strings.EqualFold(lastSegment(a), lastSegment(b))
	}
	return false
}

// assignment imports one assignment: of a set given among the inputs, of a
// built-in definition edict maps, or of a custom definition among the inputs.
func (im *importer) assignment(a *object) {
	id := normalizeID(a.str("policyDefinitionId"))
	name := a.name()
	if id == "" {
		im.report.addAt(a.loc("policyDefinitionId"), Item{Kind: "assignment", Name: name, Status: NotMapped, Note: "the assignment names no policyDefinitionId"})
		return
	}
	if s := im.assignmentTarget(a); s != nil {
		im.initiative(&unit{set: s, asg: a})
		return
	}
	if strings.Contains(strings.ToLower(id), "/policysetdefinitions/") {
		im.report.addAt(a.loc("policyDefinitionId"), Item{Kind: "assignment", Name: name, Status: NotMapped,
			Note: fmt.Sprintf("assigns the policy set %s, which is not among the inputs; add its JSON (az policy set-definition show --name %s)", id, lastSegment(id))})
		return
	}
	// A single definition: an initiative with one reference.
	params := map[string]any{}
	for k := range assignmentValues(a) {
		params[k] = "[parameters('" + k + "')]"
	}
	ref := a.str("displayName")
	if ref == "" {
		ref = name
	}
	m := &member{RefID: ref, DefinitionID: id, Params: params, at: a.loc("policyDefinitionId")}
	im.initiative(&unit{asg: a, single: m})
}

// exemptionsFor lists the exemptions of an assignment.
func (im *importer) exemptionsFor(a *object) []*object {
	if a == nil {
		return nil
	}
	var out []*object
	for _, e := range im.exemptions {
		if sameID(normalizeID(e.str("policyAssignmentId")), a.id()) {
			out = append(out, e)
		}
	}
	return out
}

// orphanExemptions reports exemptions of assignments not among the inputs.
func (im *importer) orphanExemptions() {
	for _, e := range im.exemptions {
		found := false
		for _, a := range im.assignments {
			if sameID(normalizeID(e.str("policyAssignmentId")), a.id()) {
				found = true
			}
		}
		if !found {
			im.report.addAt(e.loc("policyAssignmentId"), Item{Kind: "exemption", Name: e.name(), Status: NotMapped,
				Note: fmt.Sprintf("exempts from the assignment %q, which is not among the inputs; add it (az policy assignment list -o json)", e.str("policyAssignmentId"))})
		}
	}
}

// uniqueName makes name unique among taken, marking it taken.
func uniqueName(name string, taken map[string]bool) string {
	base := name
	for i := 2; taken[name]; i++ {
		suffix := fmt.Sprintf("-%d", i)
		name = trimName(base, 63-len(suffix)) + suffix
	}
	taken[name] = true
	return name
}

// dnsName turns an Azure name (CamelCase reference ids, display names with
// spaces) into a DNS label: NoPrivilegedContainers -> no-privileged-containers,
// BlockUsingHostProcessIDAndIPC -> block-using-host-process-id-and-ipc.
func dnsName(s string) string {
	var b strings.Builder
	rs := []rune(s)
	dash := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	for i, r := range rs {
		lower := r >= 'a' && r <= 'z'
		upper := r >= 'A' && r <= 'Z'
		digit := r >= '0' && r <= '9'
		switch {
		case upper:
			prevLower := i > 0 && (rs[i-1] >= 'a' && rs[i-1] <= 'z' || rs[i-1] >= '0' && rs[i-1] <= '9')
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			prevUpper := i > 0 && rs[i-1] >= 'A' && rs[i-1] <= 'Z'
			if prevLower || (prevUpper && nextLower) {
				dash()
			}
			b.WriteRune(r - 'A' + 'a')
		case lower, digit:
			b.WriteRune(r)
		default:
			dash()
		}
	}
	out := strings.Trim(b.String(), "-")
	return trimName(out, 63)
}

func trimName(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.Trim(s, "-")
}

// effectOf reads an Azure effect value.
func effectOf(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	switch strings.ToLower(s) {
	case "audit":
		return "audit", true
	case "deny":
		return "deny", true
	case "disabled":
		return "disabled", true
	}
	return "", false
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func policySupports(p *compile.Policy, exclusion string) bool {
	return p != nil && slices.Contains(p.Spec.Exclusions, exclusion)
}
