package edict.podsecurity.runasnonroot_test

import data.edict.podsecurity.runasnonroot as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec) := {"review": {"object": pod(spec)}}

c(name, ctx) := {"name": name, "image": "registry.example.com/app:1", "securityContext": ctx}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

test_pod_level_true_covers_containers if {
	spec := {
		"securityContext": {"runAsNonRoot": true},
		"initContainers": [bare("setup")],
		"containers": [bare("app")],
		"ephemeralContainers": [bare("debugger")],
	}
	count(policy.violation) == 0 with input as review(spec)
}

test_every_container_true_without_pod_level if {
	spec := {
		"initContainers": [c("setup", {"runAsNonRoot": true})],
		"containers": [c("app", {"runAsNonRoot": true})],
		"ephemeralContainers": [c("debugger", {"runAsNonRoot": true})],
	}
	count(policy.violation) == 0 with input as review(spec)
}

test_unset_everywhere_denied if {
	some v in policy.violation with input as review({"containers": [bare("app")]})
	v.msg == `Pod "web": container "app" does not set securityContext.runAsNonRoot and the pod does not set spec.securityContext.runAsNonRoot=true; one of them must be true`
	v.details.field == "spec.containers[0].securityContext.runAsNonRoot"
}

test_container_false_overrides_pod_true if {
	spec := {"securityContext": {"runAsNonRoot": true}, "containers": [c("app", {"runAsNonRoot": false})]}
	some v in policy.violation with input as review(spec)
	v.msg == `Pod "web": container "app" sets securityContext.runAsNonRoot=false; runAsNonRoot must be true`
	count(policy.violation) == 1 with input as review(spec)
}

test_container_true_overrides_pod_false_but_pod_value_is_reported if {
	spec := {"securityContext": {"runAsNonRoot": false}, "containers": [c("app", {"runAsNonRoot": true})]}
	violations := policy.violation with input as review(spec)
	count(violations) == 1
	some v in violations
	v.msg == `Pod "web" sets spec.securityContext.runAsNonRoot=false; runAsNonRoot must be true`
	v.details == {"field": "spec.securityContext.runAsNonRoot", "value": false, "allowed": [true]}
}

test_pod_false_and_container_unset if {
	spec := {"securityContext": {"runAsNonRoot": false}, "containers": [bare("app")]}
	count(policy.violation) == 2 with input as review(spec)
}

test_init_container_unset_denied if {
	spec := {"initContainers": [bare("setup")], "containers": [c("app", {"runAsNonRoot": true})]}
	some v in policy.violation with input as review(spec)
	startswith(v.msg, `Pod "web": initContainer "setup" does not set`)
	count(policy.violation) == 1 with input as review(spec)
}

test_ephemeral_container_false_denied if {
	spec := {"securityContext": {"runAsNonRoot": true}, "containers": [bare("app")], "ephemeralContainers": [c("debugger", {"runAsNonRoot": false})]}
	some v in policy.violation with input as review(spec)
	startswith(v.msg, `Pod "web": ephemeralContainer "debugger" sets securityContext.runAsNonRoot=false`)
}

test_user_namespace_exempt if {
	spec := {"hostUsers": false, "securityContext": {"runAsNonRoot": false}, "containers": [bare("app"), c("b", {"runAsNonRoot": false})]}
	count(policy.violation) == 0 with input as review(spec)
}

test_host_users_true_checked if {
	count(policy.violation) == 1 with input as review({"hostUsers": true, "containers": [bare("app")]})
}

test_windows_not_exempt if {
	count(policy.violation) == 1 with input as review({"os": {"name": "windows"}, "containers": [bare("app")]})
}

test_excluded_container_skipped if {
	spec := {"containers": [c("app", {"runAsNonRoot": true}), bare("istio-proxy")]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["istio-proxy"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {}}
}

test_pod_value_reported_unless_every_container_excluded if {
	spec := {"securityContext": {"runAsNonRoot": false}, "containers": [c("agent", {"runAsNonRoot": false})]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["registry.example.com/*"]}}
	spec2 := {"securityContext": {"runAsNonRoot": false}, "containers": [c("app", {"runAsNonRoot": true}), c("agent", {"runAsNonRoot": false})]}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec2)}, "parameters": {"excludedContainers": ["agent"]}}
}
