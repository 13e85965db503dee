package edict.general.enforcelabels

import data.lib.pods

required := object.get(input, ["parameters", "labels"], ["app.kubernetes.io/name"])

patterns := object.get(input, ["parameters", "allowedRegex"], {})

present := object.get(input.review.object, ["metadata", "labels"], {})

violation contains {"msg": msg, "details": details} if {
	some key in required
	not key in object.keys(present)
	msg := sprintf("%s has no label %s; add it under metadata.labels", [pods.object_name, key])
	details := {"field": sprintf("metadata.labels[%s]", [key]), "required": required}
}

violation contains {"msg": msg, "details": details} if {
	some key, pattern in patterns
	value := present[key]
	regex.is_valid(pattern)
	not regex.match(pattern, sprintf("%v", [value]))
	msg := sprintf("%s has label %s=%q, which does not match %s", [pods.object_name, key, value, pattern])
	details := {"field": sprintf("metadata.labels[%s]", [key]), "value": value, "allowedRegex": pattern}
}

# A pattern that does not compile would otherwise accept every value silently.
violation contains {"msg": msg, "details": details} if {
	some key, pattern in patterns
	not regex.is_valid(pattern)
	msg := sprintf("%s: the allowedRegex %q of label %s is not a valid regular expression; fix the constraint", [pods.object_name, pattern, key])
	details := {"parameter": "allowedRegex", "value": pattern}
}
