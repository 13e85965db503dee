package edict.general.allowedapparmorprofiles

import data.lib.exclusions
import data.lib.pods

allowed := object.get(input, ["parameters", "allowedProfiles"], ["runtime/default"])

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# profile is the effective AppArmor profile of a container entry:
# {"type": RuntimeDefault|Unconfined|Localhost|<other>, "path": <localhost profile>, "source": <where it is set>}.
profile(entry) := from_field(ap, "securityContext.appArmorProfile") if {
	ap := object.get(pods.container_security_context(entry.container), "appArmorProfile", null)
	is_object(ap)
} else := from_annotation(value, sprintf("annotation %s%s", [annotation_prefix, entry.container.name])) if {
	value := pods.annotations[concat("", [annotation_prefix, entry.container.name])]
} else := from_field(ap, "spec.securityContext.appArmorProfile") if {
	ap := object.get(pods.security_context, "appArmorProfile", null)
	is_object(ap)
} else := {"type": "RuntimeDefault", "path": "", "source": ""}

from_field(ap, source) := {"type": object.get(ap, "type", ""), "path": object.get(ap, "localhostProfile", ""), "source": source}

from_annotation(value, source) := {"type": "RuntimeDefault", "path": "", "source": source, "spelling": value} if {
	value == "runtime/default"
} else := {"type": "Unconfined", "path": "", "source": source, "spelling": value} if {
	value == "unconfined"
} else := {"type": "Localhost", "path": trim_prefix(value, "localhost/"), "source": source, "spelling": value} if {
	startswith(value, "localhost/")
} else := {"type": value, "path": "", "source": source, "spelling": value}

# names are the allow-list entries that admit a profile.
names(p) := {"RuntimeDefault", "runtime/default"} if {
	p.type == "RuntimeDefault"
} else := {"Unconfined", "unconfined"} if {
	p.type == "Unconfined"
} else := {"Localhost", "localhost/*", concat("", ["localhost/", p.path])} if {
	p.type == "Localhost"
} else := {p.type}

permitted(p) if "*" in allowed

permitted(p) if {
	some name in allowed
	name in names(p)
}

describe(p) := "the runtime's default AppArmor profile (no profile is set)" if {
	p.source == ""
} else := sprintf("AppArmor profile %s (%s)", [p.spelling, p.source]) if {
	p.spelling
} else := sprintf("AppArmor profile Localhost %q (%s)", [p.path, p.source]) if {
	p.type == "Localhost"
} else := sprintf("AppArmor profile %s (%s)", [p.type, p.source])

allowed_text := concat(", ", allowed) if {
	count(allowed) > 0
} else := "none"

violation contains {"msg": msg, "details": details} if {
	not pods.is_windows
	some entry in exclusions.checked_containers
	p := profile(entry)
	not permitted(p)
	msg := sprintf("%s: %s uses %s; allowed AppArmor profiles: %s", [pods.object_name, pods.container_label(entry), describe(p), allowed_text])
	details := {
		"container": entry.container.name,
		"field": field(entry, p),
		"value": object.get(p, "spelling", p.type),
		"allowed": allowed,
	}
}

field(entry, p) := pods.field(entry, "securityContext.appArmorProfile") if {
	p.source in {"", "securityContext.appArmorProfile"}
} else := trim_prefix(p.source, "annotation ") if {
	startswith(p.source, "annotation ")
} else := p.source
