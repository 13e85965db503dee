package edict.general.enforceannotations

import data.lib.pods

required := object.get(input, ["parameters", "annotations"], [])

present := object.get(input.review.object, ["metadata", "annotations"], {})

violation contains {"msg": msg, "details": details} if {
	some want in required
	not want.key in object.keys(present)
	msg := sprintf("%s has no annotation %s; add it under metadata.annotations", [pods.object_name, want.key])
	details := {"field": sprintf("metadata.annotations[%s]", [want.key]), "required": [r.key | some r in required]}
}

violation contains {"msg": msg, "details": details} if {
	some want in required
	pattern := object.get(want, "allowedRegex", "")
	pattern != ""
	value := present[want.key]
	regex.is_valid(pattern)
	not regex.match(pattern, sprintf("%v", [value]))
	msg := sprintf("%s has annotation %s=%q, which does not match %s", [pods.object_name, want.key, value, pattern])
	details := {"field": sprintf("metadata.annotations[%s]", [want.key]), "value": value, "allowedRegex": pattern}
}

# A pattern that does not compile would otherwise accept every value silently.
violation contains {"msg": msg, "details": details} if {
	some want in required
	pattern := object.get(want, "allowedRegex", "")
	not regex.is_valid(pattern)
	msg := sprintf("%s: the allowedRegex %q of annotation %s is not a valid regular expression; fix the constraint", [pods.object_name, pattern, want.key])
	details := {"parameter": "annotations", "value": pattern}
}
