package edict.general.uniqueserviceselector

import data.lib.pods

service := input.review.object

namespace := object.get(service, ["metadata", "namespace"], object.get(input, ["review", "namespace"], ""))

selector := object.get(service, ["spec", "selector"], {})

# The selector as one comparable string: key=value pairs in key order.
flat(sel) := concat(",", [sprintf("%s=%s", [k, sel[k]]) | some k in sort(object.keys(sel))])

violation contains {"msg": msg, "details": details} if {
	count(selector) > 0
	some name, other in data.inventory.namespace[namespace].v1.Service
	name != service.metadata.name
	flat(object.get(other, ["spec", "selector"], {})) == flat(selector)
	msg := sprintf("%s has the same spec.selector (%s) as Service %q in namespace %s; each Service must select its own Pods", [pods.object_name, flat(selector), name, namespace])
	details := {"field": "spec.selector", "value": selector, "conflict": sprintf("%s/%s", [namespace, name])}
}
