package edict.general.csistorageclass

import data.lib.pods

class := input.review.object

provisioner := object.get(class, "provisioner", "")

violation contains {"msg": msg, "details": details} if {
	startswith(provisioner, "kubernetes.io/")
	provisioner != "kubernetes.io/no-provisioner"
	msg := sprintf("%s uses the in-tree provisioner %s; use the storage's CSI driver (for Azure disks disk.csi.azure.com, for Azure Files file.csi.azure.com)", [pods.object_name, provisioner])
	details := {"field": "provisioner", "value": provisioner}
}
