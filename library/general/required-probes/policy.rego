package edict.general.requiredprobes

import data.lib.exclusions
import data.lib.pods

required := object.get(input, ["parameters", "requiredProbes"], ["readinessProbe", "livenessProbe"])

handlers := ["exec", "httpGet", "tcpSocket", "grpc"]

# Sidecars (restartPolicy Always) keep running beside the containers and
# take probes; other init containers run to completion first.
checked contains entry if {
	some entry in exclusions.checked_containers
	entry.list == "containers"
}

checked contains entry if {
	some entry in exclusions.checked_containers
	entry.list == "initContainers"
	object.get(entry.container, "restartPolicy", "") == "Always"
}

has_handler(probe) if {
	some h in handlers
	is_object(object.get(probe, h, null))
}

violation contains {"msg": msg, "details": details} if {
	some entry in checked
	some probe in required
	not entry.container[probe]
	msg := sprintf("%s: %s has no %s; define one with exec, httpGet, tcpSocket or grpc", [pods.object_name, pods.container_label(entry), probe])
	details := {"container": entry.container.name, "field": pods.field(entry, probe), "required": required}
}

violation contains {"msg": msg, "details": details} if {
	some entry in checked
	some probe in required
	value := entry.container[probe]
	not has_handler(value)
	msg := sprintf("%s: %s sets %s without a handler; give it exec, httpGet, tcpSocket or grpc", [pods.object_name, pods.container_label(entry), probe])
	details := {"container": entry.container.name, "field": pods.field(entry, probe), "value": value}
}
