package edict.general.allowedseccompprofiles_test

import data.edict.general.allowedseccompprofiles as policy

pod(annotations, spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "annotations": annotations}, "spec": spec}

review(obj, allowed) := {"review": {"object": obj}, "parameters": {"allowedProfiles": allowed}}

c(name, sc) := {"name": name, "image": "registry.example.com/app:1", "securityContext": {"seccompProfile": sc}}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

rd := {"type": "RuntimeDefault"}

azure := ["runtime/default", "docker/default"]

test_default_allows_runtime_default_and_localhost if {
	spec := {"securityContext": {"seccompProfile": rd}, "containers": [bare("app"), c("b", {"type": "Localhost", "localhostProfile": "profiles/audit.json"})]}
	count(policy.violation) == 0 with input as {"review": {"object": pod({}, spec)}}
}

test_default_denies_unconfined_and_unset if {
	spec := {"containers": [bare("app"), c("b", {"type": "Unconfined"})]}
	violations := policy.violation with input as {"review": {"object": pod({}, spec)}}
	{v.msg | some v in violations} == {
		`Pod "web": container "app" uses no seccomp profile (it runs Unconfined); allowed seccomp profiles: RuntimeDefault, Localhost`,
		`Pod "web": container "b" uses seccomp profile Unconfined (securityContext.seccompProfile); allowed seccomp profiles: RuntimeDefault, Localhost`,
	}
	{v.details.value | some v in violations} == {null, "Unconfined"}
}

test_field_runtime_default_matches_legacy_names if {
	count(policy.violation) == 0 with input as review(pod({}, {"containers": [c("app", rd)]}), azure)
	count(policy.violation) == 0 with input as review(pod({}, {"containers": [c("app", rd)]}), ["docker/default"])
}

test_annotation_matches_field_name if {
	obj := pod({"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}, {"containers": [bare("app")]})
	count(policy.violation) == 0 with input as review(obj, ["RuntimeDefault"])
	obj2 := pod({"seccomp.security.alpha.kubernetes.io/pod": "docker/default"}, {"containers": [bare("app")]})
	count(policy.violation) == 0 with input as review(obj2, ["RuntimeDefault"])
}

test_azure_list_rejects_localhost if {
	some v in policy.violation with input as review(pod({}, {"containers": [c("app", {"type": "Localhost", "localhostProfile": "my.json"})]}), azure)
	v.msg == `Pod "web": container "app" uses seccomp profile Localhost "my.json" (securityContext.seccompProfile); allowed seccomp profiles: runtime/default, docker/default`
}

test_localhost_specific_path if {
	spec := {"containers": [c("app", {"type": "Localhost", "localhostProfile": "a.json"}), c("b", {"type": "Localhost", "localhostProfile": "b.json"})]}
	violations := policy.violation with input as review(pod({}, spec), ["localhost/a.json"])
	{v.details.container | some v in violations} == {"b"}
}

test_localhost_wildcard if {
	spec := {"containers": [c("app", {"type": "Localhost", "localhostProfile": "a.json"})]}
	count(policy.violation) == 0 with input as review(pod({}, spec), ["localhost/*"])
	obj := pod({"container.seccomp.security.alpha.kubernetes.io/app": "localhost/x.json"}, {"containers": [bare("app")]})
	count(policy.violation) == 0 with input as review(obj, ["Localhost"])
}

test_unconfined_allowed_when_listed if {
	count(policy.violation) == 0 with input as review(pod({}, {"containers": [bare("app")]}), ["unconfined"])
	count(policy.violation) == 0 with input as review(pod({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}, {"containers": [bare("app")]}), ["Unconfined"])
}

test_star_allows_everything if {
	count(policy.violation) == 0 with input as review(pod({}, {"containers": [bare("app"), c("b", {"type": "Unconfined"})]}), ["*"])
}

test_empty_list_denies_everything if {
	some v in policy.violation with input as review(pod({}, {"containers": [c("app", rd)]}), [])
	endswith(v.msg, "allowed seccomp profiles: none")
}

test_container_field_overrides_pod_field if {
	spec := {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [c("app", rd)]}
	count(policy.violation) == 0 with input as review(pod({}, spec), azure)
	spec2 := {"securityContext": {"seccompProfile": rd}, "containers": [c("app", {"type": "Unconfined"})]}
	count(policy.violation) == 1 with input as review(pod({}, spec2), azure)
}

test_pod_field_inherited if {
	some v in policy.violation with input as review(pod({}, {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [bare("app")]}), azure)
	v.msg == `Pod "web": container "app" uses seccomp profile Unconfined (spec.securityContext.seccompProfile); allowed seccomp profiles: runtime/default, docker/default`
	v.details.field == "spec.securityContext.seccompProfile"
}

test_container_annotation_overrides_pod_settings if {
	obj := pod(
		{"container.seccomp.security.alpha.kubernetes.io/app": "unconfined", "seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
		{"securityContext": {"seccompProfile": rd}, "containers": [bare("app"), bare("other")]},
	)
	violations := policy.violation with input as review(obj, azure)
	count(violations) == 1
	some v in violations
	v.msg == `Pod "web": container "app" uses seccomp profile unconfined (annotation container.seccomp.security.alpha.kubernetes.io/app); allowed seccomp profiles: runtime/default, docker/default`
	v.details.field == "container.seccomp.security.alpha.kubernetes.io/app"
}

test_pod_annotation_used_last if {
	obj := pod({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}, {"containers": [bare("app")]})
	some v in policy.violation with input as review(obj, azure)
	contains(v.msg, "annotation seccomp.security.alpha.kubernetes.io/pod")
}

test_init_and_ephemeral_containers_checked if {
	spec := {
		"securityContext": {"seccompProfile": rd},
		"initContainers": [c("setup", {"type": "Unconfined"})],
		"containers": [bare("app")],
		"ephemeralContainers": [c("debugger", {"type": "Unconfined"})],
	}
	violations := policy.violation with input as review(pod({}, spec), azure)
	{v.details.field | some v in violations} == {"spec.initContainers[0].securityContext.seccompProfile", "spec.ephemeralContainers[0].securityContext.seccompProfile"}
}

test_windows_pod_skipped if {
	count(policy.violation) == 0 with input as review(pod({}, {"os": {"name": "windows"}, "containers": [bare("app")]}), azure)
}

test_exclusions if {
	spec := {"securityContext": {"seccompProfile": rd}, "containers": [bare("app"), c("istio-proxy", {"type": "Unconfined"})]}
	count(policy.violation) == 0 with input as {"review": {"object": pod({}, spec)}, "parameters": {"allowedProfiles": azure, "excludedContainers": ["istio-proxy"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod({}, spec)}, "parameters": {"allowedProfiles": azure}}
}
