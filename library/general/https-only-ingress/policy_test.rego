package edict.general.httpsonlyingress_test

import data.edict.general.httpsonlyingress as policy

ingress(annotations, spec) := {"kind": "Ingress", "metadata": {"name": "shop", "namespace": "shop", "annotations": annotations}, "spec": spec}

https := {"tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}], "rules": [{"host": "shop.example.com"}]}

off := {"kubernetes.io/ingress.allow-http": "false"}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_https_only_allowed if {
	count(policy.violation) == 0 with input as review(ingress(off, https), {})
}

test_missing_tls_denied if {
	v := policy.violation with input as review(ingress(off, {"rules": [{"host": "shop.example.com"}]}), {})
	count(v) == 1
	some x in v
	x.msg == `Ingress "shop" has no spec.tls; configure TLS so that the Ingress is served over HTTPS`
	x.details == {"field": "spec.tls"}
}

test_empty_tls_denied if {
	count(policy.violation) == 1 with input as review(ingress(off, {"tls": []}), {})
}

test_missing_annotation_denied if {
	v := policy.violation with input as review(ingress({}, https), {})
	count(v) == 1
	some x in v
	x.msg == `Ingress "shop" does not set the annotation kubernetes.io/ingress.allow-http; set the annotation kubernetes.io/ingress.allow-http: "false" so that plain HTTP is not served`
	x.details.value == null
}

test_annotation_true_denied if {
	some x in policy.violation with input as review(ingress({"kubernetes.io/ingress.allow-http": "true"}, https), {})
	contains(x.msg, "sets the annotation kubernetes.io/ingress.allow-http=true")
}

test_neither_gives_two if {
	count(policy.violation) == 2 with input as review({"kind": "Ingress", "metadata": {"name": "shop"}, "spec": {}}, {})
}

test_tls_optional if {
	count(policy.violation) == 0 with input as review(ingress(off, {}), {"tlsOptional": true})
	count(policy.violation) == 1 with input as review(ingress({}, {}), {"tlsOptional": true})
}
