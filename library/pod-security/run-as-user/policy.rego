package edict.podsecurity.runasuser

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	not pods.user_namespace
	not exclusions.all_excluded
	object.get(pods.security_context, "runAsUser", null) == 0
	msg := sprintf("%s sets spec.securityContext.runAsUser=0; running as root is not allowed", [pods.object_name])
	details := {"field": "spec.securityContext.runAsUser", "value": 0, "allowed": "any non-zero user ID, or unset"}
}

violation contains {"msg": msg, "details": details} if {
	not pods.user_namespace
	some entry in exclusions.checked_containers
	object.get(pods.container_security_context(entry.container), "runAsUser", null) == 0
	msg := sprintf("%s: %s sets securityContext.runAsUser=0; running as root is not allowed", [pods.object_name, pods.container_label(entry)])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.runAsUser"),
		"value": 0,
		"allowed": "any non-zero user ID, or unset",
	}
}
