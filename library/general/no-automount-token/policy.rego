package edict.general.noautomounttoken

import data.lib.exclusions
import data.lib.pods

token_path := "/var/run/secrets/kubernetes.io/serviceaccount"

automount := object.get(pods.spec, "automountServiceAccountToken", null)

violation contains {"msg": msg, "details": details} if {
	automount != false
	not exclusions.all_excluded
	msg := sprintf("%s %s; it must be false so that the service account token is not mounted", [pods.object_name, finding(automount)])
	details := {"field": "spec.automountServiceAccountToken", "value": automount, "allowed": [false]}
}

finding(null) := "does not set spec.automountServiceAccountToken"

finding(value) := sprintf("sets spec.automountServiceAccountToken=%v", [value]) if value != null

# With automounting off, the API server adds no token volume, so a mount at the well-known
# path is a hand-made one.
violation contains {"msg": msg, "details": details} if {
	automount == false
	some entry in exclusions.checked_containers
	some i, mount in object.get(entry.container, "volumeMounts", [])
	trim_suffix(object.get(mount, "mountPath", ""), "/") == token_path
	msg := sprintf("%s: %s mounts volume %q at %s (volumeMounts[%d].mountPath); mounting service account credentials there is not allowed", [pods.object_name, pods.container_label(entry), object.get(mount, "name", ""), token_path, i])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, sprintf("volumeMounts[%d].mountPath", [i])),
		"value": mount.mountPath,
	}
}
