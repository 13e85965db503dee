package edict.general.nodefaultnamespace_test

import data.edict.general.nodefaultnamespace as policy

object(kind, name, ns) := {"kind": kind, "metadata": {"name": name, "namespace": ns}}

review(obj) := {"review": {"object": obj}, "parameters": {}}

test_default_namespace_denied if {
	v := policy.violation with input as review(object("Pod", "web", "default"))
	count(v) == 1
	some x in v
	x.msg == `Pod "web" is in the default namespace; create it in a namespace of its own`
	x.details == {"field": "metadata.namespace", "value": "default"}
}

test_other_namespace_allowed if {
	count(policy.violation) == 0 with input as review(object("Service", "web", "shop"))
}

test_missing_namespace_counts_as_default if {
	some x in policy.violation with input as review({"kind": "ServiceAccount", "metadata": {"name": "builder"}})
	x.msg == `ServiceAccount "builder" has no metadata.namespace, so it lands in the default namespace; create it in a namespace of its own`
}

test_request_namespace_used_when_object_has_none if {
	count(policy.violation) == 0 with input as {"review": {"namespace": "shop", "object": {"kind": "Pod", "metadata": {"name": "web"}}}}
	count(policy.violation) == 1 with input as {"review": {"namespace": "default", "object": {"kind": "Pod", "metadata": {"name": "web"}}}}
}

test_builtin_objects_not_reported if {
	count(policy.violation) == 0 with input as review(object("ServiceAccount", "default", "default"))
	count(policy.violation) == 0 with input as review(object("Service", "kubernetes", "default"))
	count(policy.violation) == 1 with input as review(object("Service", "default", "default"))
	count(policy.violation) == 1 with input as review(object("Pod", "kubernetes", "default"))
}
