package edict.general.nonodeportservices

import data.lib.pods

service := input.review.object

violation contains {"msg": msg, "details": details} if {
	service.spec.type == "NodePort"
	msg := sprintf("%s has spec.type=NodePort%s; NodePort Services are not allowed, use ClusterIP behind an Ingress or an internal LoadBalancer", [pods.object_name, node_ports])
	details := {"field": "spec.type", "value": "NodePort"}
}

node_ports := sprintf(" (node ports %s)", [concat(", ", ports)]) if {
	ports := [sprintf("%v", [p.nodePort]) | some p in service.spec.ports; p.nodePort]
	count(ports) > 0
} else := ""
