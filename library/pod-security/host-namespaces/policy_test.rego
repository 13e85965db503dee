package edict.host_namespaces_test

import data.edict.host_namespaces

review(spec) := review_with(spec, {})

review_with(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

test_each_namespace if {
	every field in ["hostNetwork", "hostPID", "hostIPC"] {
		v := host_namespaces.violation with input as review({field: true, "containers": [{"name": "app"}]})
		count(v) == 1
		some x in v
		x.details == {"field": sprintf("spec.%s", [field]), "value": true, "allowed": [false]}
		startswith(x.msg, sprintf(`Pod "web" sets spec.%s=true; sharing the host's `, [field]))
	}
}

test_message if {
	v := host_namespaces.violation with input as review({"hostPID": true})
	v == {{
		"msg": `Pod "web" sets spec.hostPID=true; sharing the host's process ID namespace is not allowed`,
		"details": {"field": "spec.hostPID", "value": true, "allowed": [false]},
	}}
}

test_all_three if {
	count(host_namespaces.violation) == 3 with input as review({"hostNetwork": true, "hostPID": true, "hostIPC": true})
}

test_false_and_unset_allowed if {
	count(host_namespaces.violation) == 0 with input as review({"hostNetwork": false, "hostPID": false, "containers": [{"name": "app"}]})
	count(host_namespaces.violation) == 0 with input as review({})
}

test_windows_pods_checked if {
	count(host_namespaces.violation) == 1 with input as review({"os": {"name": "windows"}, "hostNetwork": true})
}

test_allow_host_network_skips_only_host_network if {
	allow := {"allowHostNetwork": true}
	count(host_namespaces.violation) == 0 with input as review_with({"hostNetwork": true, "containers": [{"name": "app"}]}, allow)
	v := host_namespaces.violation with input as review_with({"hostNetwork": true, "hostPID": true, "hostIPC": true}, allow)
	{x.details.field | some x in v} == {"spec.hostPID", "spec.hostIPC"}
}

test_allow_host_network_false_reports_host_network if {
	v := host_namespaces.violation with input as review_with({"hostNetwork": true}, {"allowHostNetwork": false})
	{x.details.field | some x in v} == {"spec.hostNetwork"}
}
