package edict.general.enforceannotations_test

import data.edict.general.enforceannotations as policy

pod(annotations) := {"kind": "Pod", "metadata": {"name": "web", "namespace": "shop", "annotations": annotations}}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_default_requires_nothing if {
	count(policy.violation) == 0 with input as review(pod({}), {})
}

test_missing_annotation if {
	v := policy.violation with input as review(pod({"owner": "shop"}), {"annotations": [{"key": "contoso.com/owner"}]})
	count(v) == 1
	some x in v
	x.msg == `Pod "web" has no annotation contoso.com/owner; add it under metadata.annotations`
	x.details == {"field": "metadata.annotations[contoso.com/owner]", "required": ["contoso.com/owner"]}
}

test_no_annotations_at_all if {
	count(policy.violation) == 1 with input as review({"kind": "Pod", "metadata": {"name": "web"}}, {"annotations": [{"key": "a"}]})
}

params := {"annotations": [{"key": "team", "allowedRegex": "^team-[a-z]+$"}, {"key": "cost-center"}]}

test_pattern if {
	count(policy.violation) == 0 with input as review(pod({"team": "team-shop", "cost-center": "4711"}), params)
	v := policy.violation with input as review(pod({"team": "Shop", "cost-center": "4711"}), params)
	count(v) == 1
	some x in v
	x.msg == `Pod "web" has annotation team="Shop", which does not match ^team-[a-z]+$`
	x.details == {"field": "metadata.annotations[team]", "value": "Shop", "allowedRegex": "^team-[a-z]+$"}
}

test_each_missing_label_reported if {
	count(policy.violation) == 2 with input as review(pod({}), params)
}

test_empty_pattern_accepts_any_value if {
	count(policy.violation) == 0 with input as review(pod({"team": ""}), {"annotations": [{"key": "team", "allowedRegex": ""}]})
}

test_invalid_pattern_reported if {
	some x in policy.violation with input as review(pod({"team": "a"}), {"annotations": [{"key": "team", "allowedRegex": "("}]})
	x.msg == `Pod "web": the allowedRegex "(" of annotation team is not a valid regular expression; fix the constraint`
}
