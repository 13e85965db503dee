package edict.general.imagedigests

import data.lib.exclusions
import data.lib.pods

# A digest as the OCI image spec defines it for sha256 and sha512, the two
# registered algorithms.
pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

pinned(image) if regex.match(`@sha512:[a-f0-9]{128}$`, image)

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	image := object.get(entry.container, "image", "")
	not pinned(image)
	msg := sprintf("%s: %s uses image %q, which is not pinned by digest; use <image>@sha256:<digest>", [pods.object_name, pods.container_label(entry), image])
	details := {"container": entry.container.name, "field": pods.field(entry, "image"), "value": image}
}
