package edict.host_namespaces

import data.lib.pods

namespaces := {
	"hostNetwork": "network",
	"hostPID": "process ID",
	"hostIPC": "IPC",
}

violation contains {"msg": msg, "details": details} if {
	some field, namespace in namespaces
	pods.spec[field] == true
	msg := sprintf(
		"%s sets spec.%s=true; sharing the host's %s namespace is not allowed",
		[pods.object_name, field, namespace],
	)
	details := {"field": sprintf("spec.%s", [field]), "value": true, "allowed": [false]}
}
