package edict.host_namespaces

import data.lib.pods

namespaces := {
	"hostNetwork": "network",
	"hostPID": "process ID",
	"hostIPC": "IPC",
}

allow_host_network := object.get(input, ["parameters", "allowHostNetwork"], false)

violation contains {"msg": msg, "details": details} if {
	some field, namespace in namespaces
	pods.spec[field] == true
	not allowed(field)
	msg := sprintf(
		"%s sets spec.%s=true; sharing the host's %s namespace is not allowed",
		[pods.object_name, field, namespace],
	)
	details := {"field": sprintf("spec.%s", [field]), "value": true, "allowed": [false]}
}

# Azure checks hostNetwork in a policy of its own (host-network-ports here), so
# an initiative that has both can leave it to that one and report it once.
allowed("hostNetwork") if allow_host_network == true
