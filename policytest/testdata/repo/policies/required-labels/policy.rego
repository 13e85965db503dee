package repo.required_labels

import data.lib.repolabels

violation contains {"msg": msg, "details": {"missing": missing}} if {
	obj := input.review.object
	missing := repolabels.missing(obj, object.get(input.parameters, "labels", []))
	count(missing) > 0
	msg := sprintf("%s %q must set the labels %v", [obj.kind, obj.metadata.name, sort(missing)])
}

# Deliberately untested, so that coverage is below 100%.
violation contains {"msg": msg} if {
	input.review.object.metadata.labels.owner == "nobody"
	msg := "owner nobody is not a real owner"
}
