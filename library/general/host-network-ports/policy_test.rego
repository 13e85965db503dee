package edict.general.hostnetworkports_test

import data.edict.general.hostnetworkports as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec, params) := {"review": {"object": pod(spec)}, "parameters": params}

c(name, ports) := {"name": name, "image": "registry.example.com/app:1", "ports": ports}

test_no_host_network_no_host_ports_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", [{"containerPort": 8080}])]}, {})
}

test_host_port_zero_is_no_host_port if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", [{"containerPort": 8080, "hostPort": 0}])]}, {})
}

test_host_network_denied_by_default if {
	some v in policy.violation with input as review({"hostNetwork": true, "containers": [c("app", [])]}, {})
	v.msg == `Pod "web" sets spec.hostNetwork=true; sharing the host network is not allowed`
	v.details.field == "spec.hostNetwork"
}

test_host_network_false_allowed if {
	count(policy.violation) == 0 with input as review({"hostNetwork": false, "containers": [c("app", [])]}, {})
}

test_host_network_allowed_by_parameter if {
	count(policy.violation) == 0 with input as review({"hostNetwork": true, "containers": [c("app", [])]}, {"allowHostNetwork": true})
}

test_host_port_denied_by_default if {
	some v in policy.violation with input as review({"containers": [c("app", [{"containerPort": 8080, "hostPort": 8080}])]}, {})
	v.msg == `Pod "web": container "app" uses host port 8080 (ports[0].hostPort); host ports are not allowed`
	v.details == {"container": "app", "field": "spec.containers[0].ports[0].hostPort", "value": 8080, "allowed": {"minPort": 0, "maxPort": 0}}
}

test_host_port_in_range_allowed if {
	params := {"minPort": 80, "maxPort": 9000}
	count(policy.violation) == 0 with input as review({"containers": [c("app", [{"containerPort": 80, "hostPort": 80}, {"containerPort": 9000, "hostPort": 9000}])]}, params)
}

test_host_port_out_of_range_denied if {
	params := {"minPort": 80, "maxPort": 9000}
	spec := {"containers": [c("app", [{"containerPort": 79, "hostPort": 79}, {"containerPort": 9001, "hostPort": 9001}, {"containerPort": 443, "hostPort": 443}])]}
	violations := policy.violation with input as review(spec, params)
	{v.details.value | some v in violations} == {79, 9001}
	some v in violations
	endswith(v.msg, "host ports must be between 80 and 9000")
}

test_init_and_ephemeral_containers_checked if {
	spec := {
		"initContainers": [c("setup", [{"containerPort": 53, "hostPort": 53}])],
		"containers": [c("app", [])],
		"ephemeralContainers": [c("debugger", [{"containerPort": 22, "hostPort": 22}])],
	}
	violations := policy.violation with input as review(spec, {})
	{v.details.field | some v in violations} == {"spec.initContainers[0].ports[0].hostPort", "spec.ephemeralContainers[0].ports[0].hostPort"}
}

test_host_network_makes_container_ports_host_ports if {
	spec := {"hostNetwork": true, "containers": [c("app", [{"containerPort": 8080}])]}
	violations := policy.violation with input as review(spec, {"allowHostNetwork": true})
	count(violations) == 1
	some v in violations
	v.msg == `Pod "web": container "app" uses host port 8080 (ports[0].containerPort with spec.hostNetwork=true); host ports are not allowed`
	v.details.field == "spec.containers[0].ports[0].containerPort"
	count(policy.violation) == 0 with input as review(spec, {"allowHostNetwork": true, "minPort": 8000, "maxPort": 9000})
}

test_exclusions if {
	spec := {"containers": [c("app", []), c("node-exporter", [{"containerPort": 9100, "hostPort": 9100}])]}
	count(policy.violation) == 0 with input as review(spec, {"excludedContainers": ["node-exporter"]})
	count(policy.violation) == 1 with input as review(spec, {"excludedContainers": ["app"]})
}

test_host_network_skipped_when_every_container_excluded if {
	spec := {"hostNetwork": true, "containers": [c("agent", [])]}
	count(policy.violation) == 0 with input as review(spec, {"excludedImages": ["registry.example.com/*"]})
	count(policy.violation) == 1 with input as review(spec, {"excludedImages": ["other.example.com/*"]})
}
