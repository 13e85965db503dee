package edict.apparmor

import data.lib.exclusions
import data.lib.pods

allowed_types := {"RuntimeDefault", "Localhost"}

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

type_text := "allowed types are RuntimeDefault and Localhost, or leave it unset"

violation contains {"msg": msg, "details": details} if {
	profile := pods.security_context.appArmorProfile
	not exclusions.all_excluded
	type := object.get(profile, "type", "")
	not type in allowed_types
	msg := sprintf(
		"%s sets spec.securityContext.appArmorProfile.type=%q; %s",
		[pods.object_name, type, type_text],
	)
	details := {"field": "spec.securityContext.appArmorProfile.type", "value": type, "allowed": sort(allowed_types)}
}

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	profile := pods.container_security_context(entry.container).appArmorProfile
	type := object.get(profile, "type", "")
	not type in allowed_types
	msg := sprintf(
		"%s: %s sets securityContext.appArmorProfile.type=%q; %s",
		[pods.object_name, pods.container_label(entry), type, type_text],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.appArmorProfile.type"),
		"value": type,
		"allowed": sort(allowed_types),
	}
}

violation contains {"msg": msg, "details": details} if {
	some key, value in pods.annotations
	startswith(key, annotation_prefix)
	not annotation_allowed(value)
	name := substring(key, count(annotation_prefix), -1)
	not excluded_name(name)
	msg := sprintf(
		"%s sets annotation %s=%q; allowed values are runtime/default and localhost/<profile>, or leave it empty",
		[pods.object_name, key, value],
	)
	details := {
		"container": name,
		"field": sprintf("metadata.annotations[%q]", [key]),
		"value": value,
		"allowed": ["", "runtime/default", "localhost/*"],
	}
}

annotation_allowed("")

annotation_allowed("runtime/default")

annotation_allowed(value) if startswith(value, "localhost/")

# An annotation for a container that the exclusions cover is skipped; one that
# names no container of the Pod is still checked, as the standard does.
excluded_name(name) if {
	some entry in pods.containers
	entry.container.name == name
	exclusions.excluded(entry.container)
}
