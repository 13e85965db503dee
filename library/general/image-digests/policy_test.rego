package edict.general.imagedigests_test

import data.edict.general.imagedigests as policy

digest := "sha256:0f3b0d6a6b1e6b0c8f4cd4a8f7f0d7d5e1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"

review(spec, params) := {"review": {"object": {"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}}, "parameters": params}

test_digest_allowed if {
	spec := {"containers": [
		{"name": "a", "image": sprintf("contoso.azurecr.io/web@%s", [digest])},
		{"name": "b", "image": sprintf("contoso.azurecr.io/web:1.4.2@%s", [digest])},
		{"name": "c", "image": sprintf("contoso.azurecr.io/web@sha512:%s", [concat("", ["ab" | some _ in numbers.range(1, 64)])])},
	]}
	count(policy.violation) == 0 with input as review(spec, {})
}

test_tag_denied_in_every_list if {
	every list in ["containers", "initContainers", "ephemeralContainers"] {
		v := policy.violation with input as review({list: [{"name": "c", "image": "contoso.azurecr.io/web:1.4.2"}]}, {})
		count(v) == 1
		some x in v
		endswith(x.msg, `"c" uses image "contoso.azurecr.io/web:1.4.2", which is not pinned by digest; use <image>@sha256:<digest>`)
		x.details == {"container": "c", "field": sprintf("spec.%s[0].image", [list]), "value": "contoso.azurecr.io/web:1.4.2"}
	}
}

test_malformed_digest_denied if {
	count(policy.violation) == 1 with input as review({"containers": [{"name": "c", "image": "web@sha256:1234"}]}, {})
	count(policy.violation) == 1 with input as review({"containers": [{"name": "c", "image": sprintf("web@%s:latest", [digest])}]}, {})
	count(policy.violation) == 1 with input as review({"containers": [{"name": "c"}]}, {})
}

test_exclusions if {
	params := {"excludedContainers": ["debug"], "excludedImages": ["mcr.microsoft.com/*"]}
	spec := {"containers": [{"name": "debug", "image": "busybox"}, {"name": "agent", "image": "mcr.microsoft.com/agent:1"}]}
	count(policy.violation) == 0 with input as review(spec, params)
}
