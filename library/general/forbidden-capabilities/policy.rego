package edict.general.forbiddencapabilities

import data.lib.exclusions
import data.lib.pods

disallowed := {normalize(c) | some c in object.get(input, ["parameters", "disallowedCapabilities"], ["SYS_ADMIN"])}

# Kubernetes spells capabilities without the CAP_ prefix, but people copy
# them from man pages with it.
normalize(c) := trim_prefix(upper(c), "CAP_")

forbidden(c) if normalize(c) in disallowed

forbidden(_) if "*" in disallowed

# ALL grants every capability, the forbidden ones among them.
forbidden(c) if {
	normalize(c) == "ALL"
	count(disallowed) > 0
}

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	added := object.get(pods.container_security_context(entry.container), ["capabilities", "add"], [])
	bad := sort({c | some c in added; forbidden(c)})
	count(bad) > 0
	msg := sprintf(
		"%s: %s adds %s in securityContext.capabilities.add; forbidden capabilities: %s",
		[pods.object_name, pods.container_label(entry), concat(", ", bad), concat(", ", sort(disallowed))],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.capabilities.add"),
		"value": bad,
		"disallowed": sort(disallowed),
	}
}
