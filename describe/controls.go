package describe

import "strings"

const pssURL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// pssControls are the Pod Security Standards' names for the control slugs
// policies declare as pss:<profile>/<slug>.
var pssControls = map[string]string{
	"apparmor":                 "AppArmor",
	"capabilities":             "Capabilities",
	"host-namespaces":          "Host Namespaces",
	"host-path-volumes":        "HostPath Volumes",
	"host-ports":               "Host Ports",
	"host-probes":              "Host Probes / Lifecycle Hooks",
	"host-process":             "HostProcess",
	"privilege-escalation":     "Privilege Escalation",
	"privileged-containers":    "Privileged Containers",
	"proc-mount":               "/proc Mount Type",
	"running-as-non-root":      "Running as Non-root",
	"running-as-non-root-user": "Running as Non-root user",
	"seccomp":                  "Seccomp",
	"selinux":                  "SELinux",
	"sysctls":                  "Sysctls",
	"volume-types":             "Volume Types",
}

// azurePolicies are the display names of the Azure Policy definitions that
// policies declare as azure:<definition id>, as Azure publishes them.
var azurePolicies = map[string]string{
	"4f3823b6-6dac-4b5a-9c61-ce1afb829f17": "Kubernetes clusters should use Container Storage Interface(CSI) driver StorageClass",
	"b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01": "Kubernetes cluster services should use unique selectors",
	"b2fd3e59-6390-4f2b-8247-ea676bd03e2d": "[Deprecated]: Enforce unique ingress hostnames across namespaces in Kubernetes cluster",
	"021f8078-41a0-40e6-81b6-c6597da9f3ee": "Kubernetes cluster container images should not include latest image tag",
	"077f0ce1-86d6-4058-bc60-de05067e8622": "Kubernetes cluster Windows pods should not run HostProcess containers",
	"098fc59e-46c7-4d99-9b16-64990e543d75": "Kubernetes cluster pod hostPath volumes should only use allowed host paths",
	"16697877-1118-4fb1-9b65-9898ec2509ec": "Kubernetes cluster pods should only use allowed volume types",
	"1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d": "Kubernetes clusters should be accessible only over HTTPS",
	"1c6e92c9-99f0-4e55-9cf2-0c234dc48f99": "Kubernetes clusters should not allow container privilege escalation",
	"233a2a17-77ca-4fb1-9b6b-69223d272a44": "Kubernetes cluster services should listen only on allowed ports",
	"34c88cd4-5d72-4dbb-bf77-12c3cafe8791": "Must Have Anti Affinity Rules or Topology Spread Constraints Set",
	"3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e": "Kubernetes clusters should use internal load balancers",
	"423dd1ba-798e-40e4-9c4d-b6902674b423": "Kubernetes clusters should disable automounting API credentials",
	"46592696-4c7b-4bf3-9e45-6c2763bdc0a6": "Kubernetes cluster pods should use specified labels",
	"47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8": "Kubernetes cluster containers should not share host process ID or host IPC namespace",
	"511f5417-5d12-434d-ab2e-816901e72a5e": "Kubernetes cluster containers should only use allowed AppArmor profiles",
	"5485eac0-7e8f-4964-998b-a44f4f0c1e75": "Kubernetes cluster Windows containers should not run as ContainerAdministrator",
	"56d0a13f-712f-466b-8416-56fb354fb823": "Kubernetes cluster containers should not use forbidden sysctl interfaces",
	"57dde185-5c62-4063-b965-afbb201e9c1c": "Kubernetes cluster Windows containers should only run with approved user and domain user group",
	"5e5a0673-649e-4d50-bf9d-5a387a4e2081": "[Preview]: Kubernetes cluster containers should use only allowed sysctl interfaces",
	"82985f06-dc18-4a48-bc1c-b9f4f0098cfe": "Kubernetes cluster pods should only use approved host network and port range",
	"95edb821-ddaf-4404-9732-666045e056b4": "Kubernetes cluster should not allow privileged containers",
	"975ce327-682c-4f2e-aa46-b9598289b86c": "Kubernetes cluster containers should only use allowed seccomp profiles",
	"9a5f4e39-e427-4d5d-ae73-93db00328bec": "Kubernetes resources should have required annotations",
	"9f061a12-e40d-4183-a00e-171812443373": "Kubernetes clusters should not use the default namespace",
	"a27c700f-8a22-44ec-961c-41625264370b": "Kubernetes clusters should not use specific security capabilities",
	"b1a9997f-2883-4f12-bdff-2280f99b5915": "Ensure cluster containers have readiness or liveness probes configured",
	"c26596ff-4d70-4e6a-9a30-c2506bd2f80c": "Kubernetes cluster containers should only use allowed capabilities",
	"d2e7ea85-6b44-4317-a0be-1b951587f626": "Kubernetes clusters should not grant CAP_SYS_ADMIN security capabilities",
	"d46c275d-1680-448d-b2ec-e495a3b6cc89": "Kubernetes cluster services should only use allowed external IPs",
	"03a4ecdb-0684-4039-be91-2762979e1bc8": "Kubernetes cluster containers CPU and memory resource requests must be defined",
	"df49d893-a74c-421d-bc95-c663042e5b80": "Kubernetes cluster containers should run with a read only root file system",
	"e1e6c427-07d9-46ab-9689-bfa85431e636": "Kubernetes cluster pods and containers should follow SELinux security standards",
	"e345eecc-fa47-480f-9e88-67dcc122b164": "Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits",
	"f06ddb64-5fa3-4b77-b166-acb36f7f6042": "Kubernetes cluster pods and containers should only run with approved user and group IDs",
	"f85eb0dd-92ee-40e9-8a76-db25a507d6d3": "Kubernetes cluster containers should only use allowed ProcMountType",
	"febd0533-8e55-448f-b837-bd0e06f16469": "Kubernetes cluster containers should only use allowed images",
}

// Control is one standard a policy declares it implements.
type Control struct {
	Standard string // "Pod Security Standards", "Azure Policy" or the raw prefix
	Profile  string // baseline or restricted, for PSS
	Name     string // human name
	ID       string // the declared id after the prefix
	URL      string // where the standard describes it, if known
}

// ParseControl reads a declared control such as pss:baseline/host-ports or
// azure:<definition id>. Unknown forms are kept verbatim.
func ParseControl(c string) Control {
	prefix, rest, ok := strings.Cut(c, ":")
	if !ok {
		return Control{Standard: "Other", Name: c, ID: c}
	}
	switch prefix {
	case "pss":
		profile, slug, _ := strings.Cut(rest, "/")
		name := pssControls[slug]
		if name == "" {
			name = slug
		}
		return Control{Standard: "Pod Security Standards", Profile: profile, Name: name, ID: rest, URL: pssURL + "#" + profile}
	case "azure":
		name := azurePolicies[rest]
		if name == "" {
			name = rest
		}
		return Control{Standard: "Azure Policy", Name: name, ID: rest}
	}
	return Control{Standard: prefix, Name: rest, ID: rest}
}

// String is the control in one line of markdown.
func (c Control) String() string {
	switch c.Standard {
	case "Pod Security Standards":
		return "Pod Security Standards, " + c.Profile + ": [" + c.Name + "](" + c.URL + ")"
	case "Azure Policy":
		if c.Name == c.ID {
			return "Azure Policy: `" + c.ID + "`"
		}
		return "Azure Policy: " + c.Name + " (`" + c.ID + "`)"
	}
	return c.Standard + ": " + c.Name
}
