package edict.host_filesystem

import data.lib.exclusions
import data.lib.pods

allowed_paths := object.get(input, ["parameters", "allowedHostPaths"], [])

# A hostPath volume outside every allowed prefix.
violation contains {"msg": msg, "details": details} if {
	some i, volume in object.get(pods.spec, "volumes", [])
	path := volume.hostPath.path
	not volume_exempt(volume.name)
	not some_prefix_covers(path)
	msg := sprintf("%s: volume %q uses hostPath %q; %s", [pods.object_name, volume.name, path, allowed_text])
	details := {
		"volume": volume.name,
		"field": sprintf("spec.volumes[%d].hostPath.path", [i]),
		"value": path,
		"allowedHostPaths": allowed_paths,
	}
}

# A writable mount of a hostPath volume whose only covering prefixes are read-only.
violation contains {"msg": msg, "details": details} if {
	some volume in object.get(pods.spec, "volumes", [])
	path := volume.hostPath.path
	some_prefix_covers(path)
	not writable_prefix_covers(path)
	some entry in exclusions.checked_containers
	some j, mount in object.get(entry.container, "volumeMounts", [])
	mount.name == volume.name
	not mount.readOnly == true
	msg := sprintf(
		"%s: %s mounts hostPath volume %q (%q) writable; that path is allowed read-only only, set readOnly: true on the volumeMount",
		[pods.object_name, pods.container_label(entry), volume.name, path],
	)
	details := {
		"container": entry.container.name,
		"volume": volume.name,
		"field": pods.field(entry, sprintf("volumeMounts[%d].readOnly", [j])),
		"value": object.get(mount, "readOnly", false),
		"allowed": [true],
	}
}

allowed_text := "no hostPath volumes are allowed" if {
	count(allowed_paths) == 0
} else := sprintf("allowed path prefixes: %s", [concat(", ", sort([describe(p) | some p in allowed_paths]))])

describe(p) := sprintf("%s (read-only)", [p.pathPrefix]) if p.readOnly == true

else := p.pathPrefix

some_prefix_covers(path) if {
	some p in allowed_paths
	under(path, p.pathPrefix)
}

writable_prefix_covers(path) if {
	some p in allowed_paths
	under(path, p.pathPrefix)
	not p.readOnly == true
}

# under matches whole path segments, so /var/log covers /var/log/pods but not
# /var/logs; trailing slashes do not matter and an empty prefix covers nothing.
under(path, prefix) if {
	prefix != ""
	clean(path) == clean(prefix)
}

under(path, prefix) if {
	clean(prefix) == "/"
	startswith(path, "/")
}

under(path, prefix) if {
	prefix != ""
	startswith(clean(path), concat("", [clean(prefix), "/"]))
}

clean(p) := trim_right(p, "/") if trim_right(p, "/") != ""

else := p

# Pod-level volumes only reach the node through containers: a volume is not
# checked when every container that mounts it is excluded, or when all are.
volume_exempt(_) if exclusions.all_excluded

volume_exempt(name) if {
	mounters := {entry | some entry in pods.containers; some m in object.get(entry.container, "volumeMounts", []); m.name == name}
	count(mounters) > 0
	every entry in mounters {
		exclusions.excluded(entry.container)
	}
}
