package edict.general.forbiddensysctls_test

import data.edict.general.forbiddensysctls as policy

pod(sysctls) := {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "web"},
	"spec": {
		"securityContext": {"sysctls": sysctls},
		"containers": [{"name": "app", "image": "nginx:1.27"}],
	},
}

review(obj, forbidden) := {"review": {"object": obj}, "parameters": {"forbiddenSysctls": forbidden}}

test_no_sysctls_allowed if {
	obj := {"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"name": "app"}]}}
	count(policy.violation) == 0 with input as review(obj, ["*"])
}

test_exact_name_denied if {
	some v in policy.violation with input as review(pod([{"name": "kernel.msgmax", "value": "65536"}]), ["kernel.msgmax"])
	v.msg == `Pod "web" sets spec.securityContext.sysctls[0].name="kernel.msgmax"; it matches the forbidden sysctl "kernel.msgmax"`
}

test_other_name_allowed if {
	count(policy.violation) == 0 with input as review(pod([{"name": "net.ipv4.tcp_syncookies", "value": "1"}]), ["kernel.msgmax"])
}

test_prefix_denied if {
	count(policy.violation) == 1 with input as review(pod([{"name": "kernel.shm_rmid_forced", "value": "1"}]), ["kernel.*"])
}

test_prefix_does_not_match_other_tree if {
	count(policy.violation) == 0 with input as review(pod([{"name": "net.core.somaxconn", "value": "1024"}]), ["kernel.*"])
}

test_star_forbids_all if {
	count(policy.violation) == 2 with input as review(pod([{"name": "net.core.somaxconn", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]), ["*"])
}

test_empty_list_allows_all if {
	count(policy.violation) == 0 with input as review(pod([{"name": "kernel.msgmax", "value": "1"}]), [])
}

test_missing_parameters_allow_all if {
	count(policy.violation) == 0 with input as {"review": {"object": pod([{"name": "kernel.msgmax", "value": "1"}])}}
}

test_slash_separated_name_is_canonicalised if {
	count(policy.violation) == 1 with input as review(pod([{"name": "kernel/msgmax", "value": "1"}]), ["kernel.msgmax"])
	count(policy.violation) == 1 with input as review(pod([{"name": "kernel/msgmax", "value": "1"}]), ["kernel.*"])
	count(policy.violation) == 1 with input as review(pod([{"name": "kernel.msgmax", "value": "1"}]), ["kernel/msgmax"])
}

test_dot_inside_slash_segment if {
	# net/ipv4/conf/eth0.100/rp_filter is net.ipv4.conf.eth0/100.rp_filter in dotted form.
	count(policy.violation) == 1 with input as review(pod([{"name": "net/ipv4/conf/eth0.100/rp_filter", "value": "1"}]), ["net.ipv4.conf.eth0/100.rp_filter"])
	count(policy.violation) == 0 with input as review(pod([{"name": "net/ipv4/conf/eth0.100/rp_filter", "value": "1"}]), ["net.ipv4.conf.eth0.100.rp_filter"])
}

test_one_violation_per_sysctl_even_when_several_patterns_match if {
	count(policy.violation) == 1 with input as review(pod([{"name": "kernel.msgmax", "value": "1"}]), ["kernel.*", "kernel.msgmax", "*"])
}

test_index_in_message if {
	some v in policy.violation with input as review(pod([{"name": "net.core.somaxconn", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]), ["kernel.*"])
	contains(v.msg, "sysctls[1].name")
}
