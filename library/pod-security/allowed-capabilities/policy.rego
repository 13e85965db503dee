package edict.allowed_capabilities

import data.lib.exclusions
import data.lib.pods

# The Pod Security Standards baseline list, used when the parameter is absent.
baseline := [
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]

allowed := object.get(input, ["parameters", "allowedCapabilities"], baseline)

required_drop := object.get(input, ["parameters", "requiredDropCapabilities"], [])

violation contains {"msg": msg, "details": details} if {
	not "*" in allowed
	not windows_skipped
	some entry in exclusions.checked_containers
	added := object.get(pods.container_security_context(entry.container), ["capabilities", "add"], [])
	bad := sort({c | some c in added; not c in allowed})
	count(bad) > 0
	msg := sprintf(
		"%s: %s adds %s in securityContext.capabilities.add; %s",
		[pods.object_name, pods.container_label(entry), quote_list(bad), allowed_text],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.capabilities.add"),
		"value": bad,
		"allowed": allowed,
	}
}

violation contains {"msg": msg, "details": details} if {
	not pods.is_windows
	some entry in exclusions.checked_containers
	dropped := object.get(pods.container_security_context(entry.container), ["capabilities", "drop"], [])
	missing := sort({c | some c in required_drop; not is_dropped(c, dropped)})
	count(missing) > 0
	msg := sprintf(
		"%s: %s must drop %s in securityContext.capabilities.drop",
		[pods.object_name, pods.container_label(entry), quote_list(missing)],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "securityContext.capabilities.drop"),
		"value": dropped,
		"required": missing,
	}
}

# The restricted standard does not check capabilities of Windows Pods at
# all; skipWindows asks for that (the drop requirement never applies to them).
windows_skipped if {
	input.parameters.skipWindows == true
	pods.is_windows
}

is_dropped(capability, dropped) if capability in dropped

is_dropped(_, dropped) if "ALL" in dropped

allowed_text := "no capabilities may be added" if {
	count(allowed) == 0
} else := sprintf("only %s may be added", [concat(", ", sort(allowed))])

quote_list(items) := concat(", ", [sprintf("%q", [i]) | some i in items])
