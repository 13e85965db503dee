package edict.host_process

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	pods.security_context.windowsOptions.hostProcess == true
	not exclusions.all_excluded
	msg := sprintf(
		"%s sets spec.securityContext.windowsOptions.hostProcess=true; HostProcess containers are not allowed",
		[pods.object_name],
	)
	details := {"field": "spec.securityContext.windowsOptions.hostProcess", "value": true, "allowed": [false]}
}

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	pods.container_security_context(entry.container).windowsOptions.hostProcess == true
	msg := sprintf(
		"%s: %s sets securityContext.windowsOptions.hostProcess=true; HostProcess containers are not allowed",
		[pods.object_name, pods.container_label(entry)],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.windowsOptions.hostProcess"),
		"value": true,
		"allowed": [false],
	}
}
