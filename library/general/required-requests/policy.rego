package edict.general.requiredrequests

import data.lib.exclusions
import data.lib.pods

required := object.get(input, ["parameters", "requiredResources"], ["cpu", "memory"])

# Ephemeral containers cannot set resources, so only these lists are checked.
lists := {"containers", "initContainers"}

set(value) if value != null

requested(container, resource) if set(object.get(container, ["resources", "requests", resource], null))

# The API server defaults a missing request to the limit.
requested(container, resource) if set(object.get(container, ["resources", "limits", resource], null))

requested(_, resource) if set(object.get(pods.spec, ["resources", "requests", resource], null))

requested(_, resource) if set(object.get(pods.spec, ["resources", "limits", resource], null))

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	entry.list in lists
	missing := [resource | some resource in required; not requested(entry.container, resource)]
	count(missing) > 0
	fields := [sprintf("resources.requests.%s", [r]) | some r in missing]
	msg := sprintf("%s: %s does not set %s; requests are required for: %s", [pods.object_name, pods.container_label(entry), concat(", ", fields), concat(", ", required)])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "resources.requests"),
		"missing": missing,
		"required": required,
	}
}
