package edict.host_process_test

import data.edict.host_process

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "win"}, "spec": spec}}, "parameters": params}

hp_container(name, value) := {"name": name, "image": "mcr.microsoft.com/windows/nanoserver", "securityContext": {"windowsOptions": {"hostProcess": value}}}

windows(spec) := object.union({"os": {"name": "windows"}}, spec)

test_pod_level if {
	spec := windows({"securityContext": {"windowsOptions": {"hostProcess": true}}, "hostNetwork": true, "containers": [{"name": "app", "image": "x"}]})
	v := host_process.violation with input as review(spec, {})
	v == {{
		"msg": `Pod "win" sets spec.securityContext.windowsOptions.hostProcess=true; HostProcess containers are not allowed`,
		"details": {"field": "spec.securityContext.windowsOptions.hostProcess", "value": true, "allowed": [false]},
	}}
}

test_container_level_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		spec := windows({"containers": [{"name": "main", "image": "x"}], list: [hp_container("c", true)]})
		v := host_process.violation with input as review(spec, {})
		count(v) == 1
		some x in v
		x.details.field == sprintf("spec.%s[0].securityContext.windowsOptions.hostProcess", [list])
		contains(x.msg, `"c" sets securityContext.windowsOptions.hostProcess=true`)
	}
}

test_false_and_unset_allowed if {
	spec := windows({
		"securityContext": {"windowsOptions": {"hostProcess": false, "runAsUserName": "ContainerUser"}},
		"containers": [hp_container("a", false), {"name": "b"}, {"name": "c", "securityContext": {"windowsOptions": {}}}],
	})
	count(host_process.violation) == 0 with input as review(spec, {})
}

test_checked_without_os_field if {
	count(host_process.violation) == 1 with input as review({"containers": [hp_container("a", true)]}, {})
}

test_exclusions if {
	spec := windows({
		"securityContext": {"windowsOptions": {"hostProcess": true}},
		"containers": [hp_container("agent", true), hp_container("app", true)],
	})
	count(host_process.violation) == 3 with input as review(spec, {})
	count(host_process.violation) == 2 with input as review(spec, {"excludedContainers": ["agent"]})
	count(host_process.violation) == 0 with input as review(spec, {"excludedImages": ["mcr.microsoft.com/windows/*"]})
}
