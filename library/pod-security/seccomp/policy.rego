package edict.seccomp

import data.lib.exclusions
import data.lib.pods

allowed_types := {"RuntimeDefault", "Localhost"}

require_profile := object.get(input, ["parameters", "requireProfile"], false)

type_text := "allowed types are RuntimeDefault and Localhost"

# The restricted standard exempts Windows Pods entirely; the baseline check
# still applies to them.
skipped if {
	require_profile == true
	pods.is_windows
}

violation contains {"msg": msg, "details": details} if {
	not skipped
	profile := pods.security_context.seccompProfile
	not exclusions.all_excluded
	type := object.get(profile, "type", "")
	not type in allowed_types
	msg := sprintf("%s sets spec.securityContext.seccompProfile.type=%q; %s", [pods.object_name, type, type_text])
	details := {"field": "spec.securityContext.seccompProfile.type", "value": type, "allowed": sort(allowed_types)}
}

violation contains {"msg": msg, "details": details} if {
	not skipped
	some entry in exclusions.checked_containers
	profile := pods.container_security_context(entry.container).seccompProfile
	type := object.get(profile, "type", "")
	not type in allowed_types
	msg := sprintf(
		"%s: %s sets securityContext.seccompProfile.type=%q; %s",
		[pods.object_name, pods.container_label(entry), type, type_text],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.seccompProfile.type"),
		"value": type,
		"allowed": sort(allowed_types),
	}
}

# A container without a profile of its own inherits the Pod's; when the Pod
# sets none either, restricted mode reports the container. A Pod-level
# profile of a forbidden type is reported by the rule above instead.
violation contains {"msg": msg, "details": details} if {
	require_profile == true
	not skipped
	not pods.security_context.seccompProfile
	some entry in exclusions.checked_containers
	not pods.container_security_context(entry.container).seccompProfile
	msg := sprintf(
		"%s: %s has no seccomp profile; set securityContext.seccompProfile.type to RuntimeDefault or Localhost on the container or the Pod",
		[pods.object_name, pods.container_label(entry)],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.seccompProfile.type"),
		"value": null,
		"allowed": sort(allowed_types),
	}
}
