package edict.general.nolatesttag_test

import data.edict.general.nolatesttag as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(images) := {"review": {"object": pod({"containers": [{"name": sprintf("c%d", [i]), "image": img} | some i, img in images]})}}

test_explicit_tags_allowed if {
	count(policy.violation) == 0 with input as review([
		"nginx:1.27.2",
		"registry.example.com/team/app:2.3.1",
		"registry.example.com:5000/app:v1",
		"localhost:5000/app:latest-2024",
	])
}

test_digests_allowed if {
	count(policy.violation) == 0 with input as review([
		"nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"nginx:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"registry.example.com:5000/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
	])
}

test_latest_denied if {
	some v in policy.violation with input as review(["nginx:latest"])
	v.msg == `Pod "web": container "c0" uses image "nginx:latest" with the tag "latest"; use an explicit tag other than latest, or a digest`
	v.details == {"container": "c0", "field": "spec.containers[0].image", "value": "nginx:latest", "disallowedTags": ["latest"]}
}

test_no_tag_denied if {
	some v in policy.violation with input as review(["nginx"])
	v.msg == `Pod "web": container "c0" uses image "nginx" without a tag, which means latest; use an explicit tag other than latest, or a digest`
}

test_registry_port_is_not_a_tag if {
	count(policy.violation) == 1 with input as review(["registry.example.com:5000/app"])
	count(policy.violation) == 1 with input as review(["registry.example.com:5000/team/app:latest"])
}

test_tags_are_case_sensitive if {
	count(policy.violation) == 0 with input as review(["nginx:Latest"])
}

test_every_list_checked if {
	spec := {
		"initContainers": [{"name": "setup", "image": "busybox"}],
		"containers": [{"name": "app", "image": "registry.example.com/app:1.0"}],
		"ephemeralContainers": [{"name": "debugger", "image": "busybox:latest"}],
	}
	violations := policy.violation with input as {"review": {"object": pod(spec)}}
	{v.details.field | some v in violations} == {"spec.initContainers[0].image", "spec.ephemeralContainers[0].image"}
}

test_disallowed_tags_parameter if {
	params := {"disallowedTags": ["latest", "main", "stable"]}
	obj := pod({"containers": [{"name": "a", "image": "app:main"}, {"name": "b", "image": "app:stable"}, {"name": "c", "image": "app:1.0"}]})
	violations := policy.violation with input as {"review": {"object": obj}, "parameters": params}
	{v.details.container | some v in violations} == {"a", "b"}
	some v in violations
	endswith(v.msg, "use an explicit tag other than latest, main, stable, or a digest")
}

test_without_latest_in_list_untagged_images_pass if {
	obj := pod({"containers": [{"name": "a", "image": "app"}, {"name": "b", "image": "app:main"}]})
	violations := policy.violation with input as {"review": {"object": obj}, "parameters": {"disallowedTags": ["main"]}}
	{v.details.container | some v in violations} == {"b"}
}

test_container_without_image_ignored if {
	count(policy.violation) == 0 with input as {"review": {"object": pod({"containers": [{"name": "a"}]})}}
}

test_exclusions if {
	obj := pod({"containers": [{"name": "app", "image": "app:1.0"}, {"name": "tool", "image": "mcr.microsoft.com/oss/tool"}]})
	count(policy.violation) == 0 with input as {"review": {"object": obj}, "parameters": {"excludedImages": ["mcr.microsoft.com/oss/*"]}}
	count(policy.violation) == 0 with input as {"review": {"object": obj}, "parameters": {"excludedContainers": ["tool"]}}
	count(policy.violation) == 1 with input as {"review": {"object": obj}, "parameters": {}}
}
