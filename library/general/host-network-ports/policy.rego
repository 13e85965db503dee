package edict.general.hostnetworkports

import data.lib.exclusions
import data.lib.pods

allow_host_network := object.get(input, ["parameters", "allowHostNetwork"], false)

min_port := object.get(input, ["parameters", "minPort"], 0)

max_port := object.get(input, ["parameters", "maxPort"], 0)

host_network if pods.spec.hostNetwork == true

range_text := "host ports are not allowed" if {
	max_port <= 0
} else := sprintf("host ports must be between %d and %d", [min_port, max_port])

violation contains {"msg": msg, "details": details} if {
	host_network
	allow_host_network != true
	not exclusions.all_excluded
	msg := sprintf("%s sets spec.hostNetwork=true; sharing the host network is not allowed", [pods.object_name])
	details := {"field": "spec.hostNetwork", "value": true, "allowed": [false]}
}

# host_ports holds every port a checked container binds on the node.
host_ports contains {"entry": entry, "field": sprintf("ports[%d].hostPort", [i]), "port": port.hostPort, "note": ""} if {
	some entry in exclusions.checked_containers
	some i, port in object.get(entry.container, "ports", [])
	is_number(port.hostPort)
	port.hostPort != 0
}

host_ports contains {"entry": entry, "field": sprintf("ports[%d].containerPort", [i]), "port": port.containerPort, "note": " with spec.hostNetwork=true"} if {
	host_network
	some entry in exclusions.checked_containers
	some i, port in object.get(entry.container, "ports", [])
	object.get(port, "hostPort", 0) == 0
	is_number(port.containerPort)
}

violation contains {"msg": msg, "details": details} if {
	some hp in host_ports
	not in_range(hp.port)
	msg := sprintf("%s: %s uses host port %d (%s%s); %s", [pods.object_name, pods.container_label(hp.entry), hp.port, hp.field, hp.note, range_text])
	details := {
		"container": hp.entry.container.name,
		"field": pods.field(hp.entry, hp.field),
		"value": hp.port,
		"allowed": {"minPort": min_port, "maxPort": max_port},
	}
}

in_range(port) if {
	port >= min_port
	port <= max_port
}
