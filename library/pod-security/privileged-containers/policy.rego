package edict.privileged_containers

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	pods.container_security_context(entry.container).privileged == true
	msg := sprintf(
		"%s: %s sets securityContext.privileged=true; privileged containers are not allowed",
		[pods.object_name, pods.container_label(entry)],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.privileged"),
		"value": true,
		"allowed": [false],
	}
}
