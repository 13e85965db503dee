package edict.general.windowsnocontaineradmin_test

import data.edict.general.windowsnocontaineradmin as policy

as_user(name) := {"windowsOptions": {"runAsUserName": name}}

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "iis"}, "spec": spec}}, "parameters": params}

test_container_admin_denied_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := policy.violation with input as review({list: [{"name": "c", "securityContext": as_user("ContainerAdministrator")}]}, {})
		count(v) == 1
		some x in v
		x.details == {"container": "c", "field": sprintf("spec.%s[0].securityContext.windowsOptions.runAsUserName", [list]), "value": "ContainerAdministrator"}
		endswith(x.msg, sprintf(`"c" runs as ContainerAdministrator (spec.%s[0].securityContext.windowsOptions.runAsUserName); run it as ContainerUser or another unprivileged account`, [list]))
	}
}

test_pod_level_inherited_case_insensitive if {
	spec := {"securityContext": as_user("containeradministrator"), "containers": [{"name": "iis"}, {"name": "own", "securityContext": as_user("ContainerUser")}]}
	v := policy.violation with input as review(spec, {})
	count(v) == 1
	some x in v
	x.details == {"container": "iis", "field": "spec.securityContext.windowsOptions.runAsUserName", "value": "containeradministrator"}
}

test_other_users_and_unset_allowed if {
	count(policy.violation) == 0 with input as review({"containers": [{"name": "iis", "securityContext": as_user("ContainerUser")}, {"name": "plain"}]}, {})
}

test_exclusions if {
	spec := {"securityContext": as_user("ContainerAdministrator"), "containers": [{"name": "setup"}, {"name": "agent", "image": "mcr.microsoft.com/agent:1"}]}
	count(policy.violation) == 0 with input as review(spec, {"excludedContainers": ["setup"], "excludedImages": ["mcr.microsoft.com/*"]})
}
