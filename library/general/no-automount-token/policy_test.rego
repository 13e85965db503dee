package edict.general.noautomounttoken_test

import data.edict.general.noautomounttoken as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec) := {"review": {"object": pod(spec)}}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

mounting(name, path) := {"name": name, "image": "registry.example.com/app:1", "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "token", "mountPath": path}]}

test_false_allowed if {
	count(policy.violation) == 0 with input as review({"automountServiceAccountToken": false, "containers": [bare("app")]})
}

test_unset_denied if {
	some v in policy.violation with input as review({"containers": [bare("app")]})
	v.msg == `Pod "web" does not set spec.automountServiceAccountToken; it must be false so that the service account token is not mounted`
	v.details == {"field": "spec.automountServiceAccountToken", "value": null, "allowed": [false]}
}

test_true_denied if {
	some v in policy.violation with input as review({"automountServiceAccountToken": true, "containers": [bare("app")]})
	startswith(v.msg, `Pod "web" sets spec.automountServiceAccountToken=true;`)
}

test_generated_mounts_not_reported_twice if {
	# The API server adds the token mount to every container when automounting is on.
	spec := {"containers": [mounting("app", "/var/run/secrets/kubernetes.io/serviceaccount"), mounting("b", "/var/run/secrets/kubernetes.io/serviceaccount")]}
	count(policy.violation) == 1 with input as review(spec)
}

test_manual_token_mount_denied if {
	spec := {"automountServiceAccountToken": false, "containers": [mounting("app", "/var/run/secrets/kubernetes.io/serviceaccount")]}
	some v in policy.violation with input as review(spec)
	v.msg == `Pod "web": container "app" mounts volume "token" at /var/run/secrets/kubernetes.io/serviceaccount (volumeMounts[1].mountPath); mounting service account credentials there is not allowed`
	v.details.field == "spec.containers[0].volumeMounts[1].mountPath"
}

test_manual_token_mount_trailing_slash if {
	spec := {"automountServiceAccountToken": false, "initContainers": [mounting("setup", "/var/run/secrets/kubernetes.io/serviceaccount/")], "containers": [bare("app")]}
	count(policy.violation) == 1 with input as review(spec)
}

test_token_mount_elsewhere_allowed if {
	spec := {"automountServiceAccountToken": false, "containers": [mounting("app", "/var/run/secrets/azure/tokens")]}
	count(policy.violation) == 0 with input as review(spec)
}

test_every_list_checked_for_mounts if {
	spec := {
		"automountServiceAccountToken": false,
		"initContainers": [mounting("setup", "/var/run/secrets/kubernetes.io/serviceaccount")],
		"containers": [bare("app")],
		"ephemeralContainers": [mounting("debugger", "/var/run/secrets/kubernetes.io/serviceaccount")],
	}
	violations := policy.violation with input as review(spec)
	{v.details.container | some v in violations} == {"setup", "debugger"}
}

test_exclusions if {
	spec := {"automountServiceAccountToken": false, "containers": [bare("app"), mounting("agent", "/var/run/secrets/kubernetes.io/serviceaccount")]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["agent"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {}}
}

test_pod_level_skipped_when_every_container_excluded if {
	spec := {"containers": [bare("operator")]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["registry.example.com/*"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["other/*"]}}
}
