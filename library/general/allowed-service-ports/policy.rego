package edict.general.allowedserviceports

import data.lib.pods

service := input.review.object

allowed := object.get(input, ["parameters", "allowedPorts"], [80, 443])

# The API server creates and owns this Service; reporting it would only be noise.
api_server if {
	service.metadata.name == "kubernetes"
	object.get(service, ["metadata", "namespace"], "") == "default"
}

violation contains {"msg": msg, "details": details} if {
	not api_server
	some i, port in object.get(service, ["spec", "ports"], [])
	value := object.get(port, "port", null)
	not value in allowed
	msg := sprintf("%s: spec.ports[%d].port=%v%s is not an allowed port; %s", [pods.object_name, i, value, port_name(port), allowed_text])
	details := {"field": sprintf("spec.ports[%d].port", [i]), "value": value, "allowed": allowed}
}

port_name(port) := sprintf(" (%q)", [port.name]) if {
	is_string(port.name)
	port.name != ""
} else := ""

allowed_text := sprintf("allowed ports: %s", [concat(", ", [sprintf("%v", [p]) | some p in sort(allowed)])]) if count(allowed) > 0

else := "no port is allowed (allowedPorts is empty)"
