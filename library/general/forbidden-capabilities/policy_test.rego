package edict.general.forbiddencapabilities_test

import data.edict.general.forbiddencapabilities as policy

container(name, add) := {"name": name, "image": "contoso.azurecr.io/app:1.0", "securityContext": {"capabilities": {"add": add}}}

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

test_sys_admin_denied_by_default_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := policy.violation with input as review({list: [container("c", ["NET_BIND_SERVICE", "SYS_ADMIN"])]}, {})
		count(v) == 1
		some x in v
		x.msg == sprintf(`Pod "web": %s "c" adds SYS_ADMIN in securityContext.capabilities.add; forbidden capabilities: SYS_ADMIN`, [trim_suffix(list, "s")])
		x.details == {"container": "c", "field": sprintf("spec.%s[0].securityContext.capabilities.add", [list]), "value": ["SYS_ADMIN"], "disallowed": ["SYS_ADMIN"]}
	}
}

test_other_capabilities_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [container("c", ["NET_ADMIN", "NET_BIND_SERVICE"]), {"name": "plain"}]}, {})
}

test_prefix_and_case_ignored if {
	params := {"disallowedCapabilities": ["CAP_NET_RAW", "sys_admin"]}
	some x in policy.violation with input as review({"containers": [container("c", ["net_raw", "CAP_SYS_ADMIN", "CHOWN"])]}, params)
	x.details.value == ["CAP_SYS_ADMIN", "net_raw"]
	x.details.disallowed == ["NET_RAW", "SYS_ADMIN"]
}

test_all_is_forbidden_when_list_not_empty if {
	count(policy.violation) == 1 with input as review({"containers": [container("c", ["ALL"])]}, {})
	count(policy.violation) == 0 with input as review({"containers": [container("c", ["ALL"])]}, {"disallowedCapabilities": []})
}

test_star_forbids_everything if {
	some x in policy.violation with input as review({"containers": [container("c", ["CHOWN"])]}, {"disallowedCapabilities": ["*"]})
	x.details.value == ["CHOWN"]
}

test_excluded_container_skipped if {
	params := {"excludedContainers": ["debug"], "excludedImages": ["mcr.microsoft.com/oss/*"]}
	spec := {"containers": [
		container("debug", ["SYS_ADMIN"]),
		object.union(container("agent", ["SYS_ADMIN"]), {"image": "mcr.microsoft.com/oss/agent:1"}),
	]}
	count(policy.violation) == 0 with input as review(spec, params)
}
