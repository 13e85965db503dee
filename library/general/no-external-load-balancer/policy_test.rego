package edict.general.noexternalloadbalancer_test

import data.edict.general.noexternalloadbalancer as policy

svc(type, annotations) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "web", "annotations": annotations},
	"spec": {"type": type, "ports": [{"port": 80}]},
}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_internal_azure_annotation_allowed if {
	count(policy.violation) == 0 with input as review(svc("LoadBalancer", {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}), {})
}

test_annotation_value_is_case_insensitive if {
	count(policy.violation) == 0 with input as review(svc("LoadBalancer", {"service.beta.kubernetes.io/azure-load-balancer-internal": "True"}), {})
}

test_missing_annotation_denied if {
	some v in policy.violation with input as review(svc("LoadBalancer", {}), {})
	contains(v.msg, `Service "web" has spec.type=LoadBalancer`)
	contains(v.msg, `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`)
}

test_no_annotations_at_all_denied if {
	obj := object.remove(svc("LoadBalancer", {}), ["metadata"])
	count(policy.violation) == 1 with input as review(object.union(obj, {"metadata": {"name": "web"}}), {})
}

test_annotation_false_denied if {
	count(policy.violation) == 1 with input as review(svc("LoadBalancer", {"service.beta.kubernetes.io/azure-load-balancer-internal": "false"}), {})
}

test_cluster_ip_and_node_port_not_checked if {
	count(policy.violation) == 0 with input as review(svc("ClusterIP", {}), {})
	count(policy.violation) == 0 with input as review(svc("NodePort", {}), {})
}

test_service_without_type_not_checked if {
	obj := {"kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
	count(policy.violation) == 0 with input as review(obj, {})
}

gke := {"internalAnnotations": [{"key": "networking.gke.io/load-balancer-type", "value": "Internal"}]}

test_custom_annotation_allowed if {
	count(policy.violation) == 0 with input as review(svc("LoadBalancer", {"networking.gke.io/load-balancer-type": "Internal"}), gke)
}

test_custom_annotation_replaces_default if {
	some v in policy.violation with input as review(svc("LoadBalancer", {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}), gke)
	contains(v.msg, `networking.gke.io/load-balancer-type: "Internal"`)
}

test_any_of_several_annotations if {
	params := {"internalAnnotations": [
		{"key": "networking.gke.io/load-balancer-type", "value": "Internal"},
		{"key": "service.beta.kubernetes.io/aws-load-balancer-scheme", "value": "internal"},
	]}
	count(policy.violation) == 0 with input as review(svc("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}), params)
}

test_empty_list_forbids_every_load_balancer if {
	some v in policy.violation with input as review(svc("LoadBalancer", {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}), {"internalAnnotations": []})
	contains(v.msg, "LoadBalancer Services are not allowed")
}
