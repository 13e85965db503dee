package edict.allowed_capabilities_test

import data.edict.allowed_capabilities

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

caps(name, add, drop) := {"name": name, "image": "nginx", "securityContext": {"capabilities": {"add": add, "drop": drop}}}

in_list(list, container) := {"containers": [{"name": "main"}], list: [container]} if list != "containers"

else := {"containers": [container]}

lists := ["containers", "initContainers", "ephemeralContainers"]

test_baseline_default_allows_the_standard_list if {
	c := caps("app", ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"], [])
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [c]}, {})
}

test_baseline_default_rejects_net_raw_in_every_list if {
	every list in lists {
		v := allowed_capabilities.violation with input as review(in_list(list, caps("c", ["NET_RAW", "CHOWN", "SYS_ADMIN"], [])), {})
		count(v) == 1
		some x in v
		x.details.field == sprintf("spec.%s[0].securityContext.capabilities.add", [list])
		x.details.value == ["NET_RAW", "SYS_ADMIN"]
		startswith(x.msg, `Pod "web": `)
		contains(x.msg, `"c" adds "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add; only AUDIT_WRITE, CHOWN,`)
	}
}

test_capabilities_compared_literally if {
	v := allowed_capabilities.violation with input as review({"containers": [caps("app", ["CAP_CHOWN"], [])]}, {})
	count(v) == 1
}

test_custom_allowed_list if {
	params := {"allowedCapabilities": ["NET_BIND_SERVICE"]}
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [caps("app", ["NET_BIND_SERVICE"], [])]}, params)
	count(allowed_capabilities.violation) == 1 with input as review({"containers": [caps("app", ["CHOWN"], [])]}, params)
}

test_empty_allowed_list if {
	v := allowed_capabilities.violation with input as review({"containers": [caps("app", ["CHOWN"], [])]}, {"allowedCapabilities": []})
	some x in v
	endswith(x.msg, "; no capabilities may be added")
}

test_star_allows_any if {
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [caps("app", ["SYS_ADMIN"], [])]}, {"allowedCapabilities": ["*"]})
}

test_no_capabilities if {
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [{"name": "app"}, {"name": "b", "securityContext": {}}]}, {"requiredDropCapabilities": []})
}

test_required_drop_all if {
	params := {"requiredDropCapabilities": ["ALL"]}
	every list in lists {
		v := allowed_capabilities.violation with input as review(in_list(list, caps("c", [], ["NET_RAW"])), params)
		count({x | some x in v; x.details.container == "c"}) == 1
		some x in v
		x.details.container == "c"
		x.details.field == sprintf("spec.%s[0].securityContext.capabilities.drop", [list])
		contains(x.msg, `"c" must drop "ALL" in securityContext.capabilities.drop`)
	}
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [caps("app", [], ["ALL"])]}, params)
}

test_required_drop_missing_drop if {
	v := allowed_capabilities.violation with input as review({"containers": [{"name": "app"}]}, {"requiredDropCapabilities": ["NET_RAW", "ALL"]})
	v == {{
		"msg": `Pod "web": container "app" must drop "ALL", "NET_RAW" in securityContext.capabilities.drop`,
		"details": {"container": "app", "field": "spec.containers[0].securityContext.capabilities.drop", "value": [], "required": ["ALL", "NET_RAW"]},
	}}
}

test_required_drop_satisfied_by_all if {
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [caps("app", [], ["ALL"])]}, {"requiredDropCapabilities": ["NET_RAW"]})
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [caps("app", [], ["NET_RAW"])]}, {"requiredDropCapabilities": ["NET_RAW"]})
}

test_required_drop_skipped_for_windows if {
	spec := {"os": {"name": "windows"}, "containers": [{"name": "app"}]}
	count(allowed_capabilities.violation) == 0 with input as review(spec, {"requiredDropCapabilities": ["ALL"]})
}

test_restricted_profile if {
	params := {"allowedCapabilities": ["NET_BIND_SERVICE"], "requiredDropCapabilities": ["ALL"]}
	count(allowed_capabilities.violation) == 0 with input as review({"containers": [caps("app", ["NET_BIND_SERVICE"], ["ALL"])]}, params)
	count(allowed_capabilities.violation) == 2 with input as review({"containers": [caps("app", ["CHOWN"], [])]}, params)
}

test_exclusions if {
	spec := {"containers": [caps("istio-proxy", ["NET_ADMIN"], []), caps("tool", ["SYS_ADMIN"], [])]}
	count(allowed_capabilities.violation) == 2 with input as review(spec, {})
	v := allowed_capabilities.violation with input as review(spec, {"excludedContainers": ["istio-proxy"]})
	count(v) == 1
	count(allowed_capabilities.violation) == 0 with input as review(spec, {"excludedContainers": ["istio-proxy"], "excludedImages": ["nginx"]})
}

test_skip_windows if {
	spec := {"os": {"name": "windows"}, "containers": [caps("app", ["NET_RAW"], [])]}
	count(allowed_capabilities.violation) == 1 with input as review(spec, {})
	count(allowed_capabilities.violation) == 0 with input as review(spec, {"skipWindows": true})
	linux := {"containers": [caps("app", ["NET_RAW"], [])]}
	count(allowed_capabilities.violation) == 1 with input as review(linux, {"skipWindows": true})
}
