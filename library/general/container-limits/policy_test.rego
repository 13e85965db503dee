package edict.container_limits_test

import data.edict.container_limits

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

limited(name, cpu, memory) := {"name": name, "image": "nginx", "resources": {"limits": {"cpu": cpu, "memory": memory}}}

test_within_defaults if {
	spec := {"initContainers": [limited("setup", "100m", "64Mi")], "containers": [limited("app", "2", "4Gi"), limited("b", "1500m", "4096Mi")]}
	count(container_limits.violation) == 0 with input as review(spec, {})
	count(container_limits.violation) == 0 with input as review(spec, {"cpu": "2", "memory": "4Gi"})
}

test_missing_limits if {
	v := container_limits.violation with input as review({"containers": [{"name": "app", "image": "nginx"}]}, {"cpu": "2", "memory": "4Gi"})
	v == {
		{
			"msg": `Pod "web": container "app" has no cpu limit; set resources.limits.cpu (at most 2)`,
			"details": {"container": "app", "field": "spec.containers[0].resources.limits.cpu", "maximum": "2"},
		},
		{
			"msg": `Pod "web": container "app" has no memory limit; set resources.limits.memory (at most 4Gi)`,
			"details": {"container": "app", "field": "spec.containers[0].resources.limits.memory", "maximum": "4Gi"},
		},
	}
}

test_missing_limit_in_init_container if {
	spec := {"initContainers": [{"name": "setup", "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}}}], "containers": [limited("app", "1", "1Gi")]}
	v := container_limits.violation with input as review(spec, {})
	count(v) == 1
	some x in v
	x.details.field == "spec.initContainers[0].resources.limits.memory"
}

test_ephemeral_containers_not_checked if {
	spec := {"containers": [limited("app", "1", "1Gi")], "ephemeralContainers": [{"name": "debugger", "image": "busybox"}]}
	count(container_limits.violation) == 0 with input as review(spec, {})
}

test_cpu_above_maximum if {
	every cpu in ["3", "2001m", "2.5", 3] {
		v := container_limits.violation with input as review({"containers": [limited("app", cpu, "1Gi")]}, {"cpu": "2", "memory": "4Gi"})
		count(v) == 1
		some x in v
		x.details.field == "spec.containers[0].resources.limits.cpu"
		x.msg == sprintf(`Pod "web": container "app" sets resources.limits.cpu=%v, above the maximum 2`, [cpu])
	}
}

test_cpu_at_or_below_maximum if {
	every cpu in ["2", "2000m", "1.999", "500m", 1, "0.5"] {
		count(container_limits.violation) == 0 with input as review({"containers": [limited("app", cpu, "1Gi")]}, {"cpu": "2", "memory": "4Gi"})
	}
}

test_memory_above_maximum if {
	every memory in ["5Gi", "4097Mi", "5G", "4294967297", "5e9"] {
		v := container_limits.violation with input as review({"initContainers": [limited("setup", "1", memory)]}, {"cpu": "2", "memory": "4Gi"})
		count(v) == 1
		some x in v
		x.details.field == "spec.initContainers[0].resources.limits.memory"
	}
}

test_memory_at_or_below_maximum if {
	every memory in ["4Gi", "4096Mi", "4G", "4294967296", "4e9", "512Mi", "1000000k"] {
		count(container_limits.violation) == 0 with input as review({"containers": [limited("app", "1", memory)]}, {"cpu": "2", "memory": "4Gi"})
	}
}

test_empty_maximum_disables_the_check if {
	spec := {"containers": [limited("app", "64", "512Gi")]}
	count(container_limits.violation) == 0 with input as review(spec, {"cpu": "", "memory": ""})
	v := container_limits.violation with input as review({"containers": [{"name": "app"}]}, {"cpu": "", "memory": ""})
	count(v) == 2
	some x in v
	endswith(x.msg, "set resources.limits.cpu")
}

test_milli_and_micro_units if {
	container_limits.quantity("250m") == 0.25
	container_limits.quantity("500u") == 0.0005
	container_limits.quantity("7n") == 0.000000007
	container_limits.quantity("1Ki") == 1024
	container_limits.quantity("1.5Gi") == 1610612736
	not container_limits.quantity("two")
	not container_limits.quantity("1 Gi")
}

test_bad_maximum_reported if {
	v := container_limits.violation with input as review({"containers": [limited("app", "1", "1Gi")]}, {"cpu": "two"})
	count(v) == 1
	some x in v
	x.msg == `Pod "web": the cpu parameter "two" is not a Kubernetes quantity; fix the constraint`
}

test_exclusions if {
	spec := {"containers": [{"name": "istio-proxy", "image": "istio/proxyv2"}, {"name": "app", "image": "contoso/app"}]}
	count(container_limits.violation) == 4 with input as review(spec, {})
	count(container_limits.violation) == 2 with input as review(spec, {"excludedContainers": ["istio-proxy"]})
	count(container_limits.violation) == 0 with input as review(spec, {"excludedContainers": ["istio-proxy"], "excludedImages": ["contoso/*"]})
}
