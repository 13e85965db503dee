package contoso.required_labels_test

import data.contoso.required_labels

pod(labels) := {"kind": "Pod", "metadata": {"name": "web", "labels": labels}}

test_all_labels_present if {
	count(required_labels.violation) == 0 with input as {
		"review": {"object": pod({"owner": "a", "cost-center": "42"})},
		"parameters": {"labels": ["owner", "cost-center"]},
	}
}

test_missing_label if {
	some v in required_labels.violation with input as {
		"review": {"object": pod({"owner": "a"})},
		"parameters": {"labels": ["owner", "cost-center"]},
	}
	v.details.missing == {"cost-center"}
}

test_empty_value_counts_as_missing if {
	count(required_labels.violation) == 1 with input as {
		"review": {"object": pod({"owner": ""})},
		"parameters": {"labels": ["owner"]},
	}
}

test_no_labels_at_all if {
	count(required_labels.violation) == 1 with input as {
		"review": {"object": {"kind": "Pod", "metadata": {"name": "bare"}}},
		"parameters": {"labels": ["owner"]},
	}
}
