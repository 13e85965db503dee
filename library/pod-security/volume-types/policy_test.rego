package edict.podsecurity.volumetypes_test

import data.edict.podsecurity.volumetypes as policy

pod(volumes) := {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "web"},
	"spec": {
		"containers": [{"name": "app", "image": "nginx:1.27"}],
		"volumes": volumes,
	},
}

review(obj) := {"review": {"object": obj}}

review_with(obj, allowed) := {"review": {"object": obj}, "parameters": {"allowedVolumeTypes": allowed}}

test_every_standard_type_allowed if {
	volumes := [
		{"name": "a", "configMap": {"name": "cfg"}},
		{"name": "b", "csi": {"driver": "secrets-store.csi.k8s.io"}},
		{"name": "c", "downwardAPI": {"items": []}},
		{"name": "d", "emptyDir": {}},
		{"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
		{"name": "f", "image": {"reference": "registry.example.com/data:1"}},
		{"name": "g", "persistentVolumeClaim": {"claimName": "data"}},
		{"name": "h", "projected": {"sources": []}},
		{"name": "i", "secret": {"secretName": "tls"}},
	]
	count(policy.violation) == 0 with input as review(pod(volumes))
}

test_no_volumes_allowed if {
	count(policy.violation) == 0 with input as review({"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"name": "app"}]}})
}

test_host_path_denied if {
	some v in policy.violation with input as review(pod([{"name": "host", "hostPath": {"path": "/var/log"}}]))
	v.msg == `Pod "web": volume "host" (spec.volumes[0]) uses volume type hostPath; allowed volume types: configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret`
	v.details.type == "hostPath"
}

test_in_tree_sources_denied if {
	volumes := [
		{"name": "a", "emptyDir": {}},
		{"name": "b", "nfs": {"server": "nfs", "path": "/"}},
		{"name": "c", "azureFile": {"secretName": "s", "shareName": "x"}},
		{"name": "d", "gitRepo": {"repository": "https://example.com/r.git"}},
	]
	violations := policy.violation with input as review(pod(volumes))
	{v.details.type | some v in violations} == {"nfs", "azureFile", "gitRepo"}
}

test_unknown_type_denied if {
	count(policy.violation) == 1 with input as review(pod([{"name": "x", "someFutureSource": {}}]))
}

test_volume_without_source_is_empty_dir if {
	count(policy.violation) == 0 with input as review(pod([{"name": "scratch"}]))
	count(policy.violation) == 1 with input as review_with(pod([{"name": "scratch"}]), ["configMap"])
}

test_parameter_replaces_list if {
	count(policy.violation) == 0 with input as review_with(pod([{"name": "host", "hostPath": {"path": "/data"}}]), ["hostPath", "emptyDir"])
	count(policy.violation) == 1 with input as review_with(pod([{"name": "s", "secret": {"secretName": "x"}}]), ["configMap"])
}

test_star_allows_all if {
	count(policy.violation) == 0 with input as review_with(pod([{"name": "host", "hostPath": {"path": "/"}}, {"name": "n", "nfs": {}}]), ["*"])
}

test_empty_list_denies_every_volume if {
	some v in policy.violation with input as review_with(pod([{"name": "s", "secret": {"secretName": "x"}}]), [])
	endswith(v.msg, "allowed volume types: none")
}

test_windows_pods_are_checked_too if {
	obj := object.union(pod([{"name": "host", "hostPath": {"path": "C:\\data"}}]), {"spec": {"os": {"name": "windows"}}})
	count(policy.violation) == 1 with input as review(obj)
}
