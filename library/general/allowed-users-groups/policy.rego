package edict.general.allowedusersgroups

import data.lib.exclusions
import data.lib.pods

defaults := {
	"runAsUserRule": "MustRunAsNonRoot",
	"runAsGroupRule": "RunAsAny",
	"supplementalGroupsRule": "RunAsAny",
	"fsGroupRule": "RunAsAny",
}

rule(name) := object.get(input, ["parameters", sprintf("%sRule", [name])], defaults[sprintf("%sRule", [name])])

ranges(name) := value if {
	value := object.get(input, ["parameters", sprintf("%sRanges", [name])], [])
	is_array(value)
} else := []

in_ranges(id, name) if {
	some r in ranges(name)
	id >= object.get(r, "min", 0)
	upper := object.get(r, "max", -1)
	any_upper(id, upper)
}

any_upper(_, upper) if upper < 0

any_upper(id, upper) if {
	upper >= 0
	id <= upper
}

range_text(r) := sprintf("%d and above", [object.get(r, "min", 0)]) if {
	object.get(r, "max", -1) < 0
} else := sprintf("%d-%d", [object.get(r, "min", 0), r.max])

allowed_text(name) := concat(", ", [range_text(r) | some r in ranges(name)]) if {
	count(ranges(name)) > 0
} else := "none (no ranges are configured)"

# effective is a container's value of a securityContext field: its own, else the pod's.
effective(entry, key) := {"value": value, "short": sprintf("securityContext.%s", [key]), "field": pods.field(entry, sprintf("securityContext.%s", [key]))} if {
	value := object.get(pods.container_security_context(entry.container), key, null)
	value != null
} else := {"value": value, "short": sprintf("spec.securityContext.%s", [key]), "field": sprintf("spec.securityContext.%s", [key])} if {
	value := object.get(pods.security_context, key, null)
	value != null
} else := {"value": null}

checked_containers contains entry if {
	not pods.is_windows
	some entry in exclusions.checked_containers
}

check_pod if {
	not pods.is_windows
	not exclusions.all_excluded
}

container_violation(entry, msg, field, value, allowed) := {"msg": sprintf("%s: %s %s", [pods.object_name, pods.container_label(entry), msg]), "details": {
	"container": entry.container.name,
	"field": field,
	"value": value,
	"allowed": allowed,
}}

# runAsUser

violation contains container_violation(entry, msg, user.field, 0, "a non-root user") if {
	rule("runAsUser") == "MustRunAsNonRoot"
	some entry in checked_containers
	user := effective(entry, "runAsUser")
	user.value == 0
	msg := sprintf("runs as user 0 (%s); rule MustRunAsNonRoot does not allow root", [user.short])
}

violation contains container_violation(entry, msg, pods.field(entry, "securityContext.runAsNonRoot"), null, "a non-root user") if {
	rule("runAsUser") == "MustRunAsNonRoot"
	some entry in checked_containers
	effective(entry, "runAsUser").value == null
	effective(entry, "runAsNonRoot").value != true
	msg := "sets neither runAsUser nor runAsNonRoot=true, in its securityContext or the pod's; rule MustRunAsNonRoot requires one of them"
}

violation contains id_violation(entry, "runAsUser", "user") if {
	rule("runAsUser") == "MustRunAs"
	some entry in checked_containers
}

# runAsGroup

violation contains id_violation(entry, "runAsGroup", "group") if {
	rule("runAsGroup") in {"MustRunAs", "MayRunAs"}
	some entry in checked_containers
}

# id_violation is the violation of a container whose effective value of key breaks the
# MustRunAs or MayRunAs rule; it is undefined when the container complies.
id_violation(entry, key, noun) := container_violation(entry, msg, id.field, id.value, ranges(key)) if {
	id := effective(entry, key)
	id.value != null
	not in_ranges(id.value, key)
	msg := sprintf("runs as %s %v (%s); allowed %s ranges: %s", [noun, id.value, id.short, key, allowed_text(key)])
} else := container_violation(entry, msg, pods.field(entry, sprintf("securityContext.%s", [key])), null, ranges(key)) if {
	rule(key) == "MustRunAs"
	effective(entry, key).value == null
	msg := sprintf("does not set %s, in its securityContext or the pod's; rule MustRunAs requires a value in: %s", [key, allowed_text(key)])
}

# fsGroup

violation contains {"msg": msg, "details": {"field": "spec.securityContext.fsGroup", "value": value, "allowed": ranges("fsGroup")}} if {
	rule("fsGroup") in {"MustRunAs", "MayRunAs"}
	check_pod
	value := object.get(pods.security_context, "fsGroup", null)
	value != null
	not in_ranges(value, "fsGroup")
	msg := sprintf("%s sets spec.securityContext.fsGroup=%v; allowed fsGroup ranges: %s", [pods.object_name, value, allowed_text("fsGroup")])
}

violation contains {"msg": msg, "details": {"field": "spec.securityContext.fsGroup", "value": null, "allowed": ranges("fsGroup")}} if {
	rule("fsGroup") == "MustRunAs"
	check_pod
	object.get(pods.security_context, "fsGroup", null) == null
	msg := sprintf("%s does not set spec.securityContext.fsGroup; rule MustRunAs requires a value in: %s", [pods.object_name, allowed_text("fsGroup")])
}

# supplementalGroups

supplemental_groups := value if {
	value := object.get(pods.security_context, "supplementalGroups", [])
	is_array(value)
} else := []

violation contains {"msg": msg, "details": {"field": field, "value": group, "allowed": ranges("supplementalGroups")}} if {
	rule("supplementalGroups") in {"MustRunAs", "MayRunAs"}
	check_pod
	some i, group in supplemental_groups
	not in_ranges(group, "supplementalGroups")
	field := sprintf("spec.securityContext.supplementalGroups[%d]", [i])
	msg := sprintf("%s sets %s=%v; allowed supplementalGroups ranges: %s", [pods.object_name, field, group, allowed_text("supplementalGroups")])
}

violation contains {"msg": msg, "details": {"field": "spec.securityContext.supplementalGroups", "value": null, "allowed": ranges("supplementalGroups")}} if {
	rule("supplementalGroups") == "MustRunAs"
	check_pod
	count(supplemental_groups) == 0
	msg := sprintf("%s does not set spec.securityContext.supplementalGroups; rule MustRunAs requires groups in: %s", [pods.object_name, allowed_text("supplementalGroups")])
}
