package edict.general.windowsnocontaineradmin

import data.lib.exclusions
import data.lib.pods

pod_user := object.get(pods.security_context, ["windowsOptions", "runAsUserName"], null)

# The container's own setting wins over the Pod's, as in Kubernetes.
user(entry) := {"value": u, "field": pods.field(entry, "securityContext.windowsOptions.runAsUserName")} if {
	u := object.get(pods.container_security_context(entry.container), ["windowsOptions", "runAsUserName"], null)
	u != null
} else := {"value": pod_user, "field": "spec.securityContext.windowsOptions.runAsUserName"}

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	u := user(entry)
	is_string(u.value)
	lower(u.value) == "containeradministrator"
	msg := sprintf("%s: %s runs as %s (%s); run it as ContainerUser or another unprivileged account", [pods.object_name, pods.container_label(entry), u.value, u.field])
	details := {"container": entry.container.name, "field": u.field, "value": u.value}
}
