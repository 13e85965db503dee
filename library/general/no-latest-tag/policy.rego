package edict.general.nolatesttag

import data.lib.exclusions
import data.lib.pods

disallowed := object.get(input, ["parameters", "disallowedTags"], ["latest"])

# tag is the tag of an image reference without a digest, "" when there is none. A ":" in an
# earlier path segment is a registry port, not a tag.
tag(image) := parts[1] if {
	segments := split(image, "/")
	parts := split(segments[count(segments) - 1], ":")
	count(parts) > 1
} else := ""

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	image := object.get(entry.container, "image", "")
	is_string(image)
	image != ""
	not contains(image, "@")
	t := tag(image)
	problem := finding(image, t)
	msg := sprintf("%s: %s %s; use an explicit tag other than %s, or a digest", [pods.object_name, pods.container_label(entry), problem, concat(", ", disallowed)])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "image"),
		"value": image,
		"disallowedTags": disallowed,
	}
}

finding(image, "") := sprintf("uses image %q without a tag, which means latest", [image]) if "latest" in disallowed

finding(image, t) := sprintf("uses image %q with the tag %q", [image, t]) if {
	t != ""
	t in disallowed
}
