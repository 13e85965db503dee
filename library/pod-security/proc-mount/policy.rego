package edict.proc_mount

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	not pods.user_namespace
	some entry in exclusions.checked_containers
	proc_mount := pods.container_security_context(entry.container).procMount
	proc_mount != null
	proc_mount != "Default"
	msg := sprintf(
		"%s: %s sets securityContext.procMount=%q; only Default is allowed unless the Pod sets hostUsers: false",
		[pods.object_name, pods.container_label(entry), proc_mount],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.procMount"),
		"value": proc_mount,
		"allowed": ["Default"],
	}
}
