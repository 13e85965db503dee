package edict.podsecurity.privilegeescalation_test

import data.edict.podsecurity.privilegeescalation as policy

ctx(value) := {"allowPrivilegeEscalation": value}

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec) := {"review": {"object": pod(spec)}}

good := {"name": "app", "image": "nginx:1.27", "securityContext": ctx(false)}

test_false_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [good]})
}

test_every_list_false_allowed if {
	spec := {
		"initContainers": [object.union(good, {"name": "setup"})],
		"containers": [good],
		"ephemeralContainers": [object.union(good, {"name": "debugger"})],
	}
	count(policy.violation) == 0 with input as review(spec)
}

test_true_denied if {
	some v in policy.violation with input as review({"containers": [{"name": "app", "image": "nginx", "securityContext": ctx(true)}]})
	v.msg == `Pod "web": container "app" sets securityContext.allowPrivilegeEscalation=true; securityContext.allowPrivilegeEscalation must be set to false`
	v.details == {"container": "app", "field": "spec.containers[0].securityContext.allowPrivilegeEscalation", "value": true, "allowed": [false]}
}

test_unset_denied if {
	some v in policy.violation with input as review({"containers": [{"name": "app", "image": "nginx", "securityContext": {"runAsNonRoot": true}}]})
	v.msg == `Pod "web": container "app" does not set securityContext.allowPrivilegeEscalation; securityContext.allowPrivilegeEscalation must be set to false`
	v.details.value == null
}

test_no_security_context_denied if {
	count(policy.violation) == 1 with input as review({"containers": [{"name": "app", "image": "nginx"}]})
}

test_init_container_denied if {
	some v in policy.violation with input as review({"initContainers": [{"name": "setup", "image": "busybox"}], "containers": [good]})
	startswith(v.msg, `Pod "web": initContainer "setup" does not set`)
	v.details.field == "spec.initContainers[0].securityContext.allowPrivilegeEscalation"
}

test_ephemeral_container_denied if {
	some v in policy.violation with input as review({"containers": [good], "ephemeralContainers": [{"name": "debugger", "image": "busybox", "securityContext": ctx(true)}]})
	startswith(v.msg, `Pod "web": ephemeralContainer "debugger" sets`)
}

test_one_violation_per_container if {
	spec := {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y", "securityContext": ctx(true)}, good]}
	count(policy.violation) == 2 with input as review(spec)
}

test_pod_level_setting_does_not_exist if {
	# allowPrivilegeEscalation is a container field only; a pod-level key is ignored.
	spec := {"securityContext": {"allowPrivilegeEscalation": false}, "containers": [{"name": "app", "image": "nginx"}]}
	count(policy.violation) == 1 with input as review(spec)
}

test_windows_pod_exempt if {
	spec := {"os": {"name": "windows"}, "containers": [{"name": "app", "image": "mcr.microsoft.com/windows/nanoserver:ltsc2022"}]}
	count(policy.violation) == 0 with input as review(spec)
}

test_linux_pod_with_os_checked if {
	spec := {"os": {"name": "linux"}, "containers": [{"name": "app", "image": "nginx"}]}
	count(policy.violation) == 1 with input as review(spec)
}

test_excluded_container_skipped if {
	spec := {"containers": [good, {"name": "istio-proxy", "image": "istio/proxyv2:1.22", "securityContext": ctx(true)}]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["istio-proxy"]}}
}

test_excluded_image_skipped if {
	spec := {"containers": [good, {"name": "agent", "image": "mcr.microsoft.com/oss/agent:1.0"}]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["mcr.microsoft.com/oss/*"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["mcr.microsoft.com/other/*"]}}
}
