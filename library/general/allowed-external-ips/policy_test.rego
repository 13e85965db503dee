package edict.general.allowedexternalips_test

import data.edict.general.allowedexternalips as policy

svc(ips) := {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"externalIPs": ips}}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_no_external_ip_allowed_by_default if {
	v := policy.violation with input as review(svc(["203.0.113.7"]), {})
	count(v) == 1
	some x in v
	x.msg == `Service "web": spec.externalIPs[0]=203.0.113.7 is not an allowed external IP; no external IP is allowed`
	x.details == {"field": "spec.externalIPs[0]", "value": "203.0.113.7", "allowed": []}
}

test_listed_ip_allowed if {
	params := {"allowedExternalIPs": ["203.0.113.9", "203.0.113.7"]}
	count(policy.violation) == 0 with input as review(svc(["203.0.113.7"]), params)
	some x in policy.violation with input as review(svc(["203.0.113.7", "198.51.100.1"]), params)
	x.msg == `Service "web": spec.externalIPs[1]=198.51.100.1 is not an allowed external IP; allowed: 203.0.113.7, 203.0.113.9`
}

test_service_without_external_ips if {
	count(policy.violation) == 0 with input as review({"kind": "Service", "metadata": {"name": "web"}, "spec": {}}, {})
}
