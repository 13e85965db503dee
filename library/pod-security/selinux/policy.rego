package edict.selinux

import data.lib.exclusions
import data.lib.pods

standard_types := ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]

allowed_types := object.get(input, ["parameters", "allowedTypes"], standard_types)

# Each setter is the Pod itself or one container entry, with its seLinuxOptions.
setters contains {"options": options, "path": "spec.securityContext.seLinuxOptions", "who": pods.object_name, "container": null} if {
	options := pods.security_context.seLinuxOptions
	not exclusions.all_excluded
}

setters contains {"options": options, "path": pods.field(entry, "securityContext.seLinuxOptions"), "who": who, "container": entry.container.name} if {
	some entry in exclusions.checked_containers
	options := pods.container_security_context(entry.container).seLinuxOptions
	who := sprintf("%s: %s", [pods.object_name, pods.container_label(entry)])
}

violation contains {"msg": msg, "details": details} if {
	some setter in setters
	type := object.get(setter.options, "type", "")
	type != ""
	not type in allowed_types
	msg := sprintf(
		"%s sets %s=%q; %s",
		[setter.who, field_name(setter, "type"), type, types_text],
	)
	details := without_nulls({"container": setter.container, "field": concat(".", [setter.path, "type"]), "value": type, "allowed": allowed_types})
}

violation contains {"msg": msg, "details": details} if {
	some setter in setters
	some key in ["user", "role"]
	value := object.get(setter.options, key, "")
	value != ""
	msg := sprintf(
		"%s sets %s=%q; a custom SELinux %s is not allowed",
		[setter.who, field_name(setter, key), value, key],
	)
	details := without_nulls({"container": setter.container, "field": concat(".", [setter.path, key]), "value": value, "allowed": [""]})
}

# Messages use the full path at the Pod level and the container-relative one
# after the container's name.
field_name(setter, key) := concat(".", [setter.path, key]) if setter.container == null

else := concat(".", ["securityContext.seLinuxOptions", key])

types_text := "no SELinux type may be set" if {
	count(allowed_types) == 0
} else := sprintf("allowed types: %s", [concat(", ", allowed_types)])

# Pod-level findings carry no container, like those of the other policies.
without_nulls(obj) := {k: v | some k, v in obj; v != null}
