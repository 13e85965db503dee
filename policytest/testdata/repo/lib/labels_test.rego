package lib.repolabels_test

import data.lib.repolabels

test_missing_label if {
	repolabels.missing({"metadata": {"labels": {"a": "1"}}}, ["a", "b"]) == {"b"}
}

test_empty_value_is_missing if {
	repolabels.missing({"metadata": {"labels": {"a": ""}}}, ["a"]) == {"a"}
}

test_no_labels if {
	repolabels.missing({"metadata": {}}, ["a"]) == {"a"}
}
