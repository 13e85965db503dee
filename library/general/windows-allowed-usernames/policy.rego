package edict.general.windowsallowedusernames

import data.lib.exclusions
import data.lib.pods

allowed := object.get(input, ["parameters", "allowedUserNames"], ["ContainerUser"])

windows if pods.is_windows

windows if object.get(pods.spec, ["nodeSelector", "kubernetes.io/os"], "") == "windows"

pod_user := object.get(pods.security_context, ["windowsOptions", "runAsUserName"], null)

user(entry) := {"value": u, "field": pods.field(entry, "securityContext.windowsOptions.runAsUserName")} if {
	u := object.get(pods.container_security_context(entry.container), ["windowsOptions", "runAsUserName"], null)
	u != null
} else := {"value": pod_user, "field": "spec.securityContext.windowsOptions.runAsUserName"} if {
	pod_user != null
} else := {"value": "ContainerUser", "field": "spec.securityContext.windowsOptions.runAsUserName", "unset": true}

permitted(name) if {
	some a in allowed
	lower(a) == lower(name)
}

permitted(name) if {
	some a in allowed
	endswith(a, `\*`)
	startswith(lower(name), lower(trim_suffix(a, "*")))
}

violation contains {"msg": msg, "details": details} if {
	windows
	some entry in exclusions.checked_containers
	u := user(entry)
	not permitted(u.value)
	msg := sprintf("%s: %s runs as %s (%s%s); %s", [pods.object_name, pods.container_label(entry), u.value, u.field, unset_note(u), allowed_text])
	details := {"container": entry.container.name, "field": u.field, "value": u.value, "allowed": allowed}
}

unset_note(u) := ", unset: the image default" if u.unset

else := ""

allowed_text := sprintf("allowed users: %s", [concat(", ", allowed)]) if count(allowed) > 0

else := "no Windows user is allowed (allowedUserNames is empty)"
