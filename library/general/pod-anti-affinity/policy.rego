package edict.general.podantiaffinity

import data.lib.pods

workload := input.review.object

min_replicas := object.get(input, ["parameters", "minReplicas"], 2)

replicas := object.get(workload, ["spec", "replicas"], 1)

pod_spec := object.get(workload, ["spec", "template", "spec"], {})

controlled if {
	some ref in object.get(workload, ["metadata", "ownerReferences"], [])
	ref.controller == true
}

anti_affinity if {
	some term in ["requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"]
	count(object.get(pod_spec, ["affinity", "podAntiAffinity", term], [])) > 0
}

spread if count(object.get(pod_spec, "topologySpreadConstraints", [])) > 0

violation contains {"msg": msg, "details": details} if {
	not controlled
	replicas >= min_replicas
	not anti_affinity
	not spread
	msg := sprintf(
		"%s runs %v replicas without spec.template.spec.affinity.podAntiAffinity or spec.template.spec.topologySpreadConstraints; spread the replicas so that one node failure does not take them all",
		[pods.object_name, replicas],
	)
	details := {"field": "spec.template.spec.topologySpreadConstraints", "replicas": replicas}
}
