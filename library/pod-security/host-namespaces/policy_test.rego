package edict.host_namespaces_test

import data.edict.host_namespaces

review(spec) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": {}}

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
