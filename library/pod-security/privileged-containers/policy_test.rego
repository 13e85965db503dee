package edict.privileged_containers_test

import data.edict.privileged_containers

review(spec) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": {}}

privileged(name) := {"name": name, "image": "nginx", "securityContext": {"privileged": true}}

test_privileged_container if {
	v := privileged_containers.violation with input as review({"containers": [privileged("app")]})
	v == {{
		"msg": `Pod "web": container "app" sets securityContext.privileged=true; privileged containers are not allowed`,
		"details": {"container": "app", "field": "spec.containers[0].securityContext.privileged", "value": true, "allowed": [false]},
	}}
}

test_privileged_init_container if {
	v := privileged_containers.violation with input as review({"containers": [{"name": "app"}], "initContainers": [privileged("setup")]})
	count(v) == 1
	some x in v
	contains(x.msg, `initContainer "setup"`)
	x.details.field == "spec.initContainers[0].securityContext.privileged"
}

test_privileged_ephemeral_container if {
	v := privileged_containers.violation with input as review({"containers": [{"name": "app"}], "ephemeralContainers": [privileged("debugger")]})
	count(v) == 1
	some x in v
	contains(x.msg, `ephemeralContainer "debugger"`)
}

test_every_privileged_container_reported if {
	v := privileged_containers.violation with input as review({"containers": [privileged("a"), privileged("b")], "initContainers": [privileged("c")]})
	count(v) == 3
}

test_privileged_false_allowed if {
	v := privileged_containers.violation with input as review({"containers": [{"name": "app", "securityContext": {"privileged": false}}]})
	count(v) == 0
}

test_unset_allowed if {
	v := privileged_containers.violation with input as review({"containers": [{"name": "app"}, {"name": "b", "securityContext": {}}]})
	count(v) == 0
}

test_excluded_container_name if {
	inp := object.union(review({"containers": [privileged("node-agent"), privileged("app")]}), {"parameters": {"excludedContainers": ["node-agent"]}})
	v := privileged_containers.violation with input as inp
	count(v) == 1
	some x in v
	x.details.container == "app"
}

test_excluded_image_prefix if {
	inp := object.union(review({"containers": [privileged("agent")]}), {"parameters": {"excludedImages": ["ngin*"]}})
	count(privileged_containers.violation) == 0 with input as inp
}

test_excluded_image_exact_only if {
	inp := object.union(review({"containers": [privileged("agent")]}), {"parameters": {"excludedImages": ["ngin"]}})
	count(privileged_containers.violation) == 1 with input as inp
}
