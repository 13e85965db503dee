package edict.general.uniqueingresshost

import data.lib.pods

ingress := input.review.object

namespace := object.get(ingress, ["metadata", "namespace"], object.get(input, ["review", "namespace"], ""))

# Replicated Ingresses, whichever API version Gatekeeper stored them under.
others contains other if {
	some ns, by_version in data.inventory.namespace
	some version, by_kind in by_version
	regex.match(`^(networking\.k8s\.io|extensions)/`, version)
	some other in object.get(by_kind, "Ingress", {})
	not same_object(ns, other)
}

same_object(ns, other) if {
	ns == namespace
	other.metadata.name == ingress.metadata.name
}

violation contains {"msg": msg, "details": details} if {
	some i, rule in object.get(ingress, ["spec", "rules"], [])
	host := lower(object.get(rule, "host", ""))
	host != ""
	some other in others
	some other_rule in object.get(other, ["spec", "rules"], [])
	lower(object.get(other_rule, "host", "")) == host
	msg := sprintf("%s: spec.rules[%d].host %s is already used by Ingress %s/%s; hosts must be unique across the cluster", [pods.object_name, i, rule.host, other.metadata.namespace, other.metadata.name])
	details := {"field": sprintf("spec.rules[%d].host", [i]), "value": rule.host, "conflict": sprintf("%s/%s", [other.metadata.namespace, other.metadata.name])}
}
