package p_test

import rego.v1

import data.p

test_two_violations if {
	pod := {"spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}
	result := p.violation with input as {"review": {"object": pod}}
	count(result) == 2
}

test_message if {
	result := p.violation with input as {"review": {"object": {"spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}}}
	some v in result
	v.msg == "container b is privileged"
}

test_ok if {
	true
}
