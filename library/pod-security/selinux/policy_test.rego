package edict.selinux_test

import data.edict.selinux

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

labelled(name, options) := {"name": name, "image": "nginx", "securityContext": {"seLinuxOptions": options}}

test_standard_types_allowed if {
	every type in ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"] {
		spec := {"securityContext": {"seLinuxOptions": {"type": type, "level": "s0:c123,c456"}}, "containers": [labelled("app", {"type": type})]}
		count(selinux.violation) == 0 with input as review(spec, {})
	}
}

test_pod_level_type if {
	v := selinux.violation with input as review({"securityContext": {"seLinuxOptions": {"type": "spc_t"}}, "containers": [{"name": "app"}]}, {})
	v == {{
		"msg": `Pod "web" sets spec.securityContext.seLinuxOptions.type="spc_t"; allowed types: container_t, container_init_t, container_kvm_t, container_engine_t`,
		"details": {"field": "spec.securityContext.seLinuxOptions.type", "value": "spc_t", "allowed": ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]},
	}}
}

test_container_level_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := selinux.violation with input as review({"containers": [{"name": "main"}], list: [labelled("c", {"type": "unconfined_t", "user": "system_u", "role": "system_r"})]}, {})
		count(v) == 3
		fields := {x.details.field | some x in v}
		fields == {sprintf("spec.%s[0].securityContext.seLinuxOptions.%s", [list, k]) | some k in ["type", "user", "role"]}
		some x in v
		x.details.field == sprintf("spec.%s[0].securityContext.seLinuxOptions.user", [list])
		endswith(x.msg, `"c" sets securityContext.seLinuxOptions.user="system_u"; a custom SELinux user is not allowed`)
	}
}

test_pod_level_user_and_role if {
	v := selinux.violation with input as review({"securityContext": {"seLinuxOptions": {"user": "u", "role": "r"}}}, {})
	{x.msg | some x in v} == {
		`Pod "web" sets spec.securityContext.seLinuxOptions.user="u"; a custom SELinux user is not allowed`,
		`Pod "web" sets spec.securityContext.seLinuxOptions.role="r"; a custom SELinux role is not allowed`,
	}
}

test_empty_user_and_role_allowed if {
	count(selinux.violation) == 0 with input as review({"containers": [labelled("app", {"user": "", "role": "", "level": "s0"})]}, {})
}

test_custom_allowed_types if {
	params := {"allowedTypes": ["container_t"]}
	count(selinux.violation) == 0 with input as review({"containers": [labelled("app", {"type": "container_t"})]}, params)
	v := selinux.violation with input as review({"containers": [labelled("app", {"type": "container_kvm_t"})]}, params)
	some x in v
	endswith(x.msg, "; allowed types: container_t")
	v2 := selinux.violation with input as review({"containers": [labelled("app", {"type": "container_t"})]}, {"allowedTypes": []})
	some y in v2
	endswith(y.msg, "; no SELinux type may be set")
}

test_exclusions if {
	spec := {"securityContext": {"seLinuxOptions": {"type": "spc_t"}}, "containers": [labelled("agent", {"type": "spc_t"}), {"name": "app", "image": "contoso/app"}]}
	count(selinux.violation) == 2 with input as review(spec, {})
	count(selinux.violation) == 1 with input as review(spec, {"excludedContainers": ["agent"]})
	count(selinux.violation) == 0 with input as review(spec, {"excludedContainers": ["agent"], "excludedImages": ["contoso/*"]})
}
