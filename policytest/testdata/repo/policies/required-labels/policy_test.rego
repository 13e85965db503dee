package repo.required_labels_test

import data.repo.required_labels

test_labelled_pod_allowed if {
	count(required_labels.violation) == 0 with input as {
		"review": {"object": {"kind": "Pod", "metadata": {"name": "p", "labels": {"owner": "a"}}}},
		"parameters": {"labels": ["owner"]},
	}
}

test_unlabelled_pod_denied if {
	some v in required_labels.violation with input as {
		"review": {"object": {"kind": "Pod", "metadata": {"name": "p"}}},
		"parameters": {"labels": ["owner", "team"]},
	}
	v.msg == `Pod "p" must set the labels ["owner", "team"]`
}
