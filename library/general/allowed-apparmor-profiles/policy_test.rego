package edict.general.allowedapparmorprofiles_test

import data.edict.general.allowedapparmorprofiles as policy

pod(annotations, spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "annotations": annotations}, "spec": spec}

review(obj, allowed) := {"review": {"object": obj}, "parameters": {"allowedProfiles": allowed}}

c(name, ap) := {"name": name, "image": "registry.example.com/app:1", "securityContext": {"appArmorProfile": ap}}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

annotation(name) := concat("", ["container.apparmor.security.beta.kubernetes.io/", name])

test_default_allows_runtime_default_and_unset if {
	spec := {"containers": [bare("app"), c("b", {"type": "RuntimeDefault"})]}
	count(policy.violation) == 0 with input as {"review": {"object": pod({annotation("c"): "runtime/default"}, object.union(spec, {"initContainers": [bare("c")]}))}}
}

test_default_denies_unconfined if {
	some v in policy.violation with input as {"review": {"object": pod({}, {"containers": [c("app", {"type": "Unconfined"})]})}}
	v.msg == `Pod "web": container "app" uses AppArmor profile Unconfined (securityContext.appArmorProfile); allowed AppArmor profiles: runtime/default`
	v.details == {"container": "app", "field": "spec.containers[0].securityContext.appArmorProfile", "value": "Unconfined", "allowed": ["runtime/default"]}
}

test_default_denies_localhost if {
	some v in policy.violation with input as {"review": {"object": pod({}, {"containers": [c("app", {"type": "Localhost", "localhostProfile": "k8s-nginx"})]})}}
	contains(v.msg, `uses AppArmor profile Localhost "k8s-nginx" (securityContext.appArmorProfile)`)
}

test_unset_denied_when_runtime_default_not_listed if {
	some v in policy.violation with input as review(pod({}, {"containers": [bare("app")]}), ["localhost/*"])
	v.msg == `Pod "web": container "app" uses the runtime's default AppArmor profile (no profile is set); allowed AppArmor profiles: localhost/*`
}

test_field_and_annotation_spellings_interchangeable if {
	count(policy.violation) == 0 with input as review(pod({}, {"containers": [c("app", {"type": "RuntimeDefault"})]}), ["runtime/default"])
	count(policy.violation) == 0 with input as review(pod({annotation("app"): "runtime/default"}, {"containers": [bare("app")]}), ["RuntimeDefault"])
	count(policy.violation) == 0 with input as review(pod({annotation("app"): "unconfined"}, {"containers": [bare("app")]}), ["Unconfined"])
}

test_localhost_forms if {
	spec := {"containers": [c("a", {"type": "Localhost", "localhostProfile": "p1"}), bare("b")]}
	obj := pod({annotation("b"): "localhost/p2"}, spec)
	count(policy.violation) == 0 with input as review(obj, ["Localhost"])
	count(policy.violation) == 0 with input as review(obj, ["localhost/*"])
	violations := policy.violation with input as review(obj, ["localhost/p1"])
	{v.details.container | some v in violations} == {"b"}
}

test_annotation_denied if {
	some v in policy.violation with input as review(pod({annotation("app"): "unconfined"}, {"containers": [bare("app")]}), ["runtime/default"])
	v.msg == `Pod "web": container "app" uses AppArmor profile unconfined (annotation container.apparmor.security.beta.kubernetes.io/app); allowed AppArmor profiles: runtime/default`
	v.details.field == "container.apparmor.security.beta.kubernetes.io/app"
}

test_container_field_overrides_annotation_and_pod if {
	obj := pod({annotation("app"): "unconfined"}, {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [c("app", {"type": "RuntimeDefault"})]})
	count(policy.violation) == 0 with input as review(obj, ["runtime/default"])
}

test_annotation_overrides_pod_field if {
	obj := pod({annotation("app"): "runtime/default"}, {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [bare("app"), bare("other")]})
	violations := policy.violation with input as review(obj, ["runtime/default"])
	{v.details.container | some v in violations} == {"other"}
}

test_pod_field_inherited if {
	some v in policy.violation with input as review(pod({}, {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [bare("app")]}), ["runtime/default"])
	contains(v.msg, "(spec.securityContext.appArmorProfile)")
	v.details.field == "spec.securityContext.appArmorProfile"
}

test_init_and_ephemeral_containers_checked if {
	spec := {
		"initContainers": [c("setup", {"type": "Unconfined"})],
		"containers": [bare("app")],
		"ephemeralContainers": [c("debugger", {"type": "Unconfined"})],
	}
	violations := policy.violation with input as review(pod({}, spec), ["runtime/default"])
	{v.details.field | some v in violations} == {"spec.initContainers[0].securityContext.appArmorProfile", "spec.ephemeralContainers[0].securityContext.appArmorProfile"}
}

test_star_and_empty_list if {
	count(policy.violation) == 0 with input as review(pod({}, {"containers": [c("app", {"type": "Unconfined"})]}), ["*"])
	some v in policy.violation with input as review(pod({}, {"containers": [bare("app")]}), [])
	endswith(v.msg, "allowed AppArmor profiles: none")
}

test_windows_pod_skipped if {
	count(policy.violation) == 0 with input as review(pod({}, {"os": {"name": "windows"}, "containers": [c("app", {"type": "Unconfined"})]}), ["runtime/default"])
}

test_exclusions if {
	spec := {"containers": [bare("app"), c("falco", {"type": "Unconfined"})]}
	count(policy.violation) == 0 with input as {"review": {"object": pod({}, spec)}, "parameters": {"excludedContainers": ["falco"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod({}, spec)}, "parameters": {}}
}
