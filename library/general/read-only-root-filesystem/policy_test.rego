package edict.general.readonlyrootfilesystem_test

import data.edict.general.readonlyrootfilesystem as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec) := {"review": {"object": pod(spec)}}

ro(name) := {"name": name, "image": "registry.example.com/app:1", "securityContext": {"readOnlyRootFilesystem": true}}

rw(name) := {"name": name, "image": "registry.example.com/app:1", "securityContext": {"readOnlyRootFilesystem": false}}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

test_read_only_everywhere_allowed if {
	spec := {"initContainers": [ro("setup")], "containers": [ro("app")], "ephemeralContainers": [ro("debugger")]}
	count(policy.violation) == 0 with input as review(spec)
}

test_false_denied if {
	some v in policy.violation with input as review({"containers": [rw("app")]})
	v.msg == `Pod "web": container "app" sets securityContext.readOnlyRootFilesystem=false; the root filesystem must be read-only (securityContext.readOnlyRootFilesystem=true)`
	v.details == {"container": "app", "field": "spec.containers[0].securityContext.readOnlyRootFilesystem", "value": false, "allowed": [true]}
}

test_unset_denied if {
	some v in policy.violation with input as review({"containers": [bare("app")]})
	v.msg == `Pod "web": container "app" does not set securityContext.readOnlyRootFilesystem; the root filesystem must be read-only (securityContext.readOnlyRootFilesystem=true)`
}

test_every_list_checked if {
	spec := {"initContainers": [bare("setup")], "containers": [ro("app")], "ephemeralContainers": [rw("debugger")]}
	violations := policy.violation with input as review(spec)
	{v.details.field | some v in violations} == {"spec.initContainers[0].securityContext.readOnlyRootFilesystem", "spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem"}
}

test_windows_pod_skipped if {
	count(policy.violation) == 0 with input as review({"os": {"name": "windows"}, "containers": [bare("app")]})
}

test_exclusions if {
	spec := {"containers": [ro("app"), bare("legacy")]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["legacy"]}}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["registry.example.com/*"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["app"]}}
}
