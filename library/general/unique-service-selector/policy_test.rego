package edict.general.uniqueserviceselector_test

import data.edict.general.uniqueserviceselector as policy

svc(ns, name, selector) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": {"selector": selector}}

inventory(objs) := {"namespace": {ns: {"v1": {"Service": {o.metadata.name: o | some o in objs; o.metadata.namespace == ns}}} | some x in objs; ns := x.metadata.namespace}}

review(obj) := {"review": {"object": obj}, "parameters": {}}

test_same_selector_in_namespace if {
	inv := inventory([svc("shop", "web", {"tier": "web", "app": "shop"}), svc("shop", "db", {"app": "db"})])
	v := policy.violation with input as review(svc("shop", "web-copy", {"app": "shop", "tier": "web"})) with data.inventory as inv
	count(v) == 1
	some x in v
	x.msg == `Service "web-copy" has the same spec.selector (app=shop,tier=web) as Service "web" in namespace shop; each Service must select its own Pods`
	x.details == {"field": "spec.selector", "value": {"app": "shop", "tier": "web"}, "conflict": "shop/web"}
}

test_other_namespace_or_selector_allowed if {
	inv := inventory([svc("blog", "web", {"app": "shop"}), svc("shop", "web-v2", {"app": "shop", "version": "2"})])
	count(policy.violation) == 0 with input as review(svc("shop", "web", {"app": "shop"})) with data.inventory as inv
}

test_itself_is_no_conflict if {
	me := svc("shop", "web", {"app": "shop"})
	count(policy.violation) == 0 with input as review(me) with data.inventory as inventory([me])
}

test_no_selector_not_compared if {
	me := {"kind": "Service", "metadata": {"name": "external", "namespace": "shop"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
	other := {"kind": "Service", "metadata": {"name": "manual", "namespace": "shop"}, "spec": {}}
	count(policy.violation) == 0 with input as review(me) with data.inventory as inventory([other])
}

test_request_namespace if {
	me := {"kind": "Service", "metadata": {"name": "web-copy"}, "spec": {"selector": {"app": "shop"}}}
	inv := inventory([svc("shop", "web", {"app": "shop"})])
	count(policy.violation) == 1 with input as {"review": {"object": me, "namespace": "shop"}} with data.inventory as inv
}
