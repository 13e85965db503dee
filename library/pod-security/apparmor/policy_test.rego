package edict.apparmor_test

import data.edict.apparmor

review(annotations, spec, params) := {
	"review": {"object": {
		"kind": "Pod",
		"metadata": {"name": "web", "annotations": annotations},
		"spec": spec,
	}},
	"parameters": params,
}

profiled(name, type) := {"name": name, "image": "nginx", "securityContext": {"appArmorProfile": {"type": type}}}

test_pod_level if {
	spec := {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [{"name": "app"}]}
	v := apparmor.violation with input as review({}, spec, {})
	v == {{
		"msg": `Pod "web" sets spec.securityContext.appArmorProfile.type="Unconfined"; allowed types are RuntimeDefault and Localhost, or leave it unset`,
		"details": {"field": "spec.securityContext.appArmorProfile.type", "value": "Unconfined", "allowed": ["Localhost", "RuntimeDefault"]},
	}}
}

test_pod_level_allowed if {
	every type in ["RuntimeDefault", "Localhost"] {
		spec := {"securityContext": {"appArmorProfile": {"type": type, "localhostProfile": "k8s-apparmor-example"}}, "containers": [{"name": "app"}]}
		count(apparmor.violation) == 0 with input as review({}, spec, {})
	}
}

test_container_level_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := apparmor.violation with input as review({}, {"containers": [{"name": "main"}], list: [profiled("c", "Unconfined")]}, {})
		count(v) == 1
		some x in v
		x.details.field == sprintf("spec.%s[0].securityContext.appArmorProfile.type", [list])
		contains(x.msg, `"c" sets securityContext.appArmorProfile.type="Unconfined"`)
	}
}

test_container_level_allowed if {
	spec := {"containers": [profiled("a", "RuntimeDefault"), profiled("b", "Localhost"), {"name": "c"}]}
	count(apparmor.violation) == 0 with input as review({}, spec, {})
}

test_profile_without_type if {
	count(apparmor.violation) == 1 with input as review({}, {"containers": [{"name": "a", "securityContext": {"appArmorProfile": {}}}]}, {})
}

test_annotations if {
	spec := {"containers": [{"name": "app"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]}
	allowed := {
		"container.apparmor.security.beta.kubernetes.io/app": "runtime/default",
		"container.apparmor.security.beta.kubernetes.io/b": "localhost/k8s-apparmor-example",
		"container.apparmor.security.beta.kubernetes.io/c": "",
		"other.example.com/d": "unconfined",
	}
	count(apparmor.violation) == 0 with input as review(allowed, spec, {})
	v := apparmor.violation with input as review({"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}, spec, {})
	v == {{
		"msg": `Pod "web" sets annotation container.apparmor.security.beta.kubernetes.io/app="unconfined"; allowed values are runtime/default and localhost/<profile>, or leave it empty`,
		"details": {
			"container": "app",
			"field": `metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]`,
			"value": "unconfined",
			"allowed": ["", "runtime/default", "localhost/*"],
		},
	}}
}

test_annotation_for_unknown_container_checked if {
	count(apparmor.violation) == 1 with input as review({"container.apparmor.security.beta.kubernetes.io/ghost": "unconfined"}, {"containers": [{"name": "app"}]}, {})
}

test_exclusions if {
	annotations := {"container.apparmor.security.beta.kubernetes.io/agent": "unconfined"}
	spec := {
		"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
		"containers": [profiled("agent", "Unconfined"), {"name": "app", "image": "contoso/app"}],
	}
	count(apparmor.violation) == 3 with input as review(annotations, spec, {})
	v := apparmor.violation with input as review(annotations, spec, {"excludedContainers": ["agent"]})
	count(v) == 1
	some x in v
	x.details.field == "spec.securityContext.appArmorProfile.type"
	count(apparmor.violation) == 0 with input as review(annotations, spec, {"excludedContainers": ["agent"], "excludedImages": ["contoso/*"]})
}
