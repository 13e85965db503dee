package edict.general.allowedusersgroups_test

import data.edict.general.allowedusersgroups as policy

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}

review(spec, params) := {"review": {"object": pod(spec)}, "parameters": params}

c(name, ctx) := {"name": name, "image": "registry.example.com/app:1", "securityContext": ctx}

bare(name) := {"name": name, "image": "registry.example.com/app:1"}

# Azure's restricted initiative.
azure_restricted := {
	"runAsUserRule": "MustRunAsNonRoot",
	"runAsGroupRule": "MustRunAs",
	"runAsGroupRanges": [{"min": 1, "max": 65535}],
	"supplementalGroupsRule": "MustRunAs",
	"supplementalGroupsRanges": [{"min": 1, "max": 65535}],
	"fsGroupRule": "MustRunAs",
	"fsGroupRanges": [{"min": 1, "max": 65535}],
}

# --- runAsUser: MustRunAsNonRoot (the default)

test_default_non_root_user_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", {"runAsUser": 1000})]}, {})
}

test_default_run_as_non_root_allowed if {
	count(policy.violation) == 0 with input as review({"securityContext": {"runAsNonRoot": true}, "containers": [bare("app")]}, {})
}

test_default_unset_denied if {
	some v in policy.violation with input as review({"containers": [bare("app")]}, {})
	v.msg == `Pod "web": container "app" sets neither runAsUser nor runAsNonRoot=true, in its securityContext or the pod's; rule MustRunAsNonRoot requires one of them`
}

test_default_missing_parameters_object if {
	count(policy.violation) == 1 with input as {"review": {"object": pod({"containers": [bare("app")]})}}
}

test_non_root_user_zero_denied_at_container if {
	some v in policy.violation with input as review({"securityContext": {"runAsNonRoot": true}, "containers": [c("app", {"runAsUser": 0})]}, {})
	v.msg == `Pod "web": container "app" runs as user 0 (securityContext.runAsUser); rule MustRunAsNonRoot does not allow root`
	v.details.field == "spec.containers[0].securityContext.runAsUser"
}

test_non_root_user_zero_inherited_from_pod if {
	some v in policy.violation with input as review({"securityContext": {"runAsUser": 0}, "containers": [bare("app")]}, {})
	v.msg == `Pod "web": container "app" runs as user 0 (spec.securityContext.runAsUser); rule MustRunAsNonRoot does not allow root`
	v.details.field == "spec.securityContext.runAsUser"
}

test_container_user_overrides_pod_root if {
	count(policy.violation) == 0 with input as review({"securityContext": {"runAsUser": 0}, "containers": [c("app", {"runAsUser": 1000})]}, {})
}

test_container_run_as_non_root_false_overrides_pod if {
	spec := {"securityContext": {"runAsNonRoot": true}, "containers": [c("app", {"runAsNonRoot": false})]}
	count(policy.violation) == 1 with input as review(spec, {})
}

test_non_root_checks_every_container_list if {
	spec := {
		"initContainers": [bare("setup")],
		"containers": [c("app", {"runAsUser": 10})],
		"ephemeralContainers": [c("debugger", {"runAsUser": 0})],
	}
	violations := policy.violation with input as review(spec, {})
	{v.details.field | some v in violations} == {"spec.initContainers[0].securityContext.runAsNonRoot", "spec.ephemeralContainers[0].securityContext.runAsUser"}
}

# --- runAsUser: MustRunAs and RunAsAny

must_run_as_user := {"runAsUserRule": "MustRunAs", "runAsUserRanges": [{"min": 1000, "max": 2000}, {"min": 5000, "max": -1}]}

test_must_run_as_user_in_range if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", {"runAsUser": 1500}), c("b", {"runAsUser": 2000}), c("c", {"runAsUser": 900000})]}, must_run_as_user)
}

test_must_run_as_user_out_of_range if {
	some v in policy.violation with input as review({"containers": [c("app", {"runAsUser": 3000})]}, must_run_as_user)
	v.msg == `Pod "web": container "app" runs as user 3000 (securityContext.runAsUser); allowed runAsUser ranges: 1000-2000, 5000 and above`
	v.details.value == 3000
}

test_must_run_as_user_unset if {
	some v in policy.violation with input as review({"containers": [bare("app")]}, must_run_as_user)
	v.msg == `Pod "web": container "app" does not set runAsUser, in its securityContext or the pod's; rule MustRunAs requires a value in: 1000-2000, 5000 and above`
}

test_must_run_as_user_pod_level_value if {
	count(policy.violation) == 0 with input as review({"securityContext": {"runAsUser": 1200}, "containers": [bare("app")]}, must_run_as_user)
	count(policy.violation) == 1 with input as review({"securityContext": {"runAsUser": 0}, "containers": [bare("app")]}, must_run_as_user)
}

test_must_run_as_user_without_ranges_allows_nothing if {
	some v in policy.violation with input as review({"containers": [c("app", {"runAsUser": 1000})]}, {"runAsUserRule": "MustRunAs"})
	endswith(v.msg, "allowed runAsUser ranges: none (no ranges are configured)")
}

test_run_as_any_user if {
	count(policy.violation) == 0 with input as review({"containers": [c("app", {"runAsUser": 0})]}, {"runAsUserRule": "RunAsAny"})
}

# --- runAsGroup

test_must_run_as_group if {
	params := {"runAsUserRule": "RunAsAny", "runAsGroupRule": "MustRunAs", "runAsGroupRanges": [{"min": 1, "max": 65535}]}
	count(policy.violation) == 0 with input as review({"securityContext": {"runAsGroup": 3000}, "containers": [bare("app")]}, params)
	some v in policy.violation with input as review({"containers": [c("app", {"runAsGroup": 0})]}, params)
	v.msg == `Pod "web": container "app" runs as group 0 (securityContext.runAsGroup); allowed runAsGroup ranges: 1-65535`
	some u in policy.violation with input as review({"containers": [bare("app")]}, params)
	u.msg == `Pod "web": container "app" does not set runAsGroup, in its securityContext or the pod's; rule MustRunAs requires a value in: 1-65535`
}

test_may_run_as_group if {
	params := {"runAsUserRule": "RunAsAny", "runAsGroupRule": "MayRunAs", "runAsGroupRanges": [{"min": 1, "max": 65535}]}
	count(policy.violation) == 0 with input as review({"containers": [bare("app")]}, params)
	count(policy.violation) == 0 with input as review({"containers": [c("app", {"runAsGroup": 10})]}, params)
	count(policy.violation) == 1 with input as review({"initContainers": [c("setup", {"runAsGroup": 0})], "containers": [bare("app")]}, params)
}

# --- fsGroup and supplementalGroups (pod level)

test_fs_group_must_run_as if {
	params := {"runAsUserRule": "RunAsAny", "fsGroupRule": "MustRunAs", "fsGroupRanges": [{"min": 1, "max": 65535}]}
	count(policy.violation) == 0 with input as review({"securityContext": {"fsGroup": 2000}, "containers": [bare("app")]}, params)
	some v in policy.violation with input as review({"securityContext": {"fsGroup": 0}, "containers": [bare("app")]}, params)
	v.msg == `Pod "web" sets spec.securityContext.fsGroup=0; allowed fsGroup ranges: 1-65535`
	some u in policy.violation with input as review({"containers": [bare("app")]}, params)
	u.msg == `Pod "web" does not set spec.securityContext.fsGroup; rule MustRunAs requires a value in: 1-65535`
}

test_fs_group_may_run_as if {
	params := {"runAsUserRule": "RunAsAny", "fsGroupRule": "MayRunAs", "fsGroupRanges": [{"min": 1, "max": 65535}]}
	count(policy.violation) == 0 with input as review({"containers": [bare("app")]}, params)
	count(policy.violation) == 1 with input as review({"securityContext": {"fsGroup": 0}, "containers": [bare("app")]}, params)
}

test_supplemental_groups_must_run_as if {
	params := {"runAsUserRule": "RunAsAny", "supplementalGroupsRule": "MustRunAs", "supplementalGroupsRanges": [{"min": 1, "max": 65535}]}
	count(policy.violation) == 0 with input as review({"securityContext": {"supplementalGroups": [1000, 2000]}, "containers": [bare("app")]}, params)
	some v in policy.violation with input as review({"securityContext": {"supplementalGroups": [1000, 0]}, "containers": [bare("app")]}, params)
	v.msg == `Pod "web" sets spec.securityContext.supplementalGroups[1]=0; allowed supplementalGroups ranges: 1-65535`
	some u in policy.violation with input as review({"containers": [bare("app")]}, params)
	u.msg == `Pod "web" does not set spec.securityContext.supplementalGroups; rule MustRunAs requires groups in: 1-65535`
	count(policy.violation) == 1 with input as review({"securityContext": {"supplementalGroups": []}, "containers": [bare("app")]}, params)
}

test_supplemental_groups_may_run_as if {
	params := {"runAsUserRule": "RunAsAny", "supplementalGroupsRule": "MayRunAs", "supplementalGroupsRanges": [{"min": 100, "max": 200}]}
	count(policy.violation) == 0 with input as review({"containers": [bare("app")]}, params)
	count(policy.violation) == 2 with input as review({"securityContext": {"supplementalGroups": [1, 150, 300]}, "containers": [bare("app")]}, params)
}

# --- Azure restricted initiative values, a compliant and a typical pod

test_azure_restricted_compliant_pod if {
	spec := {
		"securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "runAsGroup": 3000, "fsGroup": 2000, "supplementalGroups": [4000]},
		"containers": [bare("app")],
	}
	count(policy.violation) == 0 with input as review(spec, azure_restricted)
}

test_azure_restricted_typical_pod if {
	spec := {"securityContext": {"runAsNonRoot": true}, "containers": [bare("app")]}
	violations := policy.violation with input as review(spec, azure_restricted)
	{v.details.field | some v in violations} == {"spec.containers[0].securityContext.runAsGroup", "spec.securityContext.fsGroup", "spec.securityContext.supplementalGroups"}
}

# --- Windows and exclusions

test_windows_pod_skipped if {
	spec := {"os": {"name": "windows"}, "containers": [bare("app")]}
	count(policy.violation) == 0 with input as review(spec, azure_restricted)
}

test_excluded_container_skipped if {
	spec := {"securityContext": {"runAsUser": 0}, "containers": [c("app", {"runAsUser": 1000}), bare("istio-init")]}
	count(policy.violation) == 0 with input as review(spec, {"excludedContainers": ["istio-init"]})
	count(policy.violation) == 1 with input as review(spec, {})
}

test_pod_level_groups_skipped_when_every_container_excluded if {
	params := object.union(azure_restricted, {"excludedImages": ["registry.example.com/*"]})
	count(policy.violation) == 0 with input as review({"containers": [bare("agent")]}, params)
}
