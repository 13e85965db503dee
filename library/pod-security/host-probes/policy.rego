package edict.host_probes

import data.lib.exclusions
import data.lib.pods

# Every handler path that has a host field, as Kubernetes' Pod Security
# admission lists them.
handlers := [
	["livenessProbe"],
	["readinessProbe"],
	["startupProbe"],
	["lifecycle", "postStart"],
	["lifecycle", "preStop"],
]

actions := ["httpGet", "tcpSocket"]

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	some handler in handlers
	some action in actions
	path := array.concat(handler, [action, "host"])
	host := object.get(entry.container, path, "")
	host != ""
	field := concat(".", path)
	msg := sprintf(
		"%s: %s sets %s=%q; probes and lifecycle hooks must not set a host",
		[pods.object_name, pods.container_label(entry), field, host],
	)
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, field),
		"value": host,
		"allowed": [""],
	}
}
