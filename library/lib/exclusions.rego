# Package lib.exclusions implements the cross-policy exclusions an initiative
# sets once for every policy that declares support for them. The compiler adds
# the two parameters to such a policy's schema:
#
#   excludedContainers: container names, matched exactly;
#   excludedImages:     images; an entry ending in `*` matches every image that
#                       starts with the text before the `*`, any other entry
#                       must equal the image.
#
# A missing parameter excludes nothing.
package lib.exclusions

import data.lib.pods

excluded(container) if {
	container.name in parameter("excludedContainers")
}

excluded(container) if {
	some pattern in parameter("excludedImages")
	image_matches(object.get(container, "image", ""), pattern)
}

image_matches(image, pattern) if {
	endswith(pattern, "*")
	startswith(image, trim_suffix(pattern, "*"))
}

image_matches(image, pattern) if {
	not endswith(pattern, "*")
	image == pattern
}

# checked_containers are the container entries of lib.pods.containers that no
# exclusion covers: the ones a policy inspects.
checked_containers contains entry if {
	some entry in pods.containers
	not excluded(entry.container)
}

# all_excluded holds when the Pod has containers and every one is excluded.
# Pod-level settings only take effect through containers, so policies skip
# them in that case.
all_excluded if {
	count(pods.containers) > 0
	count(checked_containers) == 0
}

parameter(name) := value if {
	value := object.get(input, ["parameters", name], [])
	is_array(value)
} else := []
