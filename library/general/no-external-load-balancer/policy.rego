package edict.general.noexternalloadbalancer

default_annotations := [{"key": "service.beta.kubernetes.io/azure-load-balancer-internal", "value": "true"}]

internal_annotations := object.get(input, ["parameters", "internalAnnotations"], default_annotations)

service := input.review.object

# An annotation counts when its value matches ignoring case: cloud providers parse these
# values case-insensitively ("True", "Internal").
internal if {
	some want in internal_annotations
	value := object.get(service, ["metadata", "annotations", want.key], null)
	is_string(value)
	lower(value) == lower(object.get(want, "value", ""))
}

expected := concat(" or ", [sprintf("%s: %q", [a.key, object.get(a, "value", "")]) | some a in internal_annotations])

violation contains {"msg": msg, "details": {"type": "LoadBalancer", "requiredAnnotations": internal_annotations}} if {
	service.spec.type == "LoadBalancer"
	not internal
	count(internal_annotations) > 0
	msg := sprintf("Service %q has spec.type=LoadBalancer without an internal load balancer annotation; set %s", [service.metadata.name, expected])
}

violation contains {"msg": msg, "details": {"type": "LoadBalancer"}} if {
	service.spec.type == "LoadBalancer"
	count(internal_annotations) == 0
	msg := sprintf("Service %q has spec.type=LoadBalancer; LoadBalancer Services are not allowed (no internal load balancer annotation is configured)", [service.metadata.name])
}
