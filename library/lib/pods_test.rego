package lib.pods_test

import data.lib.pods

pod := {
	"kind": "Pod",
	"metadata": {"name": "web", "annotations": {"a": "b"}},
	"spec": {
		"initContainers": [{"name": "setup", "image": "busybox"}],
		"containers": [{"name": "app", "image": "nginx"}, {"name": "sidecar", "image": "envoy"}],
		"ephemeralContainers": [{"name": "debugger", "image": "busybox"}],
	},
}

test_containers_covers_every_list if {
	entries := pods.containers with input as {"review": {"object": pod}}
	entries == {
		{"container": {"name": "setup", "image": "busybox"}, "list": "initContainers", "index": 0},
		{"container": {"name": "app", "image": "nginx"}, "list": "containers", "index": 0},
		{"container": {"name": "sidecar", "image": "envoy"}, "list": "containers", "index": 1},
		{"container": {"name": "debugger", "image": "busybox"}, "list": "ephemeralContainers", "index": 0},
	}
}

test_containers_empty_without_spec if {
	count(pods.containers) == 0 with input as {"review": {"object": {"kind": "Pod", "metadata": {"name": "x"}}}}
}

test_containers_ignores_null_lists if {
	entries := pods.containers with input as {"review": {"object": {"spec": {"containers": [{"name": "a"}], "initContainers": null}}}}
	entries == {{"container": {"name": "a"}, "list": "containers", "index": 0}}
}

test_object_name if {
	pods.object_name == `Pod "web"` with input as {"review": {"object": pod}}
}

test_object_name_generate_name if {
	pods.object_name == `Pod with generateName "web-7d4f8-"` with input as {"review": {"object": {"kind": "Pod", "metadata": {"generateName": "web-7d4f8-"}}}}
}

test_object_name_without_name if {
	pods.object_name == "Pod" with input as {"review": {"object": {"kind": "Pod", "metadata": {}}}}
}

test_container_label if {
	pods.container_label({"container": {"name": "app"}, "list": "containers", "index": 0}) == `container "app"`
	pods.container_label({"container": {"name": "setup"}, "list": "initContainers", "index": 0}) == `initContainer "setup"`
	pods.container_label({"container": {"name": "dbg"}, "list": "ephemeralContainers", "index": 2}) == `ephemeralContainer "dbg"`
}

test_field if {
	pods.field({"container": {}, "list": "initContainers", "index": 1}, "securityContext.privileged") == "spec.initContainers[1].securityContext.privileged"
}

test_security_contexts if {
	inp := {"review": {"object": {"spec": {"securityContext": {"runAsUser": 1}}}}}
	pods.security_context == {"runAsUser": 1} with input as inp
	pods.security_context == {} with input as {"review": {"object": {"spec": {}}}}
	pods.container_security_context({"securityContext": {"privileged": true}}) == {"privileged": true}
	pods.container_security_context({"name": "a"}) == {}
}

test_annotations if {
	pods.annotations == {"a": "b"} with input as {"review": {"object": pod}}
	pods.annotations == {} with input as {"review": {"object": {"metadata": {}}}}
}

test_is_windows if {
	pods.is_windows with input as {"review": {"object": {"spec": {"os": {"name": "windows"}}}}}
}

test_not_windows if {
	not pods.is_windows with input as {"review": {"object": {"spec": {"os": {"name": "linux"}}}}}
	not pods.is_windows with input as {"review": {"object": {"spec": {}}}}
}

test_user_namespace if {
	pods.user_namespace with input as {"review": {"object": {"spec": {"hostUsers": false}}}}
	not pods.user_namespace with input as {"review": {"object": {"spec": {"hostUsers": true}}}}
	not pods.user_namespace with input as {"review": {"object": {"spec": {}}}}
}

test_null_security_contexts_read_as_empty if {
	review := {"object": {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"securityContext": null, "containers": [{"name": "a", "securityContext": null}]}}}
	pods.security_context == {} with input as {"review": review}
	pods.container_security_context({"name": "a", "securityContext": null}) == {}
}
