package initiatives_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/edict-policy/edict/compile"
	"github.com/edict-policy/edict/initiatives"
	"github.com/edict-policy/edict/policytest"
)

// ref is what a test expects of one reference of a built-in initiative.
type ref struct {
	policy string
	params map[string]any // exact values of these parameters; others unchecked
}

var (
	pssExcluded   = []any{"kube-system", "gatekeeper-system"}
	azureExcluded = []any{"kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"}
	// The capabilities Azure's initiatives allow: Docker's default set, which
	// includes NET_RAW.
	azureCapabilities = []any{"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}
	azureUsersGroups  = map[string]any{
		"runAsUserRule": "MustRunAsNonRoot", "runAsUserRanges": []any{},
		"runAsGroupRule": "MustRunAs", "runAsGroupRanges": []any{map[string]any{"min": 1, "max": 65535}},
		"supplementalGroupsRule": "MustRunAs", "supplementalGroupsRanges": []any{map[string]any{"min": 1, "max": 65535}},
		"fsGroupRule": "MustRunAs", "fsGroupRanges": []any{map[string]any{"min": 1, "max": 65535}},
	}
)

// pssBaseline is the baseline profile of the Pod Security Standards,
// control by control, as references of pod-security-baseline.
var pssBaseline = map[string]ref{
	"host-process":          {policy: "host-process"},
	"host-namespaces":       {policy: "host-namespaces"},
	"privileged-containers": {policy: "privileged-containers"},
	"allowed-capabilities": {policy: "allowed-capabilities", params: map[string]any{
		"allowedCapabilities":      []any{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"},
		"requiredDropCapabilities": []any{},
	}},
	"host-filesystem": {policy: "host-filesystem", params: map[string]any{"allowedHostPaths": []any{}}},
	"host-ports":      {policy: "host-ports", params: map[string]any{"allowedHostPorts": []any{}}},
	"host-probes":     {policy: "host-probes"},
	"apparmor":        {policy: "apparmor"},
	"selinux": {policy: "selinux", params: map[string]any{
		"allowedTypes": []any{"container_t", "container_init_t", "container_kvm_t", "container_engine_t"},
	}},
	"proc-mount": {policy: "proc-mount", params: map[string]any{"allowInUserNamespaces": true}},
	"seccomp":    {policy: "seccomp", params: map[string]any{"requireProfile": false}},
	"sysctls":    {policy: "sysctls", params: map[string]any{"allowedSysctls": []any{}}},
}

// pssRestricted is baseline plus the restricted controls; seccomp is the
// baseline reference made strict.
var pssRestricted = merge(pssBaseline, map[string]ref{
	"volume-types": {policy: "volume-types", params: map[string]any{
		"allowedVolumeTypes": []any{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"},
	}},
	"privilege-escalation": {policy: "privilege-escalation"},
	"run-as-non-root":      {policy: "run-as-non-root"},
	"run-as-user":          {policy: "run-as-user"},
	"seccomp":              {policy: "seccomp", params: map[string]any{"requireProfile": true}},
	"proc-mount":           {policy: "proc-mount", params: map[string]any{"allowInUserNamespaces": false}},
	"restricted-capabilities": {policy: "allowed-capabilities", params: map[string]any{
		"allowedCapabilities": []any{"NET_BIND_SERVICE"}, "requiredDropCapabilities": []any{"ALL"}, "skipWindows": true,
	}},
	"allowed-capabilities": {policy: "allowed-capabilities", params: map[string]any{
		"allowedCapabilities":      pssBaseline["allowed-capabilities"].params["allowedCapabilities"],
		"requiredDropCapabilities": []any{}, "skipWindows": true,
	}},
})

// azureBaseline and azureRestricted are the members of Azure's initiatives
// with the values those initiatives assign.
var azureBaseline = map[string]ref{
	"privileged-containers": {policy: "privileged-containers"},
	"host-network-ports":    {policy: "host-network-ports", params: map[string]any{"allowHostNetwork": false, "minPort": 0, "maxPort": 0}},
	"host-namespaces":       {policy: "host-namespaces"},
	"allowed-capabilities":  {policy: "allowed-capabilities", params: map[string]any{"allowedCapabilities": azureCapabilities, "requiredDropCapabilities": []any{}}},
	"host-filesystem":       {policy: "host-filesystem", params: map[string]any{"allowedHostPaths": []any{}}},
}

var azureRestricted = map[string]ref{
	"privileged-containers": azureBaseline["privileged-containers"],
	"privilege-escalation":  {policy: "privilege-escalation"},
	"host-network-ports":    azureBaseline["host-network-ports"],
	"host-namespaces":       azureBaseline["host-namespaces"],
	"allowed-capabilities":  azureBaseline["allowed-capabilities"],
	"volume-types": {policy: "volume-types", params: map[string]any{
		"allowedVolumeTypes": []any{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"},
	}},
	"allowed-users-groups":     {policy: "allowed-users-groups", params: azureUsersGroups},
	"allowed-seccomp-profiles": {policy: "allowed-seccomp-profiles", params: map[string]any{"allowedProfiles": []any{"runtime/default", "docker/default"}}},
}

// aksSafeguards are the validation members of Azure's AKS Deployment
// Safeguards (3.0.0) edict renders, with the values the initiative assigns
// or its parameters default to. Its mutation members and its AKS platform
// guards have no reference.
var aksSafeguards = map[string]ref{
	"required-requests":          {policy: "required-requests"},
	"pod-anti-affinity":          {policy: "pod-anti-affinity", params: map[string]any{"minReplicas": 0}},
	"allowed-images":             {policy: "allowed-images", params: map[string]any{"repositories": []any{}}},
	"required-probes":            {policy: "required-probes", params: map[string]any{"requiredProbes": []any{"readinessProbe", "livenessProbe"}}},
	"unique-service-selector":    {policy: "unique-service-selector"},
	"csi-storage-class":          {policy: "csi-storage-class"},
	"no-latest-tag":              {policy: "no-latest-tag"},
	"host-namespaces":            {policy: "host-namespaces", params: map[string]any{"allowHostNetwork": false}},
	"host-ports":                 {policy: "host-ports", params: map[string]any{"allowedHostPorts": []any{}}},
	"sysctls":                    {policy: "sysctls", params: map[string]any{"allowedSysctls": []any{}}},
	"allowed-users-groups":       {policy: "allowed-users-groups", params: map[string]any{"runAsUserRule": "MustRunAsNonRoot", "runAsUserRanges": []any{}, "runAsGroupRule": "RunAsAny", "supplementalGroupsRule": "RunAsAny", "fsGroupRule": "RunAsAny"}},
	"windows-no-container-admin": {policy: "windows-no-container-admin"},
	"privilege-escalation":       {policy: "privilege-escalation"},
	"host-filesystem":            {policy: "host-filesystem", params: map[string]any{"allowedHostPaths": []any{}}},
	"allowed-apparmor-profiles":  {policy: "allowed-apparmor-profiles", params: map[string]any{"allowedProfiles": []any{"runtime/default"}}},
	"selinux":                    {policy: "selinux"},
	"host-process":               {policy: "host-process"},
	"privileged-containers":      {policy: "privileged-containers"},
	"proc-mount":                 {policy: "proc-mount"},
	"allowed-capabilities":       {policy: "allowed-capabilities", params: map[string]any{"allowedCapabilities": []any{}, "requiredDropCapabilities": []any{}}},
	"allowed-seccomp-profiles":   {policy: "allowed-seccomp-profiles", params: map[string]any{"allowedProfiles": []any{"RuntimeDefault", "Localhost"}}},
	"volume-types":               {policy: "volume-types", params: map[string]any{"allowedVolumeTypes": []any{}}},
}

// safeguardsExcluded is AKS Deployment Safeguards' default: the pod security
// initiatives' list without azure-extensions-usage-system.
var safeguardsExcluded = []any{"kube-system", "gatekeeper-system", "azure-arc"}

// safeguardsGUIDs are the Azure definitions behind the references of
// azure-aks-deployment-safeguards that azureGUIDs does not name.
var safeguardsGUIDs = map[string]string{
	"required-requests":          "03a4ecdb-0684-4039-be91-2762979e1bc8",
	"pod-anti-affinity":          "34c88cd4-5d72-4dbb-bf77-12c3cafe8791",
	"allowed-images":             "febd0533-8e55-448f-b837-bd0e06f16469",
	"required-probes":            "b1a9997f-2883-4f12-bdff-2280f99b5915",
	"unique-service-selector":    "b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01",
	"csi-storage-class":          "4f3823b6-6dac-4b5a-9c61-ce1afb829f17",
	"no-latest-tag":              "021f8078-41a0-40e6-81b6-c6597da9f3ee",
	"host-ports":                 "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
	"sysctls":                    "5e5a0673-649e-4d50-bf9d-5a387a4e2081",
	"windows-no-container-admin": "5485eac0-7e8f-4964-998b-a44f4f0c1e75",
	"allowed-apparmor-profiles":  "511f5417-5d12-434d-ab2e-816901e72a5e",
	"selinux":                    "e1e6c427-07d9-46ab-9689-bfa85431e636",
	"host-process":               "077f0ce1-86d6-4058-bc60-de05067e8622",
	"proc-mount":                 "f85eb0dd-92ee-40e9-8a76-db25a507d6d3",
}

// azureGUIDs are the Azure policy definitions behind each reference of the
// Azure-parity initiatives; each edict policy names its Azure counterpart in
// its controls.
var azureGUIDs = map[string]string{
	"privileged-containers":    "95edb821-ddaf-4404-9732-666045e056b4",
	"privilege-escalation":     "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
	"host-network-ports":       "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
	"host-namespaces":          "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
	"allowed-capabilities":     "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
	"host-filesystem":          "098fc59e-46c7-4d99-9b16-64990e543d75",
	"volume-types":             "16697877-1118-4fb1-9b65-9898ec2509ec",
	"allowed-users-groups":     "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
	"allowed-seccomp-profiles": "975ce327-682c-4f2e-aa46-b9598289b86c",
}

func merge(a, b map[string]ref) map[string]ref {
	out := map[string]ref{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// jsonish makes numbers and lists comparable whatever decoded them.
func jsonish(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBuiltinInitiatives(t *testing.T) {
	if got := compile.BuiltinInitiatives(); !slices.Equal(got, builtins) {
		t.Fatalf("built-in initiatives %v, want %v", got, builtins)
	}
	cases := []struct {
		name     string
		refs     map[string]ref
		excluded []any
	}{
		{"pod-security-baseline", pssBaseline, pssExcluded},
		{"pod-security-restricted", pssRestricted, pssExcluded},
		{"azure-pod-security-baseline", azureBaseline, azureExcluded},
		{"azure-pod-security-restricted", azureRestricted, azureExcluded},
		{"azure-aks-deployment-safeguards", aksSafeguards, safeguardsExcluded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := build(t, c.name)
			var got, want []string
			for r := range c.refs {
				want = append(want, r)
			}
			sort.Strings(want)
			for _, p := range out.Policies {
				got = append(got, p.Ref)
				exp, ok := c.refs[p.Ref]
				if !ok {
					continue
				}
				if p.Policy != exp.policy {
					t.Errorf("reference %s uses policy %s, want %s", p.Ref, p.Policy, exp.policy)
				}
				if p.Effect != "audit" || p.EnforcementAction != "dryrun" {
					t.Errorf("reference %s: effect %s (%s), want audit (dryrun)", p.Ref, p.Effect, p.EnforcementAction)
				}
				if ex := jsonish(t, p.Match["excludedNamespaces"]); !reflect.DeepEqual(ex, jsonish(t, c.excluded)) {
					t.Errorf("reference %s excludes namespaces %v, want %v", p.Ref, ex, c.excluded)
				}
				for k, v := range exp.params {
					if g := jsonish(t, p.Parameters[k]); !reflect.DeepEqual(g, jsonish(t, v)) {
						t.Errorf("reference %s: parameter %s = %v, want %v", p.Ref, k, g, v)
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("references %v, want exactly %v", got, want)
			}
		})
	}
}

// TestPSSInitiativesCoverTheLibrary fails when the library gains a policy
// implementing a Pod Security Standards control that the PSS initiatives do
// not use, and when an initiative uses a policy for a control of the wrong
// profile.
func TestPSSInitiativesCoverTheLibrary(t *testing.T) {
	catalog, err := compile.NewCatalog(nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	controls := map[string]map[string]bool{} // profile -> control -> seen
	for _, p := range catalog.Policies() {
		for _, c := range p.Spec.Controls {
			rest, ok := strings.CutPrefix(c, "pss:")
			if !ok {
				continue
			}
			profile, control, _ := strings.Cut(rest, "/")
			if controls[profile] == nil {
				controls[profile] = map[string]bool{}
			}
			controls[profile][control] = true
		}
	}
	// The restricted capabilities control is allowed-capabilities with the
	// restricted parameters (reference restricted-capabilities, checked in
	// TestBuiltinInitiatives), whether or not the policy declares it.
	if controls["restricted"] == nil {
		controls["restricted"] = map[string]bool{}
	}
	controls["restricted"]["capabilities"] = true
	// The standard as of Kubernetes 1.37: the library must implement every
	// control, and no other.
	wantBaseline := []string{"apparmor", "capabilities", "host-namespaces", "host-path-volumes", "host-ports", "host-probes", "host-process", "privileged-containers", "proc-mount", "seccomp", "selinux", "sysctls"}
	wantRestricted := []string{"capabilities", "privilege-escalation", "proc-mount", "running-as-non-root", "running-as-non-root-user", "seccomp", "volume-types"}
	for profile, want := range map[string][]string{"baseline": wantBaseline, "restricted": wantRestricted} {
		var got []string
		for c := range controls[profile] {
			got = append(got, c)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("library policies implement pss:%s controls %v, want %v", profile, got, want)
		}
	}
	policiesOf := func(name string) map[string]bool {
		used := map[string]bool{}
		for _, p := range build(t, name).Policies {
			if p.EnforcementAction != "" {
				used[p.Policy] = true
			}
		}
		return used
	}
	baseline, restricted := policiesOf("pod-security-baseline"), policiesOf("pod-security-restricted")
	for _, p := range catalog.Policies() {
		for _, c := range p.Spec.Controls {
			switch {
			case strings.HasPrefix(c, "pss:baseline/"):
				if !baseline[p.Metadata.Name] || !restricted[p.Metadata.Name] {
					t.Errorf("policy %s implements %s but is not in both PSS initiatives", p.Metadata.Name, c)
				}
			case strings.HasPrefix(c, "pss:restricted/"):
				if !restricted[p.Metadata.Name] {
					t.Errorf("policy %s implements %s but is not in pod-security-restricted", p.Metadata.Name, c)
				}
			}
		}
	}
	for name := range baseline {
		p, _ := catalog.Policy(name)
		if !slices.ContainsFunc(p.Spec.Controls, func(c string) bool { return strings.HasPrefix(c, "pss:baseline/") }) {
			t.Errorf("pod-security-baseline uses %s, which implements no baseline control", name)
		}
	}
	for name := range restricted {
		p, _ := catalog.Policy(name)
		if !slices.ContainsFunc(p.Spec.Controls, func(c string) bool { return strings.HasPrefix(c, "pss:") }) {
			t.Errorf("pod-security-restricted uses %s, which implements no PSS control", name)
		}
	}
}

// TestAzureReferencesNameTheirAzurePolicy ties each reference of the
// Azure-parity initiatives to the Azure policy definition it reproduces.
func TestAzureReferencesNameTheirAzurePolicy(t *testing.T) {
	catalog, err := compile.NewCatalog(nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"azure-pod-security-baseline", "azure-pod-security-restricted", "azure-aks-deployment-safeguards"} {
		for _, r := range build(t, name).Policies {
			guid, ok := azureGUIDs[r.Ref]
			if g, other := safeguardsGUIDs[r.Ref]; other && name == "azure-aks-deployment-safeguards" {
				guid, ok = g, true
			}
			if !ok {
				t.Errorf("%s: reference %s has no Azure policy in this test", name, r.Ref)
				continue
			}
			p, _ := catalog.Policy(r.Policy)
			if !slices.Contains(p.Spec.Controls, "azure:"+guid) {
				t.Errorf("%s: reference %s uses %s, whose controls %v do not name azure:%s", name, r.Ref, r.Policy, p.Spec.Controls, guid)
			}
		}
	}
}

// TestInitiativeTests runs the InitiativeTest files under testdata with the
// same runner as `edict test`, and requires every case to run and pass.
func TestInitiativeTests(t *testing.T) {
	files, err := filepath.Glob("testdata/*_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	tested := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Spec struct {
				Initiative string `json:"initiative"`
				Cases      []any  `json:"cases"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases += len(doc.Spec.Cases)
		tested[doc.Spec.Initiative] = true
	}
	for _, name := range builtins {
		if !tested[name] {
			t.Errorf("no InitiativeTest under testdata tests %s", name)
		}
	}
	rep, err := policytest.Run(context.Background(), os.DirFS("testdata"), []string{"."}, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	passed := 0
	for _, r := range rep.Results {
		switch {
		case r.Kind != policytest.KindInitiative:
			t.Errorf("unexpected %s result %s: %s", r.Kind, r.FullName(), r.Message)
		case r.Status == policytest.StatusPass:
			passed++
		default:
			t.Errorf("%s (%s:%d): %s\n%s", r.FullName(), r.File, r.Line, r.Status, r.Message)
		}
	}
	if passed != cases {
		t.Errorf("%d cases passed, want all %d cases of %d files", passed, cases, len(files))
	}
}

// TestEmbedded checks every built-in file is embedded under its own name.
func TestEmbedded(t *testing.T) {
	for _, name := range builtins {
		data, err := os.ReadFile(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Metadata.Name != name {
			t.Errorf("%s.yaml is named %q", name, doc.Metadata.Name)
		}
		emb, err := initiatives.FS().Open(name + ".yaml")
		if err != nil {
			t.Errorf("%s.yaml is not embedded: %v", name, err)
			continue
		}
		emb.Close()
	}
}
