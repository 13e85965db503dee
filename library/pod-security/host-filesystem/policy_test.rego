package edict.host_filesystem_test

import data.edict.host_filesystem

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

host_volume(name, path) := {"name": name, "hostPath": {"path": path}}

mount(name, read_only) := {"name": name, "mountPath": "/mnt", "readOnly": read_only}

pod_with(list, volume_path, read_only) := {
	"containers": [{"name": "app", "image": "nginx"}],
	list: [{"name": "c", "image": "nginx", "volumeMounts": [mount("host", read_only)]}],
	"volumes": [host_volume("host", volume_path)],
}

test_no_host_path_allowed_by_default if {
	v := host_filesystem.violation with input as review({"containers": [{"name": "app"}], "volumes": [host_volume("logs", "/var/log")]}, {})
	v == {{
		"msg": `Pod "web": volume "logs" uses hostPath "/var/log"; no hostPath volumes are allowed`,
		"details": {"volume": "logs", "field": "spec.volumes[0].hostPath.path", "value": "/var/log", "allowedHostPaths": []},
	}}
}

test_missing_parameters_block_host_paths if {
	inp := {"review": {"object": {"metadata": {"name": "web"}, "spec": {"volumes": [host_volume("logs", "/var/log")]}}}}
	count(host_filesystem.violation) == 1 with input as inp
}

test_other_volume_types_ignored if {
	v := host_filesystem.violation with input as review({"containers": [{"name": "app"}], "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "x"}}]}, {})
	count(v) == 0
}

test_prefix_segments if {
	params := {"allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": false}]}
	count(host_filesystem.violation) == 0 with input as review({"volumes": [host_volume("a", "/var/log")]}, params)
	count(host_filesystem.violation) == 0 with input as review({"volumes": [host_volume("a", "/var/log/")]}, params)
	count(host_filesystem.violation) == 0 with input as review({"volumes": [host_volume("a", "/var/log/pods")]}, params)
	count(host_filesystem.violation) == 1 with input as review({"volumes": [host_volume("a", "/var/logs")]}, params)
	count(host_filesystem.violation) == 1 with input as review({"volumes": [host_volume("a", "/var")]}, params)
}

test_prefix_with_trailing_slash if {
	params := {"allowedHostPaths": [{"pathPrefix": "/var/log/", "readOnly": false}]}
	count(host_filesystem.violation) == 0 with input as review({"volumes": [host_volume("a", "/var/log")]}, params)
	count(host_filesystem.violation) == 0 with input as review({"volumes": [host_volume("a", "/var/log/x")]}, params)
}

test_root_prefix_covers_everything if {
	params := {"allowedHostPaths": [{"pathPrefix": "/"}]}
	count(host_filesystem.violation) == 0 with input as review({"volumes": [host_volume("a", "/etc")]}, params)
}

test_empty_prefix_covers_nothing if {
	params := {"allowedHostPaths": [{"pathPrefix": ""}]}
	count(host_filesystem.violation) == 1 with input as review({"volumes": [host_volume("a", "/etc")]}, params)
}

test_message_lists_allowed_prefixes if {
	params := {"allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": false}, {"pathPrefix": "/etc/kubernetes/azure.json", "readOnly": true}]}
	v := host_filesystem.violation with input as review({"volumes": [host_volume("a", "/etc/passwd")]}, params)
	some x in v
	x.msg == `Pod "web": volume "a" uses hostPath "/etc/passwd"; allowed path prefixes: /etc/kubernetes/azure.json (read-only), /var/log`
}

read_only_params := {"allowedHostPaths": [{"pathPrefix": "/etc/kubernetes/azure.json", "readOnly": true}]}

test_read_only_prefix_needs_read_only_mounts if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := host_filesystem.violation with input as review(pod_with(list, "/etc/kubernetes/azure.json", false), read_only_params)
		count(v) == 1
		some x in v
		x.details.field == sprintf("spec.%s[0].volumeMounts[0].readOnly", [list])
		x.details.container == "c"
		contains(x.msg, `mounts hostPath volume "host" ("/etc/kubernetes/azure.json") writable`)
	}
}

test_read_only_prefix_mount_without_read_only_field if {
	spec := {"containers": [{"name": "app", "volumeMounts": [{"name": "host", "mountPath": "/x"}]}], "volumes": [host_volume("host", "/etc/kubernetes/azure.json")]}
	v := host_filesystem.violation with input as review(spec, read_only_params)
	count(v) == 1
	some x in v
	x.details.value == false
}

test_read_only_prefix_read_only_mounts_allowed if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		count(host_filesystem.violation) == 0 with input as review(pod_with(list, "/etc/kubernetes/azure.json", true), read_only_params)
	}
}

test_writable_entry_wins_over_read_only_entry if {
	params := {"allowedHostPaths": [{"pathPrefix": "/var", "readOnly": true}, {"pathPrefix": "/var/lib/app", "readOnly": false}]}
	count(host_filesystem.violation) == 0 with input as review(pod_with("containers", "/var/lib/app/data", false), params)
	count(host_filesystem.violation) == 1 with input as review(pod_with("containers", "/var/run", false), params)
}

test_volume_mounted_only_by_excluded_containers if {
	spec := {
		"containers": [
			{"name": "agent", "image": "mcr.microsoft.com/oss/kubernetes/agent:1", "volumeMounts": [mount("host", false)]},
			{"name": "app", "image": "nginx"},
		],
		"volumes": [host_volume("host", "/var/log")],
	}
	count(host_filesystem.violation) == 0 with input as review(spec, {"excludedImages": ["mcr.microsoft.com/oss/kubernetes/*"]})
	count(host_filesystem.violation) == 1 with input as review(spec, {})
}

test_volume_mounted_by_an_included_container if {
	spec := {
		"containers": [
			{"name": "agent", "image": "agent", "volumeMounts": [mount("host", true)]},
			{"name": "app", "image": "nginx", "volumeMounts": [mount("host", true)]},
		],
		"volumes": [host_volume("host", "/var/log")],
	}
	count(host_filesystem.violation) == 1 with input as review(spec, {"excludedContainers": ["agent"]})
}

test_excluded_container_may_mount_writable if {
	spec := {
		"containers": [
			{"name": "agent", "image": "agent", "volumeMounts": [mount("host", false)]},
			{"name": "app", "image": "nginx", "volumeMounts": [mount("host", true)]},
		],
		"volumes": [host_volume("host", "/etc/kubernetes/azure.json")],
	}
	params := object.union(read_only_params, {"excludedContainers": ["agent"]})
	count(host_filesystem.violation) == 0 with input as review(spec, params)
	count(host_filesystem.violation) == 1 with input as review(spec, read_only_params)
}

test_unmounted_volume_with_all_containers_excluded if {
	spec := {"containers": [{"name": "agent", "image": "agent"}], "volumes": [host_volume("host", "/")]}
	count(host_filesystem.violation) == 0 with input as review(spec, {"excludedContainers": ["agent"]})
	count(host_filesystem.violation) == 1 with input as review(spec, {"excludedContainers": ["other"]})
}
