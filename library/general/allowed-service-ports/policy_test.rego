package edict.general.allowedserviceports_test

import data.edict.general.allowedserviceports as policy

svc(name, ns, ports) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": {"ports": ports}}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_default_ports_allowed if {
	count(policy.violation) == 0 with input as review(svc("web", "shop", [{"port": 80}, {"port": 443}]), {})
}

test_other_port_denied_with_field_and_name if {
	v := policy.violation with input as review(svc("web", "shop", [{"port": 80}, {"name": "admin", "port": 8080}]), {})
	count(v) == 1
	some x in v
	x.msg == `Service "web": spec.ports[1].port=8080 ("admin") is not an allowed port; allowed ports: 80, 443`
	x.details == {"field": "spec.ports[1].port", "value": 8080, "allowed": [80, 443]}
}

test_custom_list if {
	params := {"allowedPorts": [8443]}
	count(policy.violation) == 0 with input as review(svc("web", "shop", [{"port": 8443}]), params)
	count(policy.violation) == 1 with input as review(svc("web", "shop", [{"port": 443}]), params)
}

test_empty_list_allows_nothing if {
	some x in policy.violation with input as review(svc("web", "shop", [{"port": 80}]), {"allowedPorts": []})
	contains(x.msg, "no port is allowed (allowedPorts is empty)")
}

test_api_server_service_not_reported if {
	count(policy.violation) == 0 with input as review(svc("kubernetes", "default", [{"name": "https", "port": 6443}]), {})
	count(policy.violation) == 1 with input as review(svc("kubernetes", "shop", [{"port": 6443}]), {})
}

test_service_without_ports if {
	obj := {"kind": "Service", "metadata": {"name": "headless"}, "spec": {"clusterIP": "None"}}
	count(policy.violation) == 0 with input as review(obj, {})
}
