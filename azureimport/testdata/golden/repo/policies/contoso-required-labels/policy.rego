package k8scontosorequiredlabels

violation contains {"msg": msg, "details": {"missing": missing}} if {
	provided := {label | input.review.object.metadata.labels[label]}
	required := {label | label := input.parameters.labels[_]}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("%v is missing the labels %v", [input.review.object.metadata.name, missing])
}
