package edict.general.allowedseccompprofiles

import data.lib.exclusions
import data.lib.pods

allowed := object.get(input, ["parameters", "allowedProfiles"], ["RuntimeDefault", "Localhost"])

pod_annotation := "seccomp.security.alpha.kubernetes.io/pod"

container_annotation_prefix := "container.seccomp.security.alpha.kubernetes.io/"

# profile is the effective seccomp profile of a container entry:
# {"type": RuntimeDefault|Unconfined|Localhost|<other>, "path": <localhost profile>, "source": <where it is set>}.
profile(entry) := from_field(sc, "securityContext.seccompProfile") if {
	sc := object.get(pods.container_security_context(entry.container), "seccompProfile", null)
	is_object(sc)
} else := from_annotation(value, sprintf("annotation %s%s", [container_annotation_prefix, entry.container.name])) if {
	value := pods.annotations[concat("", [container_annotation_prefix, entry.container.name])]
} else := from_field(sc, "spec.securityContext.seccompProfile") if {
	sc := object.get(pods.security_context, "seccompProfile", null)
	is_object(sc)
} else := from_annotation(value, sprintf("annotation %s", [pod_annotation])) if {
	value := pods.annotations[pod_annotation]
} else := {"type": "", "path": "", "source": ""}

from_field(sc, source) := {"type": object.get(sc, "type", ""), "path": object.get(sc, "localhostProfile", ""), "source": source}

from_annotation(value, source) := {"type": "RuntimeDefault", "path": "", "source": source, "spelling": value} if {
	value in {"runtime/default", "docker/default"}
} else := {"type": "Unconfined", "path": "", "source": source, "spelling": value} if {
	value == "unconfined"
} else := {"type": "Localhost", "path": trim_prefix(value, "localhost/"), "source": source, "spelling": value} if {
	startswith(value, "localhost/")
} else := {"type": value, "path": "", "source": source, "spelling": value}

# names are the allow-list entries that admit a profile.
names(p) := {"RuntimeDefault", "runtime/default", "docker/default"} if {
	p.type == "RuntimeDefault"
} else := {"Unconfined", "unconfined"} if {
	p.type in {"Unconfined", ""}
} else := {"Localhost", "localhost/*", concat("", ["localhost/", p.path])} if {
	p.type == "Localhost"
} else := {p.type}

permitted(p) if "*" in allowed

permitted(p) if {
	some name in allowed
	name in names(p)
}

describe(p) := "no seccomp profile (it runs Unconfined)" if {
	p.type == ""
} else := sprintf("seccomp profile %s (%s)", [p.spelling, p.source]) if {
	p.spelling
} else := sprintf("seccomp profile Localhost %q (%s)", [p.path, p.source]) if {
	p.type == "Localhost"
} else := sprintf("seccomp profile %s (%s)", [p.type, p.source])

allowed_text := concat(", ", allowed) if {
	count(allowed) > 0
} else := "none"

violation contains {"msg": msg, "details": details} if {
	not pods.is_windows
	some entry in exclusions.checked_containers
	p := profile(entry)
	not permitted(p)
	msg := sprintf("%s: %s uses %s; allowed seccomp profiles: %s", [pods.object_name, pods.container_label(entry), describe(p), allowed_text])
	details := {
		"container": entry.container.name,
		"field": field(entry, p),
		"value": value(p),
		"allowed": allowed,
	}
}

value(p) := null if {
	p.type == ""
} else := object.get(p, "spelling", p.type)

field(entry, p) := pods.field(entry, "securityContext.seccompProfile") if {
	p.source in {"", "securityContext.seccompProfile"}
} else := trim_prefix(p.source, "annotation ") if {
	startswith(p.source, "annotation ")
} else := p.source
