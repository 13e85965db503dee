package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFrom(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name                string
		bi                  *debug.BuildInfo
		ldVersion, ldCommit string
		want                Info
	}{
		{name: "no build info", want: Info{Version: "dev"}},
		{name: "go build without VCS", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: Info{Version: "dev", GoVersion: "go1.26.8"}},
		{name: "go install module@version", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			want: Info{Version: "v1.4.0", GoVersion: "go1.26.8"}},
		{name: "checkout with changes", bi: &debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20261129084500-0123456789ab+dirty"}, Settings: vcs("0123456789abcdef", "true")},
			want: Info{Version: "v1.4.1-0.20261129084500-0123456789ab+dirty", Commit: "0123456789abcdef", Modified: true}},
		{name: "release build overrides the checkout", bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef", "true")},
			ldVersion: "v2.0.0", ldCommit: "fedcba9876543210", want: Info{Version: "v2.0.0", Commit: "fedcba9876543210"}},
		{name: "release version without a commit drops the checkout's", bi: &debug.BuildInfo{Settings: vcs("0123456789abcdef", "true")},
			ldVersion: "v2.0.0", want: Info{Version: "v2.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := From(tt.bi, tt.ldVersion, tt.ldCommit)
			if got.Version != tt.want.Version || got.Commit != tt.want.Commit || got.Modified != tt.want.Modified {
				t.Errorf("From = %+v, want %+v", got, tt.want)
			}
			if tt.want.GoVersion != "" && got.GoVersion != tt.want.GoVersion {
				t.Errorf("GoVersion = %q, want %q", got.GoVersion, tt.want.GoVersion)
			}
			if got.Platform == "" || !strings.Contains(got.Platform, "/") {
				t.Errorf("Platform = %q", got.Platform)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{Info{Version: "v1.0.0", Commit: "abc", GoVersion: "go1.26.8", Platform: "linux/amd64"}, "edict v1.0.0 (commit abc, go1.26.8, linux/amd64)"},
		{Info{Version: "dev", Commit: "abc", Modified: true, GoVersion: "go1.26.8", Platform: "darwin/arm64"}, "edict dev (commit abc (modified), go1.26.8, darwin/arm64)"},
		{Info{Version: "dev", GoVersion: "go1.26.8", Platform: "linux/arm64"}, "edict dev (go1.26.8, linux/arm64)"},
	}
	for _, tt := range tests {
		if got := tt.info.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
