// Package formats holds the typed string formats a policy's parameter schema
// may name with `format:`. A value with a known shape (a Kubernetes quantity,
// an image prefix, a host path...) that does not have that shape builds a
// constraint which rejects every Pod or quietly allows too much; checking the
// format at build time turns that into an error on the initiative's line.
//
// Each format has an exact check, used by edict, and a regular expression
// approximating it, published in `edict schema` so that editors catch most
// mistakes as they are typed.
package formats

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Format is one named string format.
type Format struct {
	Name        string
	Description string
	// Pattern approximates Check for JSON Schema consumers (editors); Check
	// is the authority.
	Pattern string
	// MaxLength, when set, bounds the value's length alongside Pattern
	// (published as maxLength), for bounds a regular expression without
	// lookahead cannot state.
	MaxLength int
	// Check returns nil for a valid value, or a *Problem explaining why not.
	Check func(string) error
}

// Problem is a value that does not have its format: Msg says why, Hint (when
// there is one) what was probably meant.
type Problem struct {
	Msg  string
	Hint string
	// Candidates are the valid spellings a typo is measured against, for a
	// "did you mean" hint computed by the caller when Hint is empty.
	Candidates []string
}

func (p *Problem) Error() string {
	if p.Hint == "" {
		return p.Msg
	}
	return p.Msg + " (" + p.Hint + ")"
}

var all = map[string]*Format{}

func add(f *Format) { all[f.Name] = f }

// Lookup returns the format called name.
func Lookup(name string) (*Format, bool) {
	f, ok := all[name]
	return f, ok
}

// Names lists every format name, sorted.
func Names() []string {
	out := make([]string, 0, len(all))
	for n := range all {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsEdict reports whether name is one of edict's formats (which Kubernetes
// structural schemas do not know, so rendered templates leave them out).
func IsEdict(name string) bool { _, ok := all[name]; return ok }

func problem(hint, format string, args ...any) error {
	return &Problem{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

func candidates(list []string, format string, args ...any) error {
	return &Problem{Msg: fmt.Sprintf(format, args...), Candidates: list}
}

func init() {
	add(&Format{
		Name:        "quantity",
		Description: "a non-negative Kubernetes quantity such as 500m, 2, 512Mi or 4Gi; empty for none",
		Pattern:     `^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$|^$`,
		Check:       checkQuantity,
	})
	add(&Format{
		Name:        "image-prefix",
		Description: "the start of an image reference, such as contoso.azurecr.io/ or docker.io/library/nginx",
		Pattern:     `^[a-zA-Z0-9][a-zA-Z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]*)*(:[a-zA-Z0-9_.-]*|@sha256:[a-f0-9]*)?$`,
		Check:       checkImagePrefix,
	})
	add(&Format{
		Name:        "absolute-path",
		Description: "an absolute path on the node such as /var/log, without . or .. segments",
		Pattern:     `^/([^/\x00]+(/[^/\x00]+)*)?$`,
		Check:       checkAbsolutePath,
	})
	add(&Format{
		Name:        "capability",
		Description: "a Linux capability name without the CAP_ prefix (NET_BIND_SERVICE), ALL, or * for any",
		Pattern:     `^(\*|ALL|` + strings.Join(capabilities, "|") + `)$`,
		Check:       checkCapability,
	})
	add(&Format{
		Name:        "sysctl-pattern",
		Description: "a sysctl name such as net.ipv4.tcp_syncookies, a prefix ending in * (net.core.*), or * for all",
		Pattern:     `^(\*|([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*([a-z0-9]([-_a-z0-9]*[a-z0-9])?|[a-z0-9]([-_a-z0-9]*[a-z0-9])?\*|\*))$`,
		Check:       checkSysctl,
	})
	add(&Format{
		Name:        "seccomp-profile",
		Description: "RuntimeDefault, Localhost, Unconfined, runtime/default, docker/default, unconfined, localhost/<path>, localhost/* or *",
		Pattern:     `^(\*|RuntimeDefault|Localhost|Unconfined|runtime/default|docker/default|unconfined|localhost/.+)$`,
		Check:       profileCheck("seccomp", []string{"*", "RuntimeDefault", "Localhost", "Unconfined", "runtime/default", "docker/default", "unconfined", "localhost/*"}),
	})
	add(&Format{
		Name:        "apparmor-profile",
		Description: "RuntimeDefault, Localhost, Unconfined, runtime/default, unconfined, localhost/<name>, localhost/* or *",
		Pattern:     `^(\*|RuntimeDefault|Localhost|Unconfined|runtime/default|unconfined|localhost/.+)$`,
		Check:       profileCheck("AppArmor", []string{"*", "RuntimeDefault", "Localhost", "Unconfined", "runtime/default", "unconfined", "localhost/*"}),
	})
	add(&Format{
		Name:        "volume-type",
		Description: "a volume source field of the Pod spec such as configMap or hostPath, or * for all",
		Pattern:     `^(\*|` + strings.Join(volumeTypes, "|") + `)$`,
		Check:       checkVolumeType,
	})
	add(&Format{
		Name:        "namespace-pattern",
		Description: "a namespace name or a Gatekeeper wildcard (prefix-*, *-suffix, *contains*)",
		// Exact: a name of at most 63 characters, with a leading * it may
		// start with '-', with a trailing * end with '-'. Between two *s the
		// regular expression cannot bound the name, so MaxLength does.
		Pattern:   `^(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?|\*[-a-z0-9]{0,62}[a-z0-9]|[a-z0-9][-a-z0-9]{0,62}\*|\*[-a-z0-9]{0,62}[a-z0-9][-a-z0-9]{0,62}\*)$`,
		MaxLength: 65,
		Check:     checkNamespacePattern,
	})
	add(&Format{
		Name:        "image-tag",
		Description: "an image tag such as latest",
		Pattern:     `^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`,
		Check:       checkImageTag,
	})
	add(&Format{
		Name:        "resource-name",
		Description: "a container resource name such as cpu, memory, ephemeral-storage or example.com/gpu",
		Pattern:     `^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$`,
		Check:       checkResourceName,
	})
}

var decimalSuffixes = map[string]string{"KB": "k", "MB": "M", "GB": "G", "TB": "T", "PB": "P", "EB": "E", "kB": "k", "KIB": "Ki", "MIB": "Mi", "GIB": "Gi", "TIB": "Ti"}

func checkQuantity(s string) error {
	if s == "" {
		return nil
	}
	q, err := resource.ParseQuantity(s)
	if err == nil {
		if q.Sign() < 0 {
			return problem("limits and requests cannot be negative", "%q is a negative quantity", s)
		}
		return nil
	}
	const msg = "%q is not a Kubernetes quantity"
	trimmed := strings.TrimSpace(s)
	if trimmed != s {
		if _, err := resource.ParseQuantity(trimmed); err == nil {
			return problem(fmt.Sprintf("did you mean %q?", trimmed), msg, s)
		}
	}
	// 2GB, 512MiB: the byte unit is implied.
	i := strings.IndexFunc(trimmed, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i > 0 {
		n, unit := trimmed[:i], strings.TrimSpace(trimmed[i:])
		up := strings.ToUpper(unit)
		switch {
		case strings.HasSuffix(up, "IB") && len(up) == 3:
			fixed := n + up[:1] + "i"
			return problem(fmt.Sprintf("did you mean %q? Kubernetes writes binary units without the B", fixed), msg, s)
		case strings.HasSuffix(up, "B") && len(up) == 2:
			dec := n + decimalSuffixes[strings.ToUpper(unit[:1])+"B"]
			bin := n + up[:1] + "i"
			if up[:1] == "K" {
				dec = n + "k"
			}
			return problem(fmt.Sprintf("did you mean %q (10^n bytes) or %q (2^n bytes)? Kubernetes writes units without the B", dec, bin), msg, s)
		case strings.Contains(strings.ToLower(unit), "core") || strings.Contains(strings.ToLower(unit), "cpu"):
			return problem(fmt.Sprintf("CPU is counted in cores without a unit: %q, or millicores such as \"500m\"", n), msg, s)
		}
	}
	return problem("use a number with an optional suffix: m, k, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei (500m, 2, 512Mi, 4Gi)", msg, s)
}

var (
	hostRe = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?$`)
	pathRe = regexp.MustCompile(`^[a-z0-9._-]*$`)
	tagRe  = regexp.MustCompile(`^[a-zA-Z0-9_.-]*$`)
)

func checkImagePrefix(s string) error {
	const msg = "%q is not an image prefix"
	switch {
	case s == "":
		return problem("an empty prefix matches every image; list registries such as contoso.azurecr.io/", "an empty image prefix matches every image")
	case strings.Contains(s, "://"):
		return problem(fmt.Sprintf("image references have no scheme: did you mean %q?", s[strings.Index(s, "://")+3:]), msg, s)
	case strings.ContainsAny(s, " \t\n"):
		return problem("image references contain no spaces", msg, s)
	case strings.Contains(s, "*"):
		return problem(fmt.Sprintf("prefixes match plainly, without wildcards: did you mean %q?", strings.TrimRight(s, "*")), msg, s)
	}
	rest, digest, hasDigest := strings.Cut(s, "@")
	if hasDigest && !strings.HasPrefix("sha256:", digest) && !strings.HasPrefix(digest, "sha256:") { // a prefix may stop inside "sha256:"
		return problem("a digest starts with sha256:", msg, s)
	}
	parts := strings.Split(rest, "/")
	if len(parts) > 1 && !hostRe.MatchString(parts[0]) {
		return problem("the registry part is a host name with an optional port", msg, s)
	}
	for i, p := range parts {
		if i == 0 && len(parts) > 1 {
			continue
		}
		name, tag, hasTag := strings.Cut(p, ":")
		if hasTag && i != len(parts)-1 {
			return problem("a tag comes only after the last path component", msg, s)
		}
		if !pathRe.MatchString(name) {
			if pathRe.MatchString(strings.ToLower(name)) {
				return problem(fmt.Sprintf("repository names are lowercase: did you mean %q?", strings.Replace(s, name, strings.ToLower(name), 1)), msg, s)
			}
			return problem("repository path components use lowercase letters, digits, '.', '_' and '-'", msg, s)
		}
		if hasTag && !tagRe.MatchString(tag) {
			return problem("a tag uses letters, digits, '_', '.' and '-'", msg, s)
		}
	}
	return nil
}

func checkAbsolutePath(s string) error {
	const msg = "%q is not an absolute path"
	switch {
	case s == "":
		return problem("use / only if the whole node file system is meant", "an empty path")
	case !strings.HasPrefix(s, "/"):
		return problem(fmt.Sprintf("did you mean %q?", "/"+strings.TrimPrefix(s, "./")), msg, s)
	case strings.ContainsRune(s, 0):
		return problem("", "%q contains a NUL byte", s)
	}
	for _, seg := range strings.Split(strings.Trim(s, "/"), "/") {
		if seg == "." || seg == ".." {
			return problem("write the path without . and .. segments", "%q has a %q segment, which the kubelet does not resolve", s, seg)
		}
	}
	if strings.Contains(s, "//") {
		return problem(fmt.Sprintf("did you mean %q?", strings.ReplaceAll(s, "//", "/")), "%q has an empty path segment", s)
	}
	return nil
}

// capabilities are the Linux capabilities (linux/capability.h) as Kubernetes
// spells them.
var capabilities = []string{"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM"}

func checkCapability(s string) error {
	if s == "*" || s == "ALL" {
		return nil
	}
	for _, c := range capabilities {
		if s == c {
			return nil
		}
	}
	const msg = "%q is not a Linux capability name"
	up := strings.ToUpper(s)
	if t := strings.TrimPrefix(up, "CAP_"); t != s {
		for _, c := range capabilities {
			if t == c {
				return problem(fmt.Sprintf("did you mean %q? Kubernetes compares names without the CAP_ prefix, in capitals", c), msg, s)
			}
		}
	}
	return candidates(append([]string{"ALL"}, capabilities...), msg, s)
}

var sysctlSegment = regexp.MustCompile(`^[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)

func checkSysctl(s string) error {
	const msg = "%q is not a sysctl name or prefix"
	if s == "*" {
		return nil
	}
	name := strings.TrimSuffix(s, "*")
	if strings.Contains(name, "*") {
		return problem("only a trailing * is a wildcard", msg, s)
	}
	prefix := name != s
	segs := strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '/' })
	if len(segs) == 0 {
		return problem("", msg, s)
	}
	for _, seg := range segs {
		if !sysctlSegment.MatchString(seg) {
			if sysctlSegment.MatchString(strings.ToLower(seg)) {
				return problem(fmt.Sprintf("sysctl names are lowercase: did you mean %q?", strings.ToLower(s)), msg, s)
			}
			return problem("each dotted part uses lowercase letters, digits, '-' and '_'", msg, s)
		}
	}
	// Separators only between parts (a prefix may end with one).
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "/") || strings.Contains(name, "..") || (!prefix && (strings.HasSuffix(name, ".") || strings.HasSuffix(name, "/"))) {
		return problem("", msg, s)
	}
	return nil
}

func profileCheck(what string, forms []string) func(string) error {
	return func(s string) error {
		for _, f := range forms {
			if s == f {
				return nil
			}
		}
		if rest, ok := strings.CutPrefix(s, "localhost/"); ok && rest != "" && !strings.ContainsAny(rest, " \t") {
			return nil
		}
		if rest, ok := strings.CutPrefix(s, "Localhost/"); ok && rest != "" {
			return problem(fmt.Sprintf("a single node-local profile is written %q", "localhost/"+rest), "%q is not a %s profile form", s, what)
		}
		return candidates(forms, "%q is not a %s profile form; expected one of %s or localhost/<name>", s, what, strings.Join(forms, ", "))
	}
}

// volumeTypes are the volume source fields of core/v1 VolumeSource.
var volumeTypes = []string{"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "image", "iscsi", "nfs", "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected", "quobyte", "rbd", "scaleIO", "secret", "storageos", "vsphereVolume"}

func checkVolumeType(s string) error {
	if s == "*" {
		return nil
	}
	for _, v := range volumeTypes {
		if s == v {
			return nil
		}
	}
	return candidates(volumeTypes, "%q is not a volume type of the Pod spec", s)
}

var namespaceRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func checkNamespacePattern(s string) error {
	if s == "*" {
		return nil
	}
	core := strings.TrimSuffix(strings.TrimPrefix(s, "*"), "*")
	if core == "" || strings.Contains(core, "*") {
		return problem("a wildcard * may lead or trail a name: prefix-*, *-suffix", "%q is not a namespace pattern", s)
	}
	if len(core) > 63 {
		return problem("", "%q is longer than a namespace name (63 characters)", s)
	}
	if !namespaceRe.MatchString(strings.Trim(core, "-")) || (!strings.HasPrefix(s, "*") && strings.HasPrefix(core, "-")) || (!strings.HasSuffix(s, "*") && strings.HasSuffix(core, "-")) {
		if namespaceRe.MatchString(strings.ToLower(core)) {
			return problem(fmt.Sprintf("namespaces are lowercase: did you mean %q?", strings.ToLower(s)), "%q is not a namespace pattern", s)
		}
		return problem("namespace names use lowercase letters, digits and '-'", "%q is not a namespace pattern", s)
	}
	return nil
}

var imageTagRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

func checkImageTag(s string) error {
	if imageTagRe.MatchString(s) {
		return nil
	}
	if t := strings.TrimPrefix(s, ":"); t != s && imageTagRe.MatchString(t) {
		return problem(fmt.Sprintf("did you mean %q? the tag is written without the colon", t), "%q is not an image tag", s)
	}
	return problem("tags use letters, digits, '_', '.' and '-', at most 128 characters", "%q is not an image tag", s)
}

var resourceNameRe = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$`)

func checkResourceName(s string) error {
	if resourceNameRe.MatchString(s) {
		return nil
	}
	return candidates([]string{"cpu", "memory", "ephemeral-storage"}, "%q is not a resource name", s)
}
