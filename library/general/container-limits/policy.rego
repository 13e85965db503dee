package edict.container_limits

import data.lib.exclusions
import data.lib.pods

defaults := {"cpu": "2", "memory": "4Gi"}

resources := ["cpu", "memory"]

maximum(resource) := object.get(input, ["parameters", resource], defaults[resource])

# Ephemeral containers cannot declare resources, so only these lists are checked.
checked contains entry if {
	some entry in exclusions.checked_containers
	entry.list != "ephemeralContainers"
}

violation contains {"msg": msg, "details": details} if {
	some entry in checked
	some resource in resources
	not has_limit(entry.container, resource)
	msg := sprintf(
		"%s: %s has no %s limit; set resources.limits.%s%s",
		[pods.object_name, pods.container_label(entry), resource, resource, at_most(resource)],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, sprintf("resources.limits.%s", [resource])),
		"maximum": maximum(resource),
	}
}

violation contains {"msg": msg, "details": details} if {
	some entry in checked
	some resource in resources
	limit := entry.container.resources.limits[resource]
	max := maximum(resource)
	max != ""
	quantity(limit) > quantity(max)
	msg := sprintf(
		"%s: %s sets resources.limits.%s=%v, above the maximum %v",
		[pods.object_name, pods.container_label(entry), resource, limit, max],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, sprintf("resources.limits.%s", [resource])),
		"value": limit,
		"maximum": max,
	}
}

# A maximum that is not a quantity would otherwise silently check nothing.
violation contains {"msg": msg, "details": details} if {
	some resource in resources
	max := maximum(resource)
	max != ""
	not quantity(max)
	msg := sprintf("%s: the %s parameter %q is not a Kubernetes quantity; fix the constraint", [pods.object_name, resource, max])
	details := {"parameter": resource, "value": max}
}

has_limit(container, resource) if {
	limit := container.resources.limits[resource]
	limit != null
	limit != ""
}

at_most(resource) := sprintf(" (at most %v)", [maximum(resource)]) if maximum(resource) != ""

else := ""

# quantity is the value of a Kubernetes resource quantity (`500m`, `2`,
# `1.5Gi`, `1e3`) as a number; undefined for anything else. units.parse
# covers every suffix but the micro and nano ones.
quantity(q) := q if is_number(q)

quantity(q) := units.parse(q) if {
	is_string(q)
	regex.match(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$`, q)
}

quantity(q) := to_number(trim_suffix(q, "u")) / 1000000 if {
	is_string(q)
	regex.match(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)u$`, q)
}

quantity(q) := to_number(trim_suffix(q, "n")) / 1000000000 if {
	is_string(q)
	regex.match(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)n$`, q)
}
