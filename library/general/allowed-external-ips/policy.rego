package edict.general.allowedexternalips

import data.lib.pods

service := input.review.object

allowed := object.get(input, ["parameters", "allowedExternalIPs"], [])

violation contains {"msg": msg, "details": details} if {
	some i, ip in object.get(service, ["spec", "externalIPs"], [])
	not ip in allowed
	msg := sprintf("%s: spec.externalIPs[%d]=%v is not an allowed external IP; %s", [pods.object_name, i, ip, allowed_text])
	details := {"field": sprintf("spec.externalIPs[%d]", [i]), "value": ip, "allowed": allowed}
}

allowed_text := sprintf("allowed: %s", [concat(", ", sort(allowed))]) if count(allowed) > 0

else := "no external IP is allowed"
