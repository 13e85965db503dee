package edict.allowed_images

import data.lib.exclusions
import data.lib.pods

repositories := object.get(input, ["parameters", "repositories"], [])

violation contains {"msg": msg, "details": details} if {
	some entry in exclusions.checked_containers
	image := object.get(entry.container, "image", "")
	not allowed(image)
	msg := sprintf("%s: %s uses image %q; %s", [pods.object_name, pods.container_label(entry), image, allowed_text])
	details := {
		"container": entry.container.name,
		"field": pods.field(entry, "image"),
		"value": image,
		"allowed": repositories,
	}
}

allowed(image) if {
	some prefix in repositories
	prefix != ""
	some form in {image, qualified(image)}
	startswith(form, prefix)
}

allowed_text := "no repositories are allowed; set the repositories parameter" if {
	count(repositories) == 0
} else := sprintf("images must start with one of: %s", [concat(", ", sort(repositories))])

# qualified spells an image the way Docker resolves it: a first path component
# without a dot or colon that is not localhost is a Docker Hub repository, and
# single-component names live under library/.
qualified(image) := concat("/", ["docker.io/library", image]) if {
	not contains(image, "/")
} else := concat("/", ["docker.io", image]) if {
	first := split(image, "/")[0]
	not contains(first, ".")
	not contains(first, ":")
	first != "localhost"
} else := image
