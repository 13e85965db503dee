package edict.general.csistorageclass_test

import data.edict.general.csistorageclass as policy

class(provisioner) := {"review": {"object": {"kind": "StorageClass", "metadata": {"name": "managed"}, "provisioner": provisioner}}}

test_in_tree_provisioner_denied if {
	v := policy.violation with input as class("kubernetes.io/azure-disk")
	count(v) == 1
	some x in v
	x.msg == `StorageClass "managed" uses the in-tree provisioner kubernetes.io/azure-disk; use the storage's CSI driver (for Azure disks disk.csi.azure.com, for Azure Files file.csi.azure.com)`
	x.details == {"field": "provisioner", "value": "kubernetes.io/azure-disk"}
}

test_csi_and_static_allowed if {
	count(policy.violation) == 0 with input as class("disk.csi.azure.com")
	count(policy.violation) == 0 with input as class("ebs.csi.aws.com")
	count(policy.violation) == 0 with input as class("kubernetes.io/no-provisioner")
	count(policy.violation) == 0 with input as {"review": {"object": {"kind": "StorageClass", "metadata": {"name": "x"}}}}
}
