package edict.general.forbiddensysctls

pod := input.review.object

forbidden := object.get(input, ["parameters", "forbiddenSysctls"], [])

# The kubelet accepts "/" as the separator when it comes first in the name and then treats
# "." as part of a segment; compare in the canonical dotted form so that "kernel/msgmax"
# cannot slip past a "kernel.msgmax" rule.
canonical(name) := strings.replace_n({"/": ".", ".": "/"}, name) if {
	slash_first(name)
} else := name

slash_first(name) if {
	contains(name, "/")
	not contains(name, ".")
}

slash_first(name) if {
	dot := indexof(name, ".")
	dot >= 0
	slash := indexof(name, "/")
	slash >= 0
	slash < dot
}

matches(name, pattern) if pattern == "*"

matches(name, pattern) if {
	pattern != "*"
	endswith(pattern, "*")
	startswith(name, trim_suffix(pattern, "*"))
}

matches(name, pattern) if pattern == name

violation contains {"msg": msg, "details": {"sysctl": sysctl.name, "forbidden": pattern}} if {
	some i, sysctl in object.get(pod, ["spec", "securityContext", "sysctls"], [])
	name := canonical(sysctl.name)
	hits := [pattern | some pattern in forbidden; matches(name, canonical(pattern))]
	count(hits) > 0
	pattern := hits[0]
	msg := sprintf("%s %q sets spec.securityContext.sysctls[%d].name=%q; it matches the forbidden sysctl %q", [object.get(pod, "kind", "Pod"), pod.metadata.name, i, sysctl.name, pattern])
}
