package edict.seccomp_test

import data.edict.seccomp

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

profiled(name, type) := {"name": name, "image": "nginx", "securityContext": {"seccompProfile": {"type": type}}}

pod_profile(type) := {"seccompProfile": {"type": type}}

lists := ["containers", "initContainers", "ephemeralContainers"]

restricted := {"requireProfile": true}

test_baseline_allows_unset_and_valid if {
	spec := {"securityContext": pod_profile("RuntimeDefault"), "containers": [profiled("a", "Localhost"), {"name": "b"}]}
	count(seccomp.violation) == 0 with input as review(spec, {})
	count(seccomp.violation) == 0 with input as review({"containers": [{"name": "b"}]}, {})
}

test_baseline_pod_unconfined if {
	v := seccomp.violation with input as review({"securityContext": pod_profile("Unconfined"), "containers": [{"name": "a"}]}, {})
	v == {{
		"msg": `Pod "web" sets spec.securityContext.seccompProfile.type="Unconfined"; allowed types are RuntimeDefault and Localhost`,
		"details": {"field": "spec.securityContext.seccompProfile.type", "value": "Unconfined", "allowed": ["Localhost", "RuntimeDefault"]},
	}}
}

test_baseline_container_unconfined_in_every_list if {
	every list in lists {
		v := seccomp.violation with input as review({"containers": [{"name": "main"}], list: [profiled("c", "Unconfined")]}, {})
		count(v) == 1
		some x in v
		x.details.field == sprintf("spec.%s[0].securityContext.seccompProfile.type", [list])
		contains(x.msg, `"c" sets securityContext.seccompProfile.type="Unconfined"; allowed types are RuntimeDefault and Localhost`)
	}
}

test_baseline_checks_windows_pods if {
	spec := {"os": {"name": "windows"}, "containers": [profiled("a", "Unconfined")]}
	count(seccomp.violation) == 1 with input as review(spec, {})
}

test_container_overrides_pod if {
	spec := {"securityContext": pod_profile("RuntimeDefault"), "containers": [profiled("a", "Unconfined")]}
	count(seccomp.violation) == 1 with input as review(spec, restricted)
	spec2 := {"securityContext": pod_profile("Unconfined"), "containers": [profiled("a", "RuntimeDefault")]}
	v := seccomp.violation with input as review(spec2, restricted)
	count(v) == 1
	some x in v
	x.details.field == "spec.securityContext.seccompProfile.type"
}

test_restricted_unset_container_inherits_pod if {
	spec := {"securityContext": pod_profile("RuntimeDefault"), "initContainers": [{"name": "i"}], "containers": [{"name": "a"}], "ephemeralContainers": [{"name": "e"}]}
	count(seccomp.violation) == 0 with input as review(spec, restricted)
}

test_restricted_requires_a_profile_in_every_list if {
	every list in lists {
		spec := {"containers": [profiled("main", "RuntimeDefault")], list: [{"name": "c", "image": "nginx"}]}
		v := seccomp.violation with input as review(spec, restricted)
		v == {{
			"msg": sprintf(`Pod "web": %s "c" has no seccomp profile; set securityContext.seccompProfile.type to RuntimeDefault or Localhost on the container or the Pod`, [trim_suffix(list, "s")]),
			"details": {"container": "c", "field": sprintf("spec.%s[0].securityContext.seccompProfile.type", [list]), "value": null, "allowed": ["Localhost", "RuntimeDefault"]},
		}}
	}
}

test_restricted_every_container_explicit if {
	spec := {"containers": [profiled("a", "RuntimeDefault"), profiled("b", "Localhost")]}
	count(seccomp.violation) == 0 with input as review(spec, restricted)
}

test_restricted_pod_unconfined_reported_once if {
	spec := {"securityContext": pod_profile("Unconfined"), "containers": [{"name": "a"}]}
	count(seccomp.violation) == 1 with input as review(spec, restricted)
}

test_restricted_skips_windows if {
	spec := {"os": {"name": "windows"}, "containers": [{"name": "a"}, profiled("b", "Unconfined")]}
	count(seccomp.violation) == 0 with input as review(spec, restricted)
}

test_restricted_off_by_default if {
	count(seccomp.violation) == 0 with input as review({"containers": [{"name": "a"}]}, {})
	count(seccomp.violation) == 0 with input as review({"containers": [{"name": "a"}]}, {"requireProfile": false})
}

test_exclusions if {
	spec := {"containers": [{"name": "agent", "image": "agent"}, profiled("tool", "Unconfined"), {"name": "app", "image": "contoso/app"}]}
	count(seccomp.violation) == 3 with input as review(spec, restricted)
	count(seccomp.violation) == 1 with input as review(spec, {"requireProfile": true, "excludedContainers": ["agent", "tool"]})
	count(seccomp.violation) == 0 with input as review(spec, {"requireProfile": true, "excludedContainers": ["agent", "tool"], "excludedImages": ["contoso/*"]})
	pod_level := {"securityContext": pod_profile("Unconfined"), "containers": [{"name": "agent", "image": "agent"}]}
	count(seccomp.violation) == 0 with input as review(pod_level, {"excludedContainers": ["agent"]})
}
