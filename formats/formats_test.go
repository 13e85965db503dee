package formats

import (
	"regexp"
	"testing"
)

func TestFormats(t *testing.T) {
	cases := []struct {
		format  string
		valid   []string
		invalid []string
	}{
		{"quantity", []string{"", "2", "500m", "1.5", "512Mi", "4Gi", "1e9", "0"}, []string{"2GB", "lots", "1.5 cores", "-1", "4gi", " 2"}},
		{"image-prefix", []string{"contoso.azurecr.io/", "docker.io/library/nginx:1.", "localhost:5000/team/app", "nginx", "ghcr.io/x/y@sha256:ab"}, []string{"", "https://contoso.azurecr.io/", "contoso.azurecr.io/Team/", "contoso.azurecr.io/*", "a b/c"}},
		{"absolute-path", []string{"/", "/var/log", "/etc/kubernetes/azure.json"}, []string{"", "var/log", "./x", "/var/../etc", "/var//log"}},
		{"capability", []string{"*", "ALL", "NET_BIND_SERVICE", "SYS_ADMIN"}, []string{"CAP_SYS_ADMIN", "net_raw", "NET_RAWW", ""}},
		{"sysctl-pattern", []string{"*", "kernel.shm_rmid_forced", "net.core.*", "kernel/shm_rmid_forced", "net.ipv4.ip_local_port_range"}, []string{"", "Net.core.x", "kernel.*.x", ".net", "net..core"}},
		{"seccomp-profile", []string{"*", "RuntimeDefault", "Localhost", "localhost/audit.json", "localhost/*", "docker/default", "Unconfined"}, []string{"RuntimeDefualt", "runtime-default", "localhost/", ""}},
		{"apparmor-profile", []string{"*", "runtime/default", "localhost/k8s-nginx", "Unconfined"}, []string{"docker/default", "Localhost/x", "runtime/defualt"}},
		{"volume-type", []string{"*", "configMap", "hostPath", "persistentVolumeClaim"}, []string{"configmap", "host-path", ""}},
		{"namespace-pattern", []string{"*", "kube-system", "prod-*", "*-system", "*team*"}, []string{"", "Kube-System", "prod_x", "a*b", "**"}},
		{"image-tag", []string{"latest", "v1.2.3", "1_0"}, []string{":latest", "", "-x", "a b"}},
		{"resource-name", []string{"cpu", "memory", "ephemeral-storage", "nvidia.com/gpu", "hugepages-2Mi"}, []string{"", "cpu ", "a/b/c"}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.format] = true
		f, ok := Lookup(tc.format)
		if !ok {
			t.Fatalf("no format %q", tc.format)
		}
		re := regexp.MustCompile(f.Pattern)
		for _, v := range tc.valid {
			if err := f.Check(v); err != nil {
				t.Errorf("%s: %q rejected: %v", tc.format, v, err)
			}
			if !re.MatchString(v) {
				t.Errorf("%s: the published pattern rejects the valid %q", tc.format, v)
			}
		}
		for _, v := range tc.invalid {
			err := f.Check(v)
			if err == nil {
				t.Errorf("%s: %q accepted", tc.format, v)
				continue
			}
			if _, ok := err.(*Problem); !ok {
				t.Errorf("%s: %q: error is %T, want *Problem", tc.format, v, err)
			}
		}
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("format %s has no test cases", n)
		}
	}
}

func FuzzFormats(f *testing.F) {
	for _, s := range []string{"2GB", "/var/log", "net.core.*", "localhost/x", "contoso.azurecr.io/a:b@sha256:", "*-*", "*a-*", "-a*", "*-a", "a.b"} {
		f.Add(s)
	}
	nsRe := regexp.MustCompile(all["namespace-pattern"].Pattern)
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range Names() {
			fm, _ := Lookup(n)
			_ = fm.Check(s) // must not panic
		}
		// The namespace pattern is published exactly: editors and edict
		// must agree on every namespace list entry.
		ns, _ := Lookup("namespace-pattern")
		if pub, exact := nsRe.MatchString(s) && len(s) <= ns.MaxLength, ns.Check(s) == nil; pub != exact {
			t.Errorf("namespace-pattern %q: published pattern accepts = %v, the check = %v", s, pub, exact)
		}
	})
}
