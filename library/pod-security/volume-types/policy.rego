package edict.podsecurity.volumetypes

import data.lib.pods

# The restricted profile's allow-list (k8s.io/pod-security-admission, check restrictedVolumes).
standard := [
	"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
	"image", "persistentVolumeClaim", "projected", "secret",
]

allowed := object.get(input, ["parameters", "allowedVolumeTypes"], standard)

allow_all if "*" in allowed

# The source fields a volume sets; the API server defaults a volume without one to emptyDir.
types(volume) := sources if {
	sources := {k | some k, _ in volume; k != "name"}
	count(sources) > 0
} else := {"emptyDir"}

violation contains {"msg": msg, "details": {"volume": name, "type": type, "allowedVolumeTypes": allowed}} if {
	not allow_all
	some i, volume in object.get(pods.spec, "volumes", [])
	some type in types(volume)
	not type in allowed
	name := object.get(volume, "name", "")
	msg := sprintf("%s: volume %q (spec.volumes[%d]) uses volume type %s; allowed volume types: %s", [pods.object_name, name, i, type, describe(allowed)])
}

describe(list) := concat(", ", list) if {
	count(list) > 0
} else := "none"
