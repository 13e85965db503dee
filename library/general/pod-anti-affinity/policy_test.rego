package edict.general.podantiaffinity_test

import data.edict.general.podantiaffinity as policy

workload(kind, replicas, pod_spec) := {"kind": kind, "metadata": {"name": "web", "namespace": "shop"}, "spec": {"replicas": replicas, "template": {"spec": pod_spec}}}

containers := {"containers": [{"name": "web", "image": "contoso.azurecr.io/web:1"}]}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

test_unspread_replicas_denied if {
	v := policy.violation with input as review(workload("Deployment", 3, containers), {})
	count(v) == 1
	some x in v
	x.msg == `Deployment "web" runs 3 replicas without spec.template.spec.affinity.podAntiAffinity or spec.template.spec.topologySpreadConstraints; spread the replicas so that one node failure does not take them all`
	x.details == {"field": "spec.template.spec.topologySpreadConstraints", "replicas": 3}
}

test_anti_affinity_allowed if {
	term := {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}
	required := object.union(containers, {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}})
	preferred := object.union(containers, {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}}})
	count(policy.violation) == 0 with input as review(workload("StatefulSet", 3, required), {})
	count(policy.violation) == 0 with input as review(workload("StatefulSet", 3, preferred), {})
}

test_empty_anti_affinity_denied if {
	empty := object.union(containers, {"affinity": {"podAntiAffinity": {}, "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone"}]}}})
	count(policy.violation) == 1 with input as review(workload("Deployment", 2, empty), {})
}

test_topology_spread_allowed if {
	spread := object.union(containers, {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}]})
	count(policy.violation) == 0 with input as review(workload("ReplicationController", 4, spread), {})
}

test_single_replica_not_checked if {
	count(policy.violation) == 0 with input as review(workload("Deployment", 1, containers), {})
	count(policy.violation) == 0 with input as review({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": containers}}}, {})
	count(policy.violation) == 1 with input as review(workload("Deployment", 1, containers), {"minReplicas": 0})
}

test_controlled_replicaset_skipped if {
	rs := object.union(workload("ReplicaSet", 3, containers), {"metadata": {"ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}})
	count(policy.violation) == 0 with input as review(rs, {})
}
