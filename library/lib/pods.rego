# Package lib.pods reads the Pod under review (input.review.object) for the
# policies of the library, so that every policy walks containers, names objects
# and detects Windows pods the same way.
#
# Container entries. `containers` is a set with one entry per container of the
# Pod, whichever list holds it:
#
#   {"container": <the container object>,
#    "list": "initContainers" | "containers" | "ephemeralContainers",
#    "index": <position in that list>}
#
# Iterate it with `some entry in pods.containers`; use `container_label(entry)`
# and `field(entry, "securityContext.privileged")` to name the container and the
# field in messages and details.
package lib.pods

# pod is the object under review. Gatekeeper expansion turns workloads
# (Deployment, Job, ...) into a Pod, so the policies only ever read Pods.
pod := object.get(input, ["review", "object"], {})

# kind is the reviewed object's kind, for messages.
kind := object.get(pod, "kind", "Pod")

# spec is the Pod spec, {} when absent.
spec := object.get(pod, "spec", {})

# annotations are the Pod's annotations, {} when absent.
annotations := object.get(pod, ["metadata", "annotations"], {})

# security_context is the pod-level securityContext, {} when unset. A YAML
# `securityContext:` with no value decodes to null; the API server would drop
# it, so offline reviews must treat it as unset too.
security_context := as_object(object.get(spec, "securityContext", {}))

# lists are the Pod spec fields that hold containers, in the order Kubernetes'
# Pod Security admission visits them.
lists := ["initContainers", "containers", "ephemeralContainers"]

containers contains {"container": c, "list": list, "index": i} if {
	some list in lists
	some i, c in object.get(spec, list, [])
}

# object_name names the reviewed object for messages: `Pod "web"`. Pods created
# by a controller may have only metadata.generateName at admission time.
object_name := sprintf("%s %q", [kind, name]) if {
	name := object.get(pod, ["metadata", "name"], "")
	name != ""
} else := sprintf("%s with generateName %q", [kind, generate_name]) if {
	generate_name := object.get(pod, ["metadata", "generateName"], "")
	generate_name != ""
} else := kind

singular := {
	"containers": "container",
	"initContainers": "initContainer",
	"ephemeralContainers": "ephemeralContainer",
}

# container_label names a container entry with the list it is in, e.g.
# `container "app"`, `initContainer "setup"`, `ephemeralContainer "debugger"`.
container_label(entry) := sprintf("%s %q", [singular[entry.list], object.get(entry.container, "name", "")])

# field is the full path of a field of a container entry, e.g.
# field(entry, "securityContext.privileged") = "spec.initContainers[0].securityContext.privileged".
field(entry, path) := sprintf("spec.%s[%d].%s", [entry.list, entry.index, path])

# container_security_context is a container's securityContext, {} when unset or null.
container_security_context(container) := as_object(object.get(container, "securityContext", {}))

# as_object returns x when it is an object and {} otherwise.
as_object(x) := x if is_object(x)

as_object(x) := {} if not is_object(x)

# is_windows holds for Pods that declare the Windows OS. The Pod Security
# Standards exempt such Pods from some Linux-only controls.
is_windows if spec.os.name == "windows"

# user_namespace holds for Pods that run in their own user namespace
# (spec.hostUsers: false); the standard relaxes some controls for them.
user_namespace if spec.hostUsers == false
