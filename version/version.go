// Package version reports which edict binary is running: the module version
// and commit, from the linker (release builds) or from the Go build info.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by release builds with
//
//	-ldflags "-X github.com/edict-policy/edict/version.version=v1.2.3 -X github.com/edict-policy/edict/version.commit=<sha>"
//
// Release builds pass -buildvcs=false so that the binary depends only on the
// source and these flags (a dirty checkout would otherwise change the build
// info); the linker values are what make those binaries name themselves.
var (
	version string
	commit  string
)

// Info describes the running binary.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Modified  bool   `json:"modified,omitempty"` // built from a checkout with uncommitted changes
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the running binary's version.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return From(bi, version, commit)
}

// From derives the version from build info, with the linker-set values (when
// not empty) taking precedence. bi may be nil (a binary without build info).
func From(bi *debug.BuildInfo, ldVersion, ldCommit string) Info {
	info := Info{Version: "dev", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		// "(devel)" is what go build records without VCS information; Go
		// 1.24+ records a pseudo-version (with +dirty) when it has it, and
		// go install module@version records the release.
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" {
		info.Version = ldVersion
		// A release build names its own commit; whatever the build info
		// says about the checkout is not about that release.
		info.Commit, info.Modified = "", false
	}
	if ldCommit != "" {
		info.Commit = ldCommit
	}
	return info
}

// String is the one-line form printed by `edict version` and `edict --version`.
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "edict %s", i.Version)
	var details []string
	if i.Commit != "" {
		c := "commit " + i.Commit
		if i.Modified {
			c += " (modified)"
		}
		details = append(details, c)
	}
	details = append(details, i.GoVersion, i.Platform)
	fmt.Fprintf(&b, " (%s)", strings.Join(details, ", "))
	return b.String()
}

// Short is the version alone, for user agents and bundle.json.
func (i Info) Short() string { return i.Version }
