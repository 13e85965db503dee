package edict.proc_mount_test

import data.edict.proc_mount

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

mounted(name, value) := {"name": name, "image": "nginx", "securityContext": {"procMount": value}}

test_unmasked_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := proc_mount.violation with input as review({"containers": [{"name": "main"}], list: [mounted("c", "Unmasked")]}, {})
		v == {{
			"msg": sprintf(`Pod "web": %s "c" sets securityContext.procMount="Unmasked"; only Default is allowed unless the Pod sets hostUsers: false`, [trim_suffix(list, "s")]),
			"details": {"container": "c", "field": sprintf("spec.%s[0].securityContext.procMount", [list]), "value": "Unmasked", "allowed": ["Default"]},
		}}
	}
}

test_default_and_unset_allowed if {
	count(proc_mount.violation) == 0 with input as review({"containers": [mounted("a", "Default"), {"name": "b"}, {"name": "c", "securityContext": {}}]}, {})
}

test_user_namespace_relaxes if {
	spec := {"hostUsers": false, "containers": [mounted("a", "Unmasked")]}
	count(proc_mount.violation) == 0 with input as review(spec, {})
	count(proc_mount.violation) == 1 with input as review(object.union(spec, {"hostUsers": true}), {})
}

test_exclusions if {
	spec := {"containers": [mounted("builder", "Unmasked"), mounted("app", "Unmasked")]}
	count(proc_mount.violation) == 1 with input as review(spec, {"excludedContainers": ["builder"]})
	count(proc_mount.violation) == 0 with input as review(spec, {"excludedImages": ["nginx"]})
}

test_restricted_keeps_user_namespaces_masked if {
	spec := {"hostUsers": false, "containers": [mounted("a", "Unmasked")]}
	v := proc_mount.violation with input as review(spec, {"allowInUserNamespaces": false})
	count(v) == 1
	some x in v
	x.msg == `Pod "web": container "a" sets securityContext.procMount="Unmasked"; only Default is allowed`
	count(proc_mount.violation) == 0 with input as review(spec, {"allowInUserNamespaces": true})
}
