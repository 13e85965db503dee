package edict.general.requiredrequests_test

import data.edict.general.requiredrequests as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec) := {"review": {"object": pod(spec)}}

c(name, resources) := {"name": name, "image": "registry.example.com/app:1", "resources": resources}

both := {"requests": {"cpu": "100m", "memory": "128Mi"}}

test_requests_set_allowed if {
	count(policy.violation) == 0 with input as review({"initContainers": [c("setup", both)], "containers": [c("app", both)]})
}

test_no_resources_denied if {
	some v in policy.violation with input as review({"containers": [{"name": "app", "image": "nginx:1.27"}]})
	v.msg == `Pod "web": container "app" does not set resources.requests.cpu, resources.requests.memory; requests are required for: cpu, memory`
	v.details == {"container": "app", "field": "spec.containers[0].resources.requests", "missing": ["cpu", "memory"], "required": ["cpu", "memory"]}
}

test_memory_missing_denied if {
	some v in policy.violation with input as review({"containers": [c("app", {"requests": {"cpu": "1"}})]})
	v.details.missing == ["memory"]
	contains(v.msg, "does not set resources.requests.memory;")
}

test_limits_imply_requests if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", {"limits": {"cpu": "1", "memory": "1Gi"}})]})
	count(policy.violation) == 0 with input as review({"containers": [c("app", {"requests": {"cpu": "100m"}, "limits": {"memory": "1Gi"}})]})
}

test_pod_level_resources_satisfy if {
	spec := {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}, "containers": [c("app", {}), {"name": "b", "image": "x"}]}
	count(policy.violation) == 0 with input as review(spec)
	spec2 := {"resources": {"requests": {"cpu": "1"}}, "containers": [c("app", {})]}
	some v in policy.violation with input as review(spec2)
	v.details.missing == ["memory"]
}

test_init_container_checked if {
	some v in policy.violation with input as review({"initContainers": [c("setup", {"requests": {"memory": "64Mi"}})], "containers": [c("app", both)]})
	startswith(v.msg, `Pod "web": initContainer "setup" does not set resources.requests.cpu;`)
}

test_ephemeral_containers_not_checked if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", both)], "ephemeralContainers": [{"name": "debugger", "image": "busybox"}]})
}

test_required_resources_parameter if {
	params := {"requiredResources": ["memory", "ephemeral-storage"]}
	spec := {"containers": [c("app", {"requests": {"memory": "1Gi"}})]}
	some v in policy.violation with input as {"review": {"object": pod(spec)}, "parameters": params}
	v.details.missing == ["ephemeral-storage"]
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"requiredResources": ["memory"]}}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"requiredResources": []}}
}

test_exclusions if {
	spec := {"containers": [c("app", both), {"name": "istio-proxy", "image": "istio/proxyv2:1.22"}]}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedContainers": ["istio-proxy"]}}
	count(policy.violation) == 0 with input as {"review": {"object": pod(spec)}, "parameters": {"excludedImages": ["istio/*"]}}
	count(policy.violation) == 1 with input as {"review": {"object": pod(spec)}, "parameters": {}}
}
