package edict.sysctls

import data.lib.pods

# The safe set of Kubernetes' Pod Security admission, version 1.37.
safe := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ping_group_range",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_notsent_lowat",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_slow_start_after_idle",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.tcp_wmem",
}

extra := object.get(input, ["parameters", "allowedSysctls"], [])

violation contains {"msg": msg, "details": details} if {
	some i, sysctl in object.get(pods.security_context, "sysctls", [])
	name := object.get(sysctl, "name", "")
	not allowed(name)
	msg := sprintf(
		"%s sets sysctl %q (spec.securityContext.sysctls[%d]); allowed sysctls: %s",
		[pods.object_name, name, i, concat(", ", allowed_list)],
	)
	details := {
		"field": sprintf("spec.securityContext.sysctls[%d].name", [i]),
		"value": name,
		"allowed": allowed_list,
	}
}

allowed_list := array.concat(sort(safe), extra)

allowed(name) if name in safe

allowed(name) if name in extra

allowed(name) if {
	some pattern in extra
	endswith(pattern, "*")
	startswith(name, trim_suffix(pattern, "*"))
}
