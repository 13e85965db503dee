package edict.general.nonodeportservices_test

import data.edict.general.nonodeportservices as policy

svc(spec) := {"review": {"object": {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec}}}

test_nodeport_denied if {
	v := policy.violation with input as svc({"type": "NodePort", "ports": [{"port": 80}]})
	count(v) == 1
	some x in v
	x.msg == `Service "web" has spec.type=NodePort; NodePort Services are not allowed, use ClusterIP behind an Ingress or an internal LoadBalancer`
	x.details == {"field": "spec.type", "value": "NodePort"}
}

test_nodeport_numbers_named if {
	some x in policy.violation with input as svc({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}, {"port": 443, "nodePort": 30443}]})
	contains(x.msg, "(node ports 30080, 30443)")
}

test_other_types_allowed if {
	count(policy.violation) == 0 with input as svc({"type": "ClusterIP", "ports": [{"port": 80}]})
	count(policy.violation) == 0 with input as svc({"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080}]})
	count(policy.violation) == 0 with input as svc({"ports": [{"port": 80}]})
}
