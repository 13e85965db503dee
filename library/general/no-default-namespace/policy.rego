package edict.general.nodefaultnamespace

import data.lib.pods

obj := input.review.object

# An object without a namespace is applied to the default namespace by
# kubectl; at admission the request carries the namespace when the object
# does not.
namespace := ns if {
	ns := object.get(obj, ["metadata", "namespace"], "")
	ns != ""
} else := object.get(input, ["review", "namespace"], "")

in_default if namespace == "default"

in_default if namespace == ""

# Objects Kubernetes creates in every cluster's default namespace.
builtin_object if {
	obj.kind == "ServiceAccount"
	obj.metadata.name == "default"
}

builtin_object if {
	obj.kind == "Service"
	obj.metadata.name == "kubernetes"
}

violation contains {"msg": msg, "details": details} if {
	in_default
	not builtin_object
	msg := sprintf("%s %s; create it in a namespace of its own", [pods.object_name, where])
	details := {"field": "metadata.namespace", "value": namespace}
}

where := "is in the default namespace" if namespace == "default"

else := "has no metadata.namespace, so it lands in the default namespace"
