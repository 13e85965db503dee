package edict.general.httpsonlyingress

import data.lib.pods

ingress := input.review.object

annotation := "kubernetes.io/ingress.allow-http"

tls_optional := object.get(input, ["parameters", "tlsOptional"], false)

violation contains {"msg": msg, "details": details} if {
	not tls_optional
	count(object.get(ingress, ["spec", "tls"], [])) == 0
	msg := sprintf("%s has no spec.tls; configure TLS so that the Ingress is served over HTTPS", [pods.object_name])
	details := {"field": "spec.tls"}
}

violation contains {"msg": msg, "details": details} if {
	value := object.get(ingress, ["metadata", "annotations", annotation], null)
	value != "false"
	msg := sprintf("%s %s; set the annotation %s: \"false\" so that plain HTTP is not served", [pods.object_name, allow_http(value), annotation])
	details := {"field": sprintf("metadata.annotations[%s]", [annotation]), "value": value, "allowed": ["false"]}
}

allow_http(null) := sprintf("does not set the annotation %s", [annotation])

allow_http(value) := sprintf("sets the annotation %s=%v", [annotation, value]) if value != null
