package edict.proc_mount

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	not relaxed
	some entry in exclusions.checked_containers
	proc_mount := pods.container_security_context(entry.container).procMount
	proc_mount != null
	proc_mount != "Default"
	msg := sprintf(
		"%s: %s sets securityContext.procMount=%q; only Default is allowed%s",
		[pods.object_name, pods.container_label(entry), proc_mount, unless],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.procMount"),
		"value": proc_mount,
		"allowed": ["Default"],
	}
}

# The baseline standard relaxes the control for Pods in their own user
# namespace; the restricted standard (allowInUserNamespaces: false) does not.
relaxed if {
	baseline
	pods.user_namespace
}

baseline if object.get(input, ["parameters", "allowInUserNamespaces"], true) != false

unless := " unless the Pod sets hostUsers: false" if baseline

else := ""
