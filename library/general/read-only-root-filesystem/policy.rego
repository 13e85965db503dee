package edict.general.readonlyrootfilesystem

import data.lib.exclusions
import data.lib.pods

violation contains {"msg": msg, "details": details} if {
	not pods.is_windows
	some entry in exclusions.checked_containers
	value := object.get(pods.container_security_context(entry.container), "readOnlyRootFilesystem", null)
	value != true
	msg := sprintf("%s: %s %s; the root filesystem must be read-only (securityContext.readOnlyRootFilesystem=true)", [pods.object_name, pods.container_label(entry), finding(value)])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.readOnlyRootFilesystem"),
		"value": value,
		"allowed": [true],
	}
}

finding(null) := "does not set securityContext.readOnlyRootFilesystem"

finding(value) := sprintf("sets securityContext.readOnlyRootFilesystem=%v", [value]) if value != null
