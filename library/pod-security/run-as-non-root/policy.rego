package edict.podsecurity.runasnonroot

import data.lib.exclusions
import data.lib.pods

pod_value := object.get(pods.security_context, "runAsNonRoot", null)

violation contains {"msg": msg, "details": details} if {
	not pods.user_namespace
	not exclusions.all_excluded
	pod_value != null
	pod_value != true
	msg := sprintf("%s sets spec.securityContext.runAsNonRoot=%v; runAsNonRoot must be true", [pods.object_name, pod_value])
	details := {"field": "spec.securityContext.runAsNonRoot", "value": pod_value, "allowed": [true]}
}

# A container that sets the field explicitly decides for itself.
violation contains {"msg": msg, "details": details} if {
	not pods.user_namespace
	some entry in exclusions.checked_containers
	value := object.get(pods.container_security_context(entry.container), "runAsNonRoot", null)
	value != null
	value != true
	msg := sprintf("%s: %s sets securityContext.runAsNonRoot=%v; runAsNonRoot must be true", [pods.object_name, pods.container_label(entry), value])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.runAsNonRoot"),
		"value": value,
		"allowed": [true],
	}
}

# A container that leaves the field unset inherits the pod's value, which must then be true.
violation contains {"msg": msg, "details": details} if {
	not pods.user_namespace
	pod_value != true
	some entry in exclusions.checked_containers
	object.get(pods.container_security_context(entry.container), "runAsNonRoot", null) == null
	msg := sprintf("%s: %s does not set securityContext.runAsNonRoot and the pod does not set spec.securityContext.runAsNonRoot=true; one of them must be true", [pods.object_name, pods.container_label(entry)])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.runAsNonRoot"),
		"value": null,
		"allowed": [true],
	}
}
