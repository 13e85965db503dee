package edict.general.requiredprobes_test

import data.edict.general.requiredprobes as policy

http := {"httpGet": {"path": "/healthz", "port": 8080}}

probed(name) := {"name": name, "image": "contoso.azurecr.io/web:1", "readinessProbe": http, "livenessProbe": {"tcpSocket": {"port": 8080}}}

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

test_probed_container_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [probed("web")]}, {})
}

test_missing_probes_each_reported if {
	v := policy.violation with input as review({"containers": [{"name": "web", "image": "x"}]}, {})
	count(v) == 2
	some x in v
	x.msg == `Pod "web": container "web" has no readinessProbe; define one with exec, httpGet, tcpSocket or grpc`
	x.details == {"container": "web", "field": "spec.containers[0].readinessProbe", "required": ["readinessProbe", "livenessProbe"]}
}

test_probe_without_handler if {
	c := object.union(object.remove(probed("web"), ["livenessProbe"]), {"livenessProbe": {"periodSeconds": 10}})
	some x in policy.violation with input as review({"containers": [c]}, {})
	x.msg == `Pod "web": container "web" sets livenessProbe without a handler; give it exec, httpGet, tcpSocket or grpc`
	x.details.field == "spec.containers[0].livenessProbe"
}

test_exec_and_grpc_handlers if {
	c := {"name": "db", "readinessProbe": {"exec": {"command": ["pg_isready"]}}, "livenessProbe": {"grpc": {"port": 9000}}}
	count(policy.violation) == 0 with input as review({"containers": [c]}, {})
}

test_required_list if {
	c := {"name": "batch", "startupProbe": http}
	count(policy.violation) == 0 with input as review({"containers": [c]}, {"requiredProbes": ["startupProbe"]})
	count(policy.violation) == 0 with input as review({"containers": [{"name": "x"}]}, {"requiredProbes": []})
}

test_init_containers_only_sidecars if {
	spec := {
		"containers": [probed("web")],
		"initContainers": [{"name": "migrate"}, {"name": "proxy", "restartPolicy": "Always"}],
		"ephemeralContainers": [{"name": "debug"}],
	}
	v := policy.violation with input as review(spec, {})
	count(v) == 2
	every x in v {
		x.details.container == "proxy"
		startswith(x.details.field, "spec.initContainers[1].")
	}
}

test_exclusions if {
	params := {"excludedContainers": ["istio-proxy"], "excludedImages": ["mcr.microsoft.com/*"]}
	spec := {"containers": [probed("web"), {"name": "istio-proxy"}, {"name": "agent", "image": "mcr.microsoft.com/agent:1"}]}
	count(policy.violation) == 0 with input as review(spec, params)
}
