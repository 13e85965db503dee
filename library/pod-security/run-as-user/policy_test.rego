package edict.podsecurity.runasuser_test

import data.edict.podsecurity.runasuser as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec) := {"review": {"object": pod(spec)}}

c(name, uid) := {"name": name, "image": "registry.example.com/app:1", "securityContext": {"runAsUser": uid}}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

test_unset_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [bare("app")]})
}

test_non_zero_everywhere_allowed if {
	spec := {
		"securityContext": {"runAsUser": 1000},
		"initContainers": [c("setup", 1001)],
		"containers": [c("app", 65534)],
		"ephemeralContainers": [c("debugger", 2000)],
	}
	count(policy.violation) == 0 with input as review(spec)
}

test_pod_level_zero_denied if {
	some v in policy.violation with input as review({"securityContext": {"runAsUser": 0}, "containers": [bare("app")]})
	v.msg == `Pod "web" sets spec.securityContext.runAsUser=0; running as root is not allowed`
	v.details.field == "spec.securityContext.runAsUser"
}

test_pod_level_zero_denied_even_if_containers_override if {
	# The standard restricts the pod-level field itself.
	count(policy.violation) == 1 with input as review({"securityContext": {"runAsUser": 0}, "containers": [c("app", 1000)]})
}

test_container_zero_denied if {
	some v in policy.violation with input as review({"securityContext": {"runAsUser": 1000}, "containers": [c("app", 0)]})
	v.msg == `Pod "web": container "app" sets securityContext.runAsUser=0; running as root is not allowed`
	v.details == {"container": "app", "field": "spec.containers[0].securityContext.runAsUser", "value": 0, "allowed": "any non-zero user ID, or unset"}
}

test_init_container_zero_denied if {
	some v in policy.violation with input as review({"initContainers": [c("setup", 0)], "containers": [bare("app")]})
	startswith(v.msg, `Pod "web": initContainer "setup" sets`)
}

test_ephemeral_container_zero_denied if {
	some v in policy.violation with input as review({"containers": [bare("app")], "ephemeralContainers": [c("debugger", 0)]})
	startswith(v.msg, `Pod "web": ephemeralContainer "debugger" sets`)
}

test_every_offender_reported if {
	spec := {"securityContext": {"runAsUser": 0}, "initContainers": [c("setup", 0)], "containers": [c("app", 0), c("ok", 10)]}
	count(policy.violation) == 3 with input as review(spec)
}

test_user_namespace_exempt if {
	spec := {"hostUsers": false, "securityContext": {"runAsUser": 0}, "containers": [c("app", 0)]}
	count(policy.violation) == 0 with input as review(spec)
}

test_windows_not_exempt if {
	count(policy.violation) == 1 with input as review({"os": {"name": "windows"}, "containers": [c("app", 0)]})
}

test_exclusions if {
	spec := {"containers": [c("app", 1000), c("istio-init", 0)]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["istio-init"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["other"]}}
}

test_pod_level_skipped_when_every_container_excluded if {
	spec := {"securityContext": {"runAsUser": 0}, "containers": [bare("agent")]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["registry.example.com/*"]}}
}
