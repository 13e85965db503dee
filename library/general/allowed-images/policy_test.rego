package edict.allowed_images_test

import data.edict.allowed_images

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

params := {"repositories": ["contoso.azurecr.io/", "mcr.microsoft.com/oss/"]}

in_list(list, image) := {"containers": [{"name": "main", "image": "contoso.azurecr.io/main:1"}], list: [{"name": "c", "image": image}]} if list != "containers"

else := {"containers": [{"name": "c", "image": image}]}

test_allowed_prefixes if {
	count(allowed_images.violation) == 0 with input as review(
		{"containers": [
			{"name": "a", "image": "contoso.azurecr.io/app:1.0"},
			{"name": "b", "image": "mcr.microsoft.com/oss/kubernetes/pause:3.9"},
		]},
		params,
	)
}

test_disallowed_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := allowed_images.violation with input as review(in_list(list, "nginx:1.27"), params)
		count(v) == 1
		some x in v
		x.details == {
			"container": "c",
			"field": sprintf("spec.%s[0].image", [list]),
			"value": "nginx:1.27",
			"allowed": ["contoso.azurecr.io/", "mcr.microsoft.com/oss/"],
		}
		endswith(x.msg, `"c" uses image "nginx:1.27"; images must start with one of: contoso.azurecr.io/, mcr.microsoft.com/oss/`)
	}
}

test_prefix_is_a_string_prefix if {
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a", "image": "contoso.azurecr.io.evil.example/app"}]}, params)
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a", "image": "mcr.microsoft.com/other/app"}]}, params)
	count(allowed_images.violation) == 0 with input as review({"containers": [{"name": "a", "image": "contoso.azurecr.io.evil.example/app"}]}, {"repositories": ["contoso.azurecr.io"]})
}

test_docker_hub_forms if {
	hub := {"repositories": ["docker.io/library/"]}
	count(allowed_images.violation) == 0 with input as review({"containers": [{"name": "a", "image": "nginx:1.27"}]}, hub)
	count(allowed_images.violation) == 0 with input as review({"containers": [{"name": "a", "image": "docker.io/library/nginx"}]}, hub)
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a", "image": "bitnami/nginx"}]}, hub)
	count(allowed_images.violation) == 0 with input as review({"containers": [{"name": "a", "image": "bitnami/nginx"}]}, {"repositories": ["docker.io/bitnami/"]})
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a", "image": "localhost/nginx"}]}, {"repositories": ["docker.io/"]})
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a", "image": "registry:5000/nginx"}]}, {"repositories": ["docker.io/"]})
}

test_qualified if {
	allowed_images.qualified("nginx") == "docker.io/library/nginx"
	allowed_images.qualified("team/app:1") == "docker.io/team/app:1"
	allowed_images.qualified("ghcr.io/team/app") == "ghcr.io/team/app"
	allowed_images.qualified("localhost:5000/app") == "localhost:5000/app"
	allowed_images.qualified("localhost/app") == "localhost/app"
}

test_empty_list_allows_nothing if {
	v := allowed_images.violation with input as review({"containers": [{"name": "a", "image": "contoso.azurecr.io/app"}]}, {})
	some x in v
	endswith(x.msg, "; no repositories are allowed; set the repositories parameter")
}

test_empty_prefix_allows_nothing if {
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a", "image": "nginx"}]}, {"repositories": [""]})
}

test_missing_image if {
	count(allowed_images.violation) == 1 with input as review({"containers": [{"name": "a"}]}, params)
}

test_exclusions if {
	spec := {"containers": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24"}, {"name": "b", "image": "quay.io/x/b"}]}
	count(allowed_images.violation) == 2 with input as review(spec, params)
	count(allowed_images.violation) == 1 with input as review(spec, object.union(params, {"excludedContainers": ["istio-proxy"]}))
	count(allowed_images.violation) == 0 with input as review(spec, object.union(params, {"excludedContainers": ["istio-proxy"], "excludedImages": ["quay.io/x/*"]}))
}
