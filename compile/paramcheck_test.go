package compile

import (
	"strings"
	"testing"

	"github.com/edict-policy/edict/input"
)

// TestParameterFormatsFailTheBuild: values with a known shape that do not have
// it would render a constraint that rejects every Pod (or allows too much);
// each is a build error on the initiative's line, with a hint when one is near.
func TestParameterFormatsFailTheBuild(t *testing.T) {
	ref := func(policy, params string) string {
		return initiative("  policies:\n    " + policy + ":\n      parameters:\n" + params)
	}
	cases := []struct {
		name   string
		policy string
		params string
		want   []string
	}{
		{"memory 2GB", "container-limits", "        memory: 2GB\n", []string{"i.yaml:10:17", "parameters.memory", `"2GB" is not a Kubernetes quantity`, `"2G"`, `"2Gi"`}},
		{"memory lots", "container-limits", "        memory: lots\n", []string{"i.yaml:10:17", "not a Kubernetes quantity", "512Mi"}},
		{"cpu in cores", "container-limits", "        cpu: \"1.5 cores\"\n", []string{"i.yaml:10:14", "parameters.cpu", `"1.5"`, "500m"}},
		{"negative cpu", "container-limits", "        cpu: \"-1\"\n", []string{"negative quantity"}},
		{"image prefix with scheme", "allowed-images", "        repositories: [\"https://contoso.azurecr.io/\"]\n", []string{"i.yaml:10:24", "parameters.repositories.0", `did you mean "contoso.azurecr.io/"?`}},
		{"image prefix uppercase", "allowed-images", "        repositories: [contoso.azurecr.io/Team/]\n", []string{"repositories.0", "lowercase"}},
		{"empty image prefix", "allowed-images", "        repositories: [\"\"]\n", []string{"matches every image"}},
		{"relative host path", "host-filesystem", "        allowedHostPaths: [{pathPrefix: var/log}]\n", []string{"i.yaml:10:41", "allowedHostPaths.0.pathPrefix", `did you mean "/var/log"?`}},
		{"dot-dot host path", "host-filesystem", "        allowedHostPaths: [{pathPrefix: /var/../etc}]\n", []string{`".." segment`}},
		{"host port out of range", "host-ports", "        allowedHostPorts: [80, 70000]\n", []string{"allowedHostPorts.1", "70000 is above the maximum 65535"}},
		{"port range out of range", "host-network-ports", "        maxPort: 65536\n", []string{"parameters.maxPort", "65535"}},
		{"capability with CAP_ prefix", "allowed-capabilities", "        allowedCapabilities: [CAP_NET_BIND_SERVICE]\n", []string{"allowedCapabilities.0", `did you mean "NET_BIND_SERVICE"?`}},
		{"misspelt capability", "allowed-capabilities", "        requiredDropCapabilities: [NET_RAWW]\n", []string{"requiredDropCapabilities.0", "not a Linux capability", `did you mean "NET_RAW"?`}},
		{"sysctl uppercase", "sysctls", "        allowedSysctls: [Net.Core.somaxconn]\n", []string{"allowedSysctls.0", `"net.core.somaxconn"`}},
		{"sysctl inner wildcard", "forbidden-sysctls", "        forbiddenSysctls: [\"kernel.*.x\"]\n", []string{"only a trailing *"}},
		{"seccomp profile typo", "allowed-seccomp-profiles", "        allowedProfiles: [RuntimeDefualt]\n", []string{"allowedProfiles.0", "seccomp profile", `did you mean "RuntimeDefault"?`}},
		{"apparmor localhost capitalised", "allowed-apparmor-profiles", "        allowedProfiles: [Localhost/my-profile]\n", []string{"AppArmor profile", `"localhost/my-profile"`}},
		{"volume type typo", "volume-types", "        allowedVolumeTypes: [configmap]\n", []string{"allowedVolumeTypes.0", `did you mean "configMap"?`}},
		{"tag with colon", "no-latest-tag", "        disallowedTags: [\":latest\"]\n", []string{"disallowedTags.0", `did you mean "latest"?`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(t, repo(map[string]string{"i.yaml": ref(tc.policy, tc.params)}), "i.yaml")
			if err == nil {
				t.Fatal("build succeeded; want an error")
			}
			if !input.IsInputError(err) {
				t.Errorf("not an input error: %T %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestValidParameterFormatsBuild keeps the formats from rejecting what the
// policies document as valid.
func TestValidParameterFormatsBuild(t *testing.T) {
	body := `  policies:
    container-limits: {parameters: {cpu: 1500m, memory: 512Mi}}
    limits-open: {policy: container-limits, parameters: {cpu: "", memory: "1e9"}}
    allowed-images: {parameters: {repositories: [contoso.azurecr.io/, "docker.io/library/nginx:1.", "localhost:5000/team/app", "ghcr.io/x/y@sha256:"]}}
    host-filesystem: {parameters: {allowedHostPaths: [{pathPrefix: /, readOnly: true}, {pathPrefix: /var/log}]}}
    allowed-capabilities: {parameters: {allowedCapabilities: ["*", NET_BIND_SERVICE], requiredDropCapabilities: [ALL]}}
    sysctls: {parameters: {allowedSysctls: ["net.core.*", kernel/shm_rmid_forced, "*"]}}
    allowed-seccomp-profiles: {parameters: {allowedProfiles: [RuntimeDefault, localhost/profiles/audit.json, "localhost/*", docker/default]}}
    allowed-apparmor-profiles: {parameters: {allowedProfiles: [runtime/default, localhost/k8s-nginx, Unconfined]}}
    volume-types: {parameters: {allowedVolumeTypes: [configMap, hostPath, "*"]}}
    host-network-ports: {parameters: {minPort: 8000, maxPort: 9000}}
    required-requests: {parameters: {requiredResources: [cpu, memory, nvidia.com/gpu, hugepages-2Mi]}}
`
	if _, err := build(t, repo(map[string]string{"i.yaml": initiative(body)}), "i.yaml"); err != nil {
		t.Fatal(err)
	}
}

// TestNestedParameterObjects: a typo or a missing field inside a list item is
// reported at its line with a suggestion, before Gatekeeper sees it.
func TestNestedParameterObjects(t *testing.T) {
	cases := []struct {
		name, params string
		want         []string
	}{
		{"misspelt field", "        allowedHostPaths: [{pathPrefix: /etc/ssl/certs, readonly: true}]\n", []string{"i.yaml:10:57", "allowedHostPaths.0.readonly", "unknown field", `did you mean "readOnly"?`}},
		{"missing required field", "        allowedHostPaths:\n          - {readOnly: true}\n", []string{"i.yaml:11:13", "allowedHostPaths.0", "missing required field(s): pathPrefix"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(t, repo(map[string]string{"i.yaml": initiative("  policies:\n    host-filesystem:\n      parameters:\n" + tc.params)}), "i.yaml")
			if err == nil {
				t.Fatal("build succeeded; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
	// A policy of the user's own gets the same closed objects without
	// writing additionalProperties: false.
	own := strings.Replace(demoPolicy, "      maxCount:\n", "      owners:\n        type: array\n        items:\n          type: object\n          properties:\n            team: {type: string}\n      maxCount:\n", 1)
	_, err := build(t, repo(map[string]string{"policies/demo-labels/policy.yaml": own, "i.yaml": initiative("  policies:\n    demo-labels:\n      parameters: {owners: [{teem: a}]}\n")}), "i.yaml")
	if err == nil || !strings.Contains(err.Error(), `did you mean "team"?`) {
		t.Errorf("want an unknown-field error with a suggestion, got %v", err)
	}
}

// TestPolicySchemaFormats: a policy naming a format edict does not know, or a
// default its own format rejects, fails when the policy loads.
func TestPolicySchemaFormats(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"unknown format", "        items: {type: string}\n", "        items: {type: string, format: quantiti}\n", `did you mean "quantity"?`},
		{"default rejected", "        default: [owner]\n        items: {type: string}\n", "        default: [\"Owner X\"]\n        items: {type: string, format: namespace-pattern}\n", "spec.parameters.properties.labels.default.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := strings.Replace(demoPolicy, tc.from, tc.to, 1)
			_, err := build(t, repo(map[string]string{"policies/demo-labels/policy.yaml": p, "i.yaml": initiative("  policies:\n    demo-labels: {}\n")}), "i.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// TestTemplateSchemaIsStructural: edict's formats and additionalProperties:
// false stay out of the rendered ConstraintTemplate; required stays in.
func TestTemplateSchemaIsStructural(t *testing.T) {
	cat, err := NewCatalog(nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Policy("host-filesystem")
	s := templateSchema(p)
	item := s["properties"].(map[string]any)["allowedHostPaths"].(map[string]any)["items"].(map[string]any)
	if _, ok := item["additionalProperties"]; ok {
		t.Error("additionalProperties left in the template schema")
	}
	if _, ok := item["properties"].(map[string]any)["pathPrefix"].(map[string]any)["format"]; ok {
		t.Error("format left in the template schema")
	}
	if item["required"] == nil {
		t.Error("required dropped from the template schema")
	}
}
