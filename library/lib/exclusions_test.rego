package lib.exclusions_test

import data.lib.exclusions

params := {
	"excludedContainers": ["istio-proxy"],
	"excludedImages": ["mcr.microsoft.com/oss/kubernetes/*", "docker.io/library/busybox:1.36"],
}

test_excluded_by_container_name if {
	exclusions.excluded({"name": "istio-proxy", "image": "istio/proxyv2"}) with input as {"parameters": params}
}

test_excluded_by_image_prefix if {
	exclusions.excluded({"name": "a", "image": "mcr.microsoft.com/oss/kubernetes/pause:3.9"}) with input as {"parameters": params}
}

test_excluded_by_exact_image if {
	exclusions.excluded({"name": "a", "image": "docker.io/library/busybox:1.36"}) with input as {"parameters": params}
}

test_exact_image_is_not_a_prefix if {
	not exclusions.excluded({"name": "a", "image": "docker.io/library/busybox:1.36.1"}) with input as {"parameters": params}
}

test_prefix_needs_the_whole_prefix if {
	not exclusions.excluded({"name": "a", "image": "mcr.microsoft.com/oss/kube"}) with input as {"parameters": params}
}

test_container_name_is_exact if {
	not exclusions.excluded({"name": "istio-proxy-2", "image": "x"}) with input as {"parameters": params}
}

test_star_excludes_everything if {
	exclusions.excluded({"name": "a", "image": "anything"}) with input as {"parameters": {"excludedImages": ["*"]}}
}

test_nothing_excluded_without_parameters if {
	not exclusions.excluded({"name": "istio-proxy", "image": "x"}) with input as {}
	not exclusions.excluded({"name": "istio-proxy", "image": "x"}) with input as {"parameters": {}}
	not exclusions.excluded({"name": "istio-proxy", "image": "x"}) with input as {"parameters": {"excludedContainers": null}}
}

test_container_without_image if {
	not exclusions.excluded({"name": "a"}) with input as {"parameters": params}
}

pod := {"spec": {
	"initContainers": [{"name": "setup", "image": "mcr.microsoft.com/oss/kubernetes/setup:1"}],
	"containers": [{"name": "app", "image": "nginx"}, {"name": "istio-proxy", "image": "istio/proxyv2"}],
}}

test_checked_containers if {
	checked := exclusions.checked_containers with input as {"review": {"object": pod}, "parameters": params}
	checked == {{"container": {"name": "app", "image": "nginx"}, "list": "containers", "index": 0}}
}

test_all_excluded if {
	exclusions.all_excluded with input as {"review": {"object": pod}, "parameters": {"excludedImages": ["*"]}}
}

test_not_all_excluded if {
	not exclusions.all_excluded with input as {"review": {"object": pod}, "parameters": params}
}

test_not_all_excluded_without_containers if {
	not exclusions.all_excluded with input as {"review": {"object": {"spec": {}}}, "parameters": {"excludedImages": ["*"]}}
}
