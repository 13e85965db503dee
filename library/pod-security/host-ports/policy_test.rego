package edict.host_ports_test

import data.edict.host_ports

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

with_ports(name, ports) := {"name": name, "image": "nginx", "ports": ports}

test_host_port_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		spec := {"containers": [{"name": "main"}], list: [with_ports("c", [{"containerPort": 80}, {"containerPort": 443, "hostPort": 8443}])]}
		v := host_ports.violation with input as review(spec, {})
		count(v) == 1
		some x in v
		x.details == {"container": "c", "field": sprintf("spec.%s[0].ports[1].hostPort", [list]), "value": 8443, "allowed": []}
		endswith(x.msg, `"c" uses hostPort 8443 (ports[1].hostPort); host ports are not allowed`)
	}
}

test_zero_and_unset_allowed if {
	spec := {"containers": [with_ports("app", [{"containerPort": 80, "hostPort": 0}, {"containerPort": 81}]), {"name": "b"}]}
	count(host_ports.violation) == 0 with input as review(spec, {})
}

test_allowed_list if {
	spec := {"containers": [with_ports("app", [{"containerPort": 80, "hostPort": 80}, {"containerPort": 443, "hostPort": 443}, {"containerPort": 9100, "hostPort": 9100}])]}
	v := host_ports.violation with input as review(spec, {"allowedHostPorts": [443, 80]})
	count(v) == 1
	some x in v
	endswith(x.msg, "uses hostPort 9100 (ports[2].hostPort); allowed host ports: 80, 443")
}

test_each_port_reported if {
	spec := {"containers": [with_ports("app", [{"hostPort": 1}, {"hostPort": 2}]), with_ports("b", [{"hostPort": 1}])]}
	count(host_ports.violation) == 3 with input as review(spec, {})
}

test_exclusions if {
	spec := {"containers": [with_ports("node-exporter", [{"hostPort": 9100}]), with_ports("app", [{"hostPort": 8080}])]}
	count(host_ports.violation) == 1 with input as review(spec, {"excludedContainers": ["node-exporter"]})
	count(host_ports.violation) == 0 with input as review(spec, {"excludedImages": ["nginx"]})
}
