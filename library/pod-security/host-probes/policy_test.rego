package edict.host_probes_test

import data.edict.host_probes

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

paths := [
	["livenessProbe", "httpGet"],
	["livenessProbe", "tcpSocket"],
	["readinessProbe", "httpGet"],
	["readinessProbe", "tcpSocket"],
	["startupProbe", "httpGet"],
	["startupProbe", "tcpSocket"],
	["lifecycle", "postStart", "httpGet"],
	["lifecycle", "postStart", "tcpSocket"],
	["lifecycle", "preStop", "httpGet"],
	["lifecycle", "preStop", "tcpSocket"],
]

# nest builds {"a": {"b": {... leaf}}} from a path.
nest(path, leaf) := json.patch({}, [{"op": "add", "path": sprintf("/%s", [concat("/", path)]), "value": leaf}]) if count(path) == 1

else := json.patch({}, [
	{"op": "add", "path": sprintf("/%s", [path[0]]), "value": {}},
	{"op": "add", "path": sprintf("/%s/%s", [path[0], path[1]]), "value": leaf},
]) if {
	count(path) == 2
}

else := json.patch({}, [
	{"op": "add", "path": sprintf("/%s", [path[0]]), "value": {}},
	{"op": "add", "path": sprintf("/%s/%s", [path[0], path[1]]), "value": {}},
	{"op": "add", "path": sprintf("/%s/%s/%s", [path[0], path[1], path[2]]), "value": leaf},
])

test_nest if {
	nest(["lifecycle", "preStop", "httpGet"], {"port": 80}) == {"lifecycle": {"preStop": {"httpGet": {"port": 80}}}}
}

test_every_field_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		every path in paths {
			container := object.union({"name": "c", "image": "x"}, nest(path, {"port": 80, "host": "10.0.0.1"}))
			v := host_probes.violation with input as review({"containers": [{"name": "main"}], list: [container]}, {})
			count(v) == 1
			some x in v
			field := concat(".", array.concat(path, ["host"]))
			x.details == {"container": "c", "field": sprintf("spec.%s[0].%s", [list, field]), "value": "10.0.0.1", "allowed": [""]}
			endswith(x.msg, sprintf(`"c" sets %s="10.0.0.1"; probes and lifecycle hooks must not set a host`, [field]))
		}
	}
}

test_empty_or_unset_host_allowed if {
	every path in paths {
		with_empty := object.union({"name": "c"}, nest(path, {"port": 80, "host": ""}))
		without := object.union({"name": "d"}, nest(path, {"port": 80}))
		count(host_probes.violation) == 0 with input as review({"containers": [with_empty, without]}, {})
	}
}

test_exec_and_grpc_probes_ignored if {
	c := {"name": "c", "livenessProbe": {"exec": {"command": ["true"]}}, "readinessProbe": {"grpc": {"port": 9000}}}
	count(host_probes.violation) == 0 with input as review({"containers": [c]}, {})
}

test_several_hosts_reported if {
	c := {"name": "c", "livenessProbe": {"httpGet": {"host": "a", "port": 1}}, "lifecycle": {"preStop": {"httpGet": {"host": "b", "port": 1}}}}
	count(host_probes.violation) == 2 with input as review({"containers": [c]}, {})
}

test_exclusions if {
	c := {"name": "c", "image": "contoso/app", "livenessProbe": {"httpGet": {"host": "a", "port": 1}}}
	count(host_probes.violation) == 0 with input as review({"containers": [c]}, {"excludedContainers": ["c"]})
	count(host_probes.violation) == 0 with input as review({"containers": [c]}, {"excludedImages": ["contoso/*"]})
	count(host_probes.violation) == 1 with input as review({"containers": [c]}, {"excludedImages": ["contoso"]})
}
