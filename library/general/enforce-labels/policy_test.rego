package edict.general.enforcelabels_test

import data.edict.general.enforcelabels as policy

pod(labels) := {"kind": "Pod", "metadata": {"name": "web", "namespace": "shop", "labels": labels}}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_default_name_label if {
	count(policy.violation) == 0 with input as review(pod({"app.kubernetes.io/name": "web"}), {})
	v := policy.violation with input as review(pod({"app": "web"}), {})
	count(v) == 1
	some x in v
	x.msg == `Pod "web" has no label app.kubernetes.io/name; add it under metadata.labels`
	x.details == {"field": "metadata.labels[app.kubernetes.io/name]", "required": ["app.kubernetes.io/name"]}
}

test_no_labels_at_all if {
	count(policy.violation) == 1 with input as review({"kind": "Pod", "metadata": {"name": "web"}}, {})
}

params := {"labels": ["team", "cost-center"], "allowedRegex": {"team": "^team-[a-z]+$"}}

test_pattern if {
	count(policy.violation) == 0 with input as review(pod({"team": "team-shop", "cost-center": "4711"}), params)
	v := policy.violation with input as review(pod({"team": "Shop", "cost-center": "4711"}), params)
	count(v) == 1
	some x in v
	x.msg == `Pod "web" has label team="Shop", which does not match ^team-[a-z]+$`
	x.details == {"field": "metadata.labels[team]", "value": "Shop", "allowedRegex": "^team-[a-z]+$"}
}

test_each_missing_label_reported if {
	count(policy.violation) == 2 with input as review(pod({}), params)
}

test_pattern_of_an_optional_label if {
	p := {"labels": [], "allowedRegex": {"tier": "^(web|db)$"}}
	count(policy.violation) == 0 with input as review(pod({}), p)
	count(policy.violation) == 1 with input as review(pod({"tier": "cache"}), p)
}

test_invalid_pattern_reported if {
	some x in policy.violation with input as review(pod({"team": "a"}), {"labels": [], "allowedRegex": {"team": "("}})
	x.msg == `Pod "web": the allowedRegex "(" of label team is not a valid regular expression; fix the constraint`
}

test_empty_list_requires_nothing if {
	count(policy.violation) == 0 with input as review(pod({}), {"labels": []})
}
