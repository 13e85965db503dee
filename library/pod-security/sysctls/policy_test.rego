package edict.sysctls_test

import data.edict.sysctls

review(sysctl_names, params) := {
	"review": {"object": {
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {"securityContext": {"sysctls": [{"name": n, "value": "1"} | some n in sysctl_names]}, "containers": [{"name": "app"}]},
	}},
	"parameters": params,
}

safe_1_37 := [
	"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
	"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat",
]

test_safe_set_matches_the_standard if {
	sysctls.safe == {n | some n in safe_1_37}
	count(sysctls.violation) == 0 with input as review(safe_1_37, {})
}

test_unsafe_sysctl if {
	v := sysctls.violation with input as review(["net.ipv4.tcp_syncookies", "kernel.msgmax"], {})
	count(v) == 1
	some x in v
	x.details.field == "spec.securityContext.sysctls[1].name"
	x.details.value == "kernel.msgmax"
	startswith(x.msg, `Pod "web" sets sysctl "kernel.msgmax" (spec.securityContext.sysctls[1]); allowed sysctls: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range,`)
}

test_each_unsafe_reported if {
	count(sysctls.violation) == 2 with input as review(["net.core.somaxconn", "vm.swappiness"], {})
}

test_no_sysctls if {
	count(sysctls.violation) == 0 with input as {"review": {"object": {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "a"}]}}}}
	count(sysctls.violation) == 0 with input as review([], {})
}

test_extra_exact if {
	params := {"allowedSysctls": ["net.core.somaxconn"]}
	count(sysctls.violation) == 0 with input as review(["net.core.somaxconn"], params)
	v := sysctls.violation with input as review(["net.core.somaxconn_x"], params)
	some x in v
	endswith(x.msg, "net.ipv4.tcp_wmem, net.core.somaxconn")
}

test_extra_prefix if {
	params := {"allowedSysctls": ["net.core.*"]}
	count(sysctls.violation) == 0 with input as review(["net.core.somaxconn", "net.core.rmem_max"], params)
	count(sysctls.violation) == 1 with input as review(["net.corex"], params)
}
