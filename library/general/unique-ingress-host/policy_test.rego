package edict.general.uniqueingresshost_test

import data.edict.general.uniqueingresshost as policy

ingress(ns, name, hosts) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": name, "namespace": ns},
	"spec": {"rules": [{"host": h} | some h in hosts]},
}

inventory(objs) := {"namespace": {ns: {"networking.k8s.io/v1": {"Ingress": {o.metadata.name: o | some o in objs; o.metadata.namespace == ns}}} | some x in objs; ns := x.metadata.namespace}}

review(obj) := {"review": {"object": obj}, "parameters": {}}

test_conflict_in_other_namespace if {
	inv := inventory([ingress("blog", "blog", ["blog.example.com"]), ingress("other", "shop-copy", ["Shop.example.com"])])
	v := policy.violation with input as review(ingress("shop", "shop", ["www.example.com", "shop.example.com"])) with data.inventory as inv
	count(v) == 1
	some x in v
	x.msg == `Ingress "shop": spec.rules[1].host shop.example.com is already used by Ingress other/shop-copy; hosts must be unique across the cluster`
	x.details == {"field": "spec.rules[1].host", "value": "shop.example.com", "conflict": "other/shop-copy"}
}

test_itself_is_no_conflict if {
	me := ingress("shop", "shop", ["shop.example.com"])
	count(policy.violation) == 0 with input as review(me) with data.inventory as inventory([me])
	count(policy.violation) == 1 with input as review(me) with data.inventory as inventory([ingress("shop", "shop-2", ["shop.example.com"])])
}

test_request_namespace_when_object_has_none if {
	me := {"kind": "Ingress", "metadata": {"name": "shop"}, "spec": {"rules": [{"host": "shop.example.com"}]}}
	inv := inventory([ingress("shop", "shop", ["shop.example.com"])])
	count(policy.violation) == 0 with input as {"review": {"object": me, "namespace": "shop"}} with data.inventory as inv
}

test_extensions_group_and_other_kinds if {
	old := {"metadata": {"name": "legacy", "namespace": "old"}, "spec": {"rules": [{"host": "shop.example.com"}]}}
	inv := {"namespace": {"old": {
		"extensions/v1beta1": {"Ingress": {"legacy": old}},
		"v1": {"Service": {"legacy": old}},
	}}}
	v := policy.violation with input as review(ingress("shop", "shop", ["shop.example.com"])) with data.inventory as inv
	count(v) == 1
}

test_rules_without_host_and_no_inventory if {
	count(policy.violation) == 0 with input as review(ingress("shop", "shop", ["shop.example.com"])) with data.inventory as {}
	me := {"kind": "Ingress", "metadata": {"name": "default", "namespace": "shop"}, "spec": {"rules": [{"http": {}}]}}
	other := {"kind": "Ingress", "metadata": {"name": "default", "namespace": "blog"}, "spec": {"rules": [{"http": {}}]}}
	count(policy.violation) == 0 with input as review(me) with data.inventory as inventory([other])
}
