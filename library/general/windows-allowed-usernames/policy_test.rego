package edict.general.windowsallowedusernames_test

import data.edict.general.windowsallowedusernames as policy

as_user(name) := {"windowsOptions": {"runAsUserName": name}}

windows(spec) := object.union({"os": {"name": "windows"}}, spec)

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "iis"}, "spec": spec}}, "parameters": params}

test_default_container_user_allowed if {
	count(policy.violation) == 0 with input as review(windows({"containers": [{"name": "iis", "securityContext": as_user("containeruser")}, {"name": "plain"}]}), {})
}

test_other_user_denied_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := policy.violation with input as review(windows({list: [{"name": "c", "securityContext": as_user("ContainerAdministrator")}]}), {})
		count(v) == 1
		some x in v
		x.details == {"container": "c", "field": sprintf("spec.%s[0].securityContext.windowsOptions.runAsUserName", [list]), "value": "ContainerAdministrator", "allowed": ["ContainerUser"]}
		endswith(x.msg, sprintf(`"c" runs as ContainerAdministrator (spec.%s[0].securityContext.windowsOptions.runAsUserName); allowed users: ContainerUser`, [list]))
	}
}

test_pod_level_user if {
	spec := windows({"securityContext": as_user(`CONTOSO\svc-web`), "containers": [{"name": "iis"}]})
	some x in policy.violation with input as review(spec, {})
	x.details.field == "spec.securityContext.windowsOptions.runAsUserName"
	count(policy.violation) == 0 with input as review(spec, {"allowedUserNames": [`contoso\*`]})
	count(policy.violation) == 1 with input as review(spec, {"allowedUserNames": [`FABRIKAM\*`, "ContainerUser"]})
}

test_unset_user_judged_as_container_user if {
	spec := windows({"containers": [{"name": "iis"}]})
	some x in policy.violation with input as review(spec, {"allowedUserNames": []})
	x.msg == `Pod "iis": container "iis" runs as ContainerUser (spec.securityContext.windowsOptions.runAsUserName, unset: the image default); no Windows user is allowed (allowedUserNames is empty)`
}

test_node_selector_marks_windows if {
	spec := {"nodeSelector": {"kubernetes.io/os": "windows"}, "containers": [{"name": "iis", "securityContext": as_user("ContainerAdministrator")}]}
	count(policy.violation) == 1 with input as review(spec, {})
}

test_linux_pods_not_checked if {
	count(policy.violation) == 0 with input as review({"containers": [{"name": "app", "securityContext": as_user("root")}]}, {})
}

test_exclusions if {
	spec := windows({"containers": [{"name": "setup", "securityContext": as_user("ContainerAdministrator")}]})
	count(policy.violation) == 0 with input as review(spec, {"excludedContainers": ["setup"]})
}
