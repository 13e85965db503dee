package p

import rego.v1

violation contains {"msg": msg} if {
	some c in input.review.object.spec.containers
	c.securityContext.privileged
	msg := sprintf("container %v is privileged", [c.name])
}
