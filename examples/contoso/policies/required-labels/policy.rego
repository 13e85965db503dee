package contoso.required_labels

violation contains {"msg": msg, "details": {"missing": missing}} if {
	obj := input.review.object
	provided := {k | some k, v in object.get(obj.metadata, "labels", {}); v != ""}
	required := {k | some k in object.get(input.parameters, "labels", [])}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("%s %q must set the labels %v", [obj.kind, obj.metadata.name, sort(missing)])
}
