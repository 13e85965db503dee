package edict.general.replicalimits_test

import data.edict.general.replicalimits as policy

deployment(spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_within_default_limits if {
	count(policy.violation) == 0 with input as review(deployment({"replicas": 3}), {})
	count(policy.violation) == 0 with input as review(deployment({}), {})
}

test_above_maximum if {
	v := policy.violation with input as review(deployment({"replicas": 80}), {})
	count(v) == 1
	some x in v
	x.msg == `Deployment "web" asks for 80 replicas (spec.replicas); allowed: 1 to 50`
	x.details == {"field": "spec.replicas", "value": 80, "minimum": 1, "maximum": 50}
}

test_below_minimum if {
	params := {"minReplicas": 2, "maxReplicas": 10}
	some x in policy.violation with input as review(deployment({"replicas": 1}), params)
	x.msg == `Deployment "web" asks for 1 replicas (spec.replicas); allowed: 2 to 10`
	some y in policy.violation with input as review(deployment({}), params)
	y.msg == `Deployment "web" asks for 1 replicas (spec.replicas, unset, defaults to 1); allowed: 2 to 10`
	count(policy.violation) == 0 with input as review(deployment({"replicas": 10}), params)
}

test_zero_replicas if {
	count(policy.violation) == 1 with input as review(deployment({"replicas": 0}), {})
	count(policy.violation) == 0 with input as review(deployment({"replicas": 0}), {"minReplicas": 0})
}

test_controlled_replicaset_skipped if {
	rs := {"kind": "ReplicaSet", "metadata": {"name": "web-5d4f", "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}, "spec": {"replicas": 80}}
	count(policy.violation) == 0 with input as review(rs, {})
	bare := object.union(rs, {"metadata": {"ownerReferences": [{"kind": "Thing", "name": "x"}]}})
	count(policy.violation) == 1 with input as review(bare, {})
}
