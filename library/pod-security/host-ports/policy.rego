package edict.host_ports

import data.lib.exclusions
import data.lib.pods

allowed := object.get(input, ["parameters", "allowedHostPorts"], [])

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	some i, port in object.get(entry.container, "ports", [])
	host_port := object.get(port, "hostPort", 0)
	host_port != 0
	not host_port in allowed
	msg := sprintf(
		"%s: %s uses hostPort %v (ports[%d].hostPort); %s",
		[pods.object_name, pods.container_label(entry), host_port, i, allowed_text],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, sprintf("ports[%d].hostPort", [i])),
		"value": host_port,
		"allowed": allowed,
	}
}

allowed_text := "host ports are not allowed" if {
	count(allowed) == 0
} else := sprintf("allowed host ports: %s", [concat(", ", [sprintf("%v", [p]) | some p in sort(allowed)])])
