package lint

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/input"
	"github.com/edict-policy/edict/internal/golden"
)

var _ = flag.Bool("update", false, "rewrite golden files under testdata/ (read by internal/golden)")

var testNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

var catalog = sync.OnceValues(func() (*compile.Catalog, error) { return compile.NewCatalog(nil, ".") })

const header = "apiVersion: edict.dev/v1alpha1\nkind: Initiative\nmetadata:\n  name: team\nspec:\n  version: 1.0.0\n"

// lintSpec lints an initiative whose spec lines (after version) are body;
// parent, when given, is initiatives/base.yaml (name base) and the
// initiative extends it.
func lintSpec(t *testing.T, parent, body string) ([]Finding, error) {
	t.Helper()
	fsys := fstest.MapFS{"initiatives/team.yaml": {Data: []byte(header + body)}}
	if parent != "" {
		fsys["initiatives/base.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(header, "name: team", "name: base", 1) + parent)}
	}
	cat, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := compile.Resolve(fsys, "initiatives/team.yaml", cat, compile.Options{Now: testNow})
	if err != nil {
		return nil, err
	}
	return Check(plan, Options{Now: testNow})
}

func ofRule(fs []Finding, rule string) (open, acked []Finding) {
	for _, f := range fs {
		if f.Rule != rule {
			continue
		}
		if f.Acknowledged != nil {
			acked = append(acked, f)
		} else {
			open = append(open, f)
		}
	}
	return open, acked
}

// TestRules: each rule fires on the setting it is about, at that setting's
// line and column, stays quiet on the safe variant, and is silenced by an
// acknowledgement.
func TestRules(t *testing.T) {
	denyAll := "  defaults:\n    effect: deny\n    match:\n      excludedNamespaces: [kube-system, gatekeeper-system]\n"
	cases := []struct {
		name, rule   string
		parent, body string
		open, acked  int
		at           string   // position of the first open finding
		refs         []string // references of the first open finding
		inMessage    string
	}{
		// system-namespace-enforced
		{name: "deny reaches kube-system", rule: SystemNamespaceEnforced,
			body: "  defaults:\n    effect: deny\n  policies:\n    host-namespaces: {}\n    host-ports: {}\n",
			open: 1, at: "initiatives/team.yaml:8:5", refs: []string{"host-namespaces", "host-ports"}, inMessage: "kube-system, gatekeeper-system"},
		{name: "excludedNamespaces: [] under deny", rule: SystemNamespaceEnforced,
			body: "  defaults:\n    effect: deny\n    match:\n      excludedNamespaces: []\n  policies:\n    host-namespaces: {}\n",
			open: 1, at: "initiatives/team.yaml:10:7"},
		{name: "only the gatekeeper namespace reached", rule: SystemNamespaceEnforced,
			body: "  policies:\n    host-namespaces: {effect: deny, match: {excludedNamespaces: [kube-system]}}\n",
			open: 1, at: "initiatives/team.yaml:8:45", inMessage: "reaches gatekeeper-system:"},
		{name: "system namespaces excluded", rule: SystemNamespaceEnforced, body: denyAll + "  policies:\n    host-namespaces: {}\n"},
		{name: "excluded by wildcards", rule: SystemNamespaceEnforced,
			body: "  defaults:\n    effect: deny\n    match:\n      excludedNamespaces: [kube-*, \"*-system\"]\n  policies:\n    host-namespaces: {}\n"},
		{name: "limited to other namespaces", rule: SystemNamespaceEnforced,
			body: "  defaults:\n    effect: deny\n    match:\n      namespaces: [prod-*]\n  policies:\n    host-namespaces: {}\n"},
		{name: "audit does not lock up", rule: SystemNamespaceEnforced, body: "  policies:\n    host-namespaces: {effect: audit}\n"},
		{name: "acknowledged", rule: SystemNamespaceEnforced,
			body:  "  defaults:\n    effect: deny\n  policies:\n    host-namespaces: {}\n  acknowledgements:\n    - {rule: system-namespace-enforced, reason: a lab cluster}\n",
			acked: 1},
		{name: "acknowledged for one reference only", rule: SystemNamespaceEnforced,
			body: "  defaults:\n    effect: deny\n  policies:\n    host-namespaces: {}\n    host-ports: {}\n  acknowledgements:\n    - {rule: system-namespace-enforced, references: [host-ports], reason: node agents use host ports}\n",
			open: 1, acked: 1, refs: []string{"host-namespaces"}},

		// system-namespace-exclusion-dropped
		{name: "child replaces the parent's exclusions", rule: SystemNamespaceDropped,
			parent: "  defaults:\n    match:\n      excludedNamespaces: [kube-system, gatekeeper-system]\n  policies:\n    host-namespaces: {}\n    host-ports: {}\n",
			body:   "  extends: base.yaml\n  defaults:\n    match:\n      excludedNamespaces: [azure-arc]\n",
			open:   1, at: "initiatives/team.yaml:10:7", refs: []string{"host-namespaces", "host-ports"}, inMessage: "initiative base (initiatives/base.yaml:9:7)"},
		{name: "a built-in parent's exclusions dropped", rule: SystemNamespaceDropped,
			body: "  extends: pod-security-baseline\n  defaults:\n    match:\n      excludedNamespaces: [azure-arc, kube-system]\n",
			open: 1, at: "initiatives/team.yaml:10:7", inMessage: "no longer excludes gatekeeper-system"},
		{name: "child repeats them", rule: SystemNamespaceDropped,
			body: "  extends: pod-security-baseline\n  defaults:\n    match:\n      excludedNamespaces: [kube-system, gatekeeper-system, azure-arc]\n"},
		{name: "dropped but disabled", rule: SystemNamespaceDropped,
			body: "  extends: pod-security-baseline\n  defaults:\n    effect: disabled\n    match:\n      excludedNamespaces: [azure-arc]\n"},
		{name: "acknowledged", rule: SystemNamespaceDropped,
			body:  "  extends: pod-security-baseline\n  defaults:\n    match:\n      excludedNamespaces: [azure-arc]\n  acknowledgements:\n    - {rule: system-namespace-exclusion-dropped, reason: audit everywhere}\n",
			acked: 1},

		// allowlist-empty
		{name: "no registries under deny", rule: AllowlistEmpty,
			body: denyAll + "  policies:\n    allowed-images: {}\n",
			open: 1, at: "initiatives/team.yaml:8:5", refs: []string{"allowed-images"}, inMessage: "repositories is empty"},
		{name: "MustRunAs without ranges", rule: AllowlistEmpty,
			body: denyAll + "  policies:\n    allowed-users-groups: {parameters: {runAsUserRule: MustRunAs, fsGroupRule: MustRunAs, fsGroupRanges: [{min: 1, max: 65535}]}}\n",
			open: 1, at: "initiatives/team.yaml:12:41", refs: []string{"allowed-users-groups"}, inMessage: "runAsUserRule MustRunAs with no runAsUserRanges"},
		{name: "MayRunAs without ranges", rule: AllowlistEmpty,
			body: denyAll + "  policies:\n    allowed-users-groups: {parameters: {runAsGroupRule: MayRunAs}}\n"},
		{name: "registries listed", rule: AllowlistEmpty,
			body: denyAll + "  policies:\n    allowed-images: {parameters: {repositories: [contoso.azurecr.io/]}}\n"},
		{name: "empty host paths deny nothing", rule: AllowlistEmpty, body: denyAll + "  policies:\n    host-filesystem: {}\n"},
		{name: "no registries under audit", rule: AllowlistEmpty, body: "  policies:\n    allowed-images: {}\n"},
		{name: "acknowledged", rule: AllowlistEmpty,
			body:  denyAll + "  policies:\n    allowed-images: {}\n  acknowledgements:\n    - {rule: allowlist-empty, references: [allowed-images], reason: a quarantine namespace}\n",
			acked: 1},

		// allowlist-allows-all
		{name: "any capability", rule: AllowlistAllowsAll,
			body: "  policies:\n    allowed-capabilities:\n      parameters:\n        allowedCapabilities: [NET_BIND_SERVICE, \"*\"]\n",
			open: 1, at: "initiatives/team.yaml:10:49", inMessage: `allowedCapabilities contains "*"`},
		{name: "the host path /", rule: AllowlistAllowsAll,
			body: "  policies:\n    host-filesystem:\n      parameters:\n        allowedHostPaths:\n          - {pathPrefix: /etc/ssl}\n          - {pathPrefix: /, readOnly: true}\n",
			open: 1, at: "initiatives/team.yaml:12:26", inMessage: `allowedHostPaths[].pathPrefix contains "/"`},
		{name: "capability ALL", rule: AllowlistAllowsAll,
			body: "  policies:\n    allowed-capabilities: {parameters: {allowedCapabilities: [ALL]}}\n", open: 1},
		{name: "named capabilities", rule: AllowlistAllowsAll,
			body: "  policies:\n    allowed-capabilities: {parameters: {allowedCapabilities: [NET_BIND_SERVICE]}}\n"},
		{name: "wildcard in a disabled reference", rule: AllowlistAllowsAll,
			body: "  policies:\n    allowed-capabilities: {effect: disabled, parameters: {allowedCapabilities: [\"*\"]}}\n"},
		{name: "acknowledged", rule: AllowlistAllowsAll,
			body:  "  policies:\n    allowed-capabilities: {parameters: {allowedCapabilities: [\"*\"]}}\n  acknowledgements:\n    - {rule: allowlist-allows-all, reason: migration period}\n",
			acked: 1},

		// exclusion-matches-all
		{name: "every namespace excluded", rule: ExclusionMatchesAll,
			body: "  defaults:\n    match:\n      excludedNamespaces: [kube-system, \"*\"]\n  policies:\n    host-namespaces: {}\n",
			open: 1, at: "initiatives/team.yaml:9:41", inMessage: "excludedNamespaces contains"},
		{name: "every image excluded", rule: ExclusionMatchesAll,
			body: "  defaults:\n    exclusions:\n      images: [\"*\"]\n  policies:\n    privileged-containers: {}\n",
			open: 1, at: "initiatives/team.yaml:9:16", inMessage: "excludedImages contains"},
		{name: "a registry excluded", rule: ExclusionMatchesAll,
			body: "  defaults:\n    exclusions:\n      images: [\"mcr.microsoft.com/*\"]\n  policies:\n    privileged-containers: {}\n"},
		{name: "acknowledged", rule: ExclusionMatchesAll,
			body:  "  defaults:\n    exclusions:\n      images: [\"*\"]\n  policies:\n    privileged-containers: {}\n  acknowledgements:\n    - {rule: exclusion-matches-all, reason: switched off while Gatekeeper is evaluated}\n",
			acked: 1},

		// exemption-all-namespaces
		{name: "exempt everywhere", rule: ExemptionAllNamespaces,
			body: "  policies:\n    host-ports: {}\n  exemptions:\n    - {policies: [host-ports], namespaces: [\"*\"], reason: r, owner: o, expires: \"2027-03-31\"}\n",
			open: 1, at: "initiatives/team.yaml:10:45", refs: []string{"host-ports"}},
		{name: "exempt one namespace", rule: ExemptionAllNamespaces,
			body: "  policies:\n    host-ports: {}\n  exemptions:\n    - {policies: [host-ports], namespaces: [node-agent], reason: r, owner: o, expires: \"2027-03-31\"}\n"},
		{name: "acknowledged", rule: ExemptionAllNamespaces,
			body:  "  policies:\n    host-ports: {}\n  exemptions:\n    - {policies: [host-ports], namespaces: [\"*\"], reason: r, owner: o, expires: \"2027-03-31\"}\n  acknowledgements:\n    - {rule: exemption-all-namespaces, reason: r}\n",
			acked: 1},

		// exemption-long-lived
		{name: "years away", rule: ExemptionLongLived,
			body: "  policies:\n    host-ports: {}\n  exemptions:\n    - {policies: [host-ports], namespaces: [a], reason: r, owner: o, expires: \"2099-03-31\"}\n",
			open: 1, at: "initiatives/team.yaml:10:79", inMessage: "expires on 2099-03-31"},
		{name: "within a year", rule: ExemptionLongLived,
			body: "  policies:\n    host-ports: {}\n  exemptions:\n    - {policies: [host-ports], namespaces: [a], reason: r, owner: o, expires: \"2027-11-22\"}\n"},
		{name: "acknowledged", rule: ExemptionLongLived,
			body:  "  policies:\n    host-ports: {}\n  exemptions:\n    - {policies: [host-ports], namespaces: [a], reason: r, owner: o, expires: \"2099-03-31\"}\n  acknowledgements:\n    - {rule: exemption-long-lived, references: [host-ports], reason: r}\n",
			acked: 1},

		// control-disabled
		{name: "child disables the parent's control", rule: ControlDisabled,
			body: "  extends: pod-security-baseline\n  policies:\n    host-ports: {effect: disabled}\n",
			open: 1, at: "initiatives/team.yaml:9:18", refs: []string{"host-ports"}, inMessage: "initiative pod-security-baseline declares it with effect audit"},
		{name: "child's defaults disable everything", rule: ControlDisabled,
			parent: "  policies:\n    host-ports: {}\n    host-namespaces: {}\n",
			body:   "  extends: base.yaml\n  defaults: {effect: disabled}\n",
			open:   1, at: "initiatives/team.yaml:8:14", refs: []string{"host-namespaces", "host-ports"}},
		{name: "own reference disabled", rule: ControlDisabled, body: "  policies:\n    host-ports: {effect: disabled}\n"},
		{name: "acknowledged", rule: ControlDisabled,
			body:  "  extends: pod-security-baseline\n  policies:\n    host-ports: {effect: disabled}\n  acknowledgements:\n    - {rule: control-disabled, references: [host-ports], reason: host-network-ports covers it}\n",
			acked: 1},

		// range-inverted
		{name: "minPort above maxPort", rule: RangeInverted,
			body: "  policies:\n    host-network-ports: {parameters: {minPort: 8000, maxPort: 80}}\n",
			open: 1, at: "initiatives/team.yaml:8:63", inMessage: "minPort 8000 is above maxPort 80"},
		{name: "inverted range in a list", rule: RangeInverted,
			body: "  policies:\n    allowed-users-groups:\n      parameters:\n        runAsUserRanges: [{min: 1000, max: 2000}, {min: 100, max: 1}]\n",
			open: 1, at: "initiatives/team.yaml:10:51", inMessage: "runAsUserRanges[1]: min 100 is above max 1"},
		{name: "ordered range", rule: RangeInverted,
			body: "  policies:\n    host-network-ports: {parameters: {minPort: 80, maxPort: 8000}}\n"},
		{name: "acknowledged", rule: RangeInverted,
			body:  "  policies:\n    host-network-ports: {parameters: {minPort: 8000, maxPort: 80}}\n  acknowledgements:\n    - {rule: range-inverted, reason: r}\n",
			acked: 1},

		// acknowledgement-unused
		{name: "stale acknowledgement", rule: AcknowledgementUnused,
			body: "  policies:\n    host-ports: {}\n  acknowledgements:\n    - {rule: allowlist-empty, reason: r}\n",
			open: 1, at: "initiatives/team.yaml:10:7", inMessage: "allowlist-empty matches no finding"},
		{name: "used acknowledgement", rule: AcknowledgementUnused,
			body: denyAll + "  policies:\n    allowed-images: {}\n  acknowledgements:\n    - {rule: allowlist-empty, reason: r}\n"},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.rule] = true
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			fs, err := lintSpec(t, tc.parent, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			open, acked := ofRule(fs, tc.rule)
			if len(open) != tc.open || len(acked) != tc.acked {
				t.Fatalf("%d open, %d acknowledged findings of %s, want %d and %d; all findings:\n%s", len(open), len(acked), tc.rule, tc.open, tc.acked, dump(fs))
			}
			r, _ := Lookup(tc.rule)
			for _, f := range append(open, acked...) {
				if f.Severity != r.Severity || f.Message == "" || f.Hint == "" || f.Line == 0 || f.Column == 0 {
					t.Errorf("incomplete finding: %+v", f)
				}
			}
			for _, f := range acked {
				if f.Acknowledged.Reason == "" || f.Acknowledged.Line == 0 {
					t.Errorf("acknowledgement without reason or position: %+v", f.Acknowledged)
				}
			}
			if len(open) == 0 {
				return
			}
			f := open[0]
			if tc.at != "" && f.Position() != tc.at {
				t.Errorf("at %s, want %s: %s", f.Position(), tc.at, f)
			}
			if tc.refs != nil && !slices.Equal(f.References, tc.refs) {
				t.Errorf("references %v, want %v", f.References, tc.refs)
			}
			if !strings.Contains(f.String(), tc.inMessage) {
				t.Errorf("%s\nlacks %q", f, tc.inMessage)
			}
		})
	}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String())
		if f.Acknowledged != nil {
			b.WriteString(" [acknowledged]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestAcknowledgementScope: a child may accept what its parent set, but a
// parent's acknowledgement does not cover a risk its child introduces.
func TestAcknowledgementScope(t *testing.T) {
	parentAck := "  policies:\n    allowed-capabilities: {}\n  acknowledgements:\n    - {rule: allowlist-allows-all, reason: parent's reason}\n"
	fs, err := lintSpec(t, parentAck, "  extends: base.yaml\n  policies:\n    allowed-capabilities: {parameters: {allowedCapabilities: [\"*\"]}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if open, _ := ofRule(fs, AllowlistAllowsAll); len(open) != 1 {
		t.Errorf("the parent's acknowledgement covered the child's wildcard:\n%s", dump(fs))
	}
	parentSets := "  policies:\n    allowed-capabilities: {parameters: {allowedCapabilities: [\"*\"]}}\n"
	fs, err = lintSpec(t, parentSets, "  extends: base.yaml\n  acknowledgements:\n    - {rule: allowlist-allows-all, reason: inherited on purpose}\n")
	if err != nil {
		t.Fatal(err)
	}
	open, acked := ofRule(fs, AllowlistAllowsAll)
	if len(open) != 0 || len(acked) != 1 || acked[0].File != "initiatives/base.yaml" || acked[0].Acknowledged.File != "initiatives/team.yaml" {
		t.Errorf("the child could not accept its parent's setting:\n%s", dump(fs))
	}
}

// TestAcknowledgementErrors: an acknowledgement naming an unknown rule or
// reference is bad input at its line, with a suggestion.
func TestAcknowledgementErrors(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"unknown rule", "  policies:\n    host-ports: {}\n  acknowledgements:\n    - {rule: allowlist-emtpy, reason: r}\n",
			`initiatives/team.yaml:10:14: spec.acknowledgements.0.rule: "allowlist-emtpy" is not allowed`},
		{"unknown reference", "  policies:\n    host-ports: {}\n  acknowledgements:\n    - {rule: allowlist-empty, references: [host-port], reason: r}\n",
			`initiatives/team.yaml:10:44: spec.acknowledgements.0.references.0: acknowledgement names unknown reference "host-port" (did you mean "host-ports"?)`},
		{"no reason", "  policies:\n    host-ports: {}\n  acknowledgements:\n    - {rule: allowlist-empty}\n",
			"missing required field(s): reason"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lintSpec(t, "", tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !input.IsInputError(err) {
				t.Fatalf("got %v, want an input error containing %q", err, tc.want)
			}
			if tc.name == "unknown rule" && !strings.Contains(err.Error(), `did you mean "allowlist-empty"?`) {
				t.Errorf("no suggestion: %v", err)
			}
		})
	}
}

// TestShippedInitiativesLintClean: the built-in initiatives and the example
// have no open finding; what the example accepts carries a reason.
func TestShippedInitiativesLintClean(t *testing.T) {
	cat, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range compile.BuiltinInitiatives() {
		plan, err := compile.ResolveBuiltin(name, cat)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Check(plan, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 0 {
			t.Errorf("built-in %s:\n%s", name, dump(fs))
		}
	}
	repo := os.DirFS("../examples/contoso")
	ecat, err := compile.NewCatalog(repo, ".")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := compile.Resolve(repo, "initiatives/contoso-prod.yaml", ecat, compile.Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Check(plan, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if open := Unacknowledged(fs); len(open) != 0 {
		t.Errorf("example has open findings:\n%s", dump(open))
	}
	for _, f := range fs {
		if f.Acknowledged != nil && len(strings.Fields(f.Acknowledged.Reason)) < 4 {
			t.Errorf("example acknowledges %s without a real reason: %q", f.Rule, f.Acknowledged.Reason)
		}
	}
}

// TestRulesAreDocumented: every rule has an id, severity and the three
// texts; the initiative schema offers exactly the acknowledgeable ids, and
// the README's rule table lists every rule.
func TestRulesAreDocumented(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := compile.PublishedSchema("initiative")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if r.Summary == "" || r.Why == "" || r.Fix == "" || (r.Severity != Warning && r.Severity != Error) {
			t.Errorf("rule %s is incomplete: %+v", r.ID, r)
		}
		if !strings.Contains(string(readme), "| `"+r.ID+"` |") {
			t.Errorf("README's lint table lacks %s", r.ID)
		}
		if got := strings.Contains(string(schema), `"`+r.ID+`"`); got != r.Acknowledgeable {
			t.Errorf("schema offers %s = %v, acknowledgeable = %v", r.ID, got, r.Acknowledgeable)
		}
	}
}

// TestGolden: the three output formats of a repository with findings of
// every kind, some acknowledged.
func TestGolden(t *testing.T) {
	repo := os.DirFS("testdata/repo")
	cat, err := compile.NewCatalog(repo, ".")
	if err != nil {
		t.Fatal(err)
	}
	files, err := input.FilesOfKind(repo, ".", "Initiative")
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{}
	for _, f := range files {
		plan, err := compile.Resolve(repo, f, cat, compile.Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Check(plan, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		rep.Add(fs)
	}
	var text, all, js, sarif strings.Builder
	for _, w := range []error{WriteText(&text, rep, false), WriteText(&all, rep, true), WriteJSON(&js, rep), WriteSARIF(&sarif, rep)} {
		if w != nil {
			t.Fatal(w)
		}
	}
	for name, got := range map[string]string{"lint.txt": text.String(), "lint-all.txt": all.String(), "lint.json": js.String(), "lint.sarif": sarif.String()} {
		golden.Check(t, filepath.Join("testdata", "golden", name), []byte(got))
	}
	e, w, a := rep.Count()
	if e == 0 || w == 0 || a == 0 {
		t.Errorf("the golden repository should show errors, warnings and acknowledged findings: %d %d %d", e, w, a)
	}
}

// FuzzLint: any initiative file that resolves lints without panicking, and
// every finding names a known rule and a file.
func FuzzLint(f *testing.F) {
	f.Add(header + "  defaults: {effect: deny}\n  policies:\n    allowed-images: {}\n")
	f.Add(header + "  extends: pod-security-baseline\n  defaults: {match: {excludedNamespaces: [\"*\"]}}\n  acknowledgements:\n    - {rule: control-disabled, reason: r}\n")
	f.Add(header + "  policies:\n    host-network-ports: {parameters: {minPort: 9, maxPort: 1}}\n    allowed-users-groups: {parameters: {runAsUserRanges: [{min: 3, max: 1}]}}\n")
	cat, err := catalog()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"i.yaml": {Data: []byte(src)}}
		plan, err := compile.Resolve(fsys, "i.yaml", cat, compile.Options{Now: testNow})
		if err != nil {
			return
		}
		fs, err := Check(plan, Options{Now: testNow})
		if err != nil {
			if !input.IsInputError(err) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		for _, f := range fs {
			if _, ok := Lookup(f.Rule); !ok || f.File == "" {
				t.Fatalf("bad finding %+v", f)
			}
		}
	})
}
