package lib.repolabels

# missing returns the required label keys obj does not set to a non-empty value.
missing(obj, required) := {k |
	some k in required
	object.get(object.get(obj.metadata, "labels", {}), k, "") == ""
}
