package edict.podsecurity.privilegeescalation

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	not pods.is_windows
	some entry in exclusions.checked_containers
	value := object.get(pods.container_security_context(entry.container), "allowPrivilegeEscalation", null)
	value != false
	msg := sprintf("%s: %s %s; securityContext.allowPrivilegeEscalation must be set to false", [pods.object_name, pods.container_label(entry), finding(value)])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.allowPrivilegeEscalation"),
		"value": value,
		"allowed": [false],
	}
}

finding(null) := "does not set securityContext.allowPrivilegeEscalation"

finding(value) := sprintf("sets securityContext.allowPrivilegeEscalation=%v", [value]) if value != null
