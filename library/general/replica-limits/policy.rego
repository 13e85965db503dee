package edict.general.replicalimits

import data.lib.pods

workload := input.review.object

min_replicas := object.get(input, ["parameters", "minReplicas"], 1)

max_replicas := object.get(input, ["parameters", "maxReplicas"], 50)

replicas := object.get(workload, ["spec", "replicas"], 1)

# A ReplicaSet of a Deployment gets its replicas from the Deployment, which
# is judged itself.
controlled if {
	some ref in object.get(workload, ["metadata", "ownerReferences"], [])
	ref.controller == true
}

violation contains {"msg": msg, "details": details} if {
	not controlled
	not within
	msg := sprintf("%s asks for %v replicas (spec.replicas%s); allowed: %v to %v", [pods.object_name, replicas, defaulted, min_replicas, max_replicas])
	details := {"field": "spec.replicas", "value": replicas, "minimum": min_replicas, "maximum": max_replicas}
}

within if {
	replicas >= min_replicas
	replicas <= max_replicas
}

defaulted := "" if workload.spec.replicas

else := ", unset, defaults to 1"
