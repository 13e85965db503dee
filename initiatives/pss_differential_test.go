package initiatives_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
)

// podMutation changes one thing of a Pod that the Pod Security Standards
// care about (or should not care about).
type podMutation struct {
	name  string
	apply func(pod map[string]any)
}

// A Pod that satisfies the restricted profile; mutations make it violate
// (or keep satisfying) individual controls.
func compliantPod() map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "namespace": "default"},
		"spec": map[string]any{
			"securityContext": map[string]any{"runAsNonRoot": true, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
			"containers": []any{map[string]any{
				"name": "app", "image": "nginx:1.27",
				"securityContext": map[string]any{"allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}}},
			}},
		},
	}
}

func spec(pod map[string]any) map[string]any { return pod["spec"].(map[string]any) }

func podSC(pod map[string]any) map[string]any { return spec(pod)["securityContext"].(map[string]any) }

// target is the container mutations change: the app container, or an
// init or ephemeral container added for the purpose.
type target string

func container(pod map[string]any, where target) map[string]any {
	s := spec(pod)
	if where == "containers" {
		return s["containers"].([]any)[0].(map[string]any)
	}
	list, _ := s[string(where)].([]any)
	if len(list) == 0 {
		c := map[string]any{"name": "extra", "image": "busybox:1.36",
			"securityContext": map[string]any{"allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}}}}
		s[string(where)] = []any{c}
		return c
	}
	return list[0].(map[string]any)
}

func csc(pod map[string]any, where target) map[string]any {
	c := container(pod, where)
	sc, _ := c["securityContext"].(map[string]any)
	if sc == nil {
		sc = map[string]any{}
		c["securityContext"] = sc
	}
	return sc
}

func set(key string, value any) func(map[string]any) {
	return func(m map[string]any) { m[key] = value }
}

func podMutations() []podMutation {
	var ms []podMutation
	add := func(name string, f func(map[string]any)) { ms = append(ms, podMutation{name, f}) }
	// Pod-level fields.
	add("hostNetwork", func(p map[string]any) { spec(p)["hostNetwork"] = true })
	add("hostPID", func(p map[string]any) { spec(p)["hostPID"] = true })
	add("hostIPC", func(p map[string]any) { spec(p)["hostIPC"] = true })
	add("hostUsers=false", func(p map[string]any) { spec(p)["hostUsers"] = false })
	add("os=windows", func(p map[string]any) { spec(p)["os"] = map[string]any{"name": "windows"} })
	add("os=linux", func(p map[string]any) { spec(p)["os"] = map[string]any{"name": "linux"} })
	add("pod runAsNonRoot unset", func(p map[string]any) { delete(podSC(p), "runAsNonRoot") })
	add("pod runAsNonRoot=false", func(p map[string]any) { podSC(p)["runAsNonRoot"] = false })
	add("pod runAsUser=0", func(p map[string]any) { podSC(p)["runAsUser"] = 0 })
	add("pod runAsUser=1000", func(p map[string]any) { podSC(p)["runAsUser"] = 1000 })
	add("pod seccomp unset", func(p map[string]any) { delete(podSC(p), "seccompProfile") })
	add("pod seccomp Unconfined", func(p map[string]any) { podSC(p)["seccompProfile"] = map[string]any{"type": "Unconfined"} })
	add("pod seccomp Localhost", func(p map[string]any) {
		podSC(p)["seccompProfile"] = map[string]any{"type": "Localhost", "localhostProfile": "profiles/audit.json"}
	})
	add("pod apparmor Unconfined", func(p map[string]any) { podSC(p)["appArmorProfile"] = map[string]any{"type": "Unconfined"} })
	add("pod apparmor Localhost", func(p map[string]any) {
		podSC(p)["appArmorProfile"] = map[string]any{"type": "Localhost", "localhostProfile": "k8s-nginx"}
	})
	add("apparmor annotation unconfined", func(p map[string]any) {
		p["metadata"].(map[string]any)["annotations"] = map[string]any{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
	})
	add("pod selinux type spc_t", func(p map[string]any) { podSC(p)["seLinuxOptions"] = map[string]any{"type": "spc_t"} })
	add("pod selinux type container_t", func(p map[string]any) {
		podSC(p)["seLinuxOptions"] = map[string]any{"type": "container_t", "level": "s0:c1,c2"}
	})
	add("pod selinux user", func(p map[string]any) { podSC(p)["seLinuxOptions"] = map[string]any{"user": "system_u"} })
	add("pod windows hostProcess", func(p map[string]any) {
		podSC(p)["windowsOptions"] = map[string]any{"hostProcess": true}
	})
	for _, s := range []string{"kernel.shm_rmid_forced", "net.ipv4.tcp_rmem", "net.ipv4.tcp_notsent_lowat", "net.ipv4.tcp_slow_start_after_idle", "kernel.msgmax", "net.core.somaxconn"} {
		add("sysctl "+s, func(p map[string]any) { podSC(p)["sysctls"] = []any{map[string]any{"name": s, "value": "1"}} })
	}
	for _, v := range []map[string]any{
		{"name": "v", "hostPath": map[string]any{"path": "/var/log"}},
		{"name": "v", "configMap": map[string]any{"name": "c"}},
		{"name": "v", "nfs": map[string]any{"server": "s", "path": "/"}},
		{"name": "v", "image": map[string]any{"reference": "x"}},
		{"name": "v", "gitRepo": map[string]any{"repository": "r"}},
		{"name": "v", "emptyDir": map[string]any{}},
	} {
		var kind string
		for k := range v {
			if k != "name" {
				kind = k
			}
		}
		add("volume "+kind, func(p map[string]any) { spec(p)["volumes"] = []any{v} })
	}
	// Container-level fields, in each container list.
	for _, where := range []target{"containers", "initContainers", "ephemeralContainers"} {
		w := string(where) + " "
		add(w+"privileged", func(p map[string]any) { csc(p, where)["privileged"] = true })
		add(w+"add NET_RAW", func(p map[string]any) { csc(p, where)["capabilities"].(map[string]any)["add"] = []any{"NET_RAW"} })
		add(w+"add NET_BIND_SERVICE", func(p map[string]any) {
			csc(p, where)["capabilities"].(map[string]any)["add"] = []any{"NET_BIND_SERVICE"}
		})
		add(w+"add CHOWN", func(p map[string]any) { csc(p, where)["capabilities"].(map[string]any)["add"] = []any{"CHOWN"} })
		add(w+"drop nothing", func(p map[string]any) { delete(csc(p, where), "capabilities") })
		add(w+"allowPrivilegeEscalation unset", func(p map[string]any) { delete(csc(p, where), "allowPrivilegeEscalation") })
		add(w+"allowPrivilegeEscalation=true", func(p map[string]any) { csc(p, where)["allowPrivilegeEscalation"] = true })
		add(w+"procMount Unmasked", func(p map[string]any) { csc(p, where)["procMount"] = "Unmasked" })
		add(w+"procMount Default", func(p map[string]any) { csc(p, where)["procMount"] = "Default" })
		add(w+"runAsNonRoot=false", func(p map[string]any) { csc(p, where)["runAsNonRoot"] = false })
		add(w+"runAsNonRoot=true", func(p map[string]any) { csc(p, where)["runAsNonRoot"] = true })
		add(w+"seccomp RuntimeDefault", func(p map[string]any) { csc(p, where)["seccompProfile"] = map[string]any{"type": "RuntimeDefault"} })
		add(w+"runAsUser=0", func(p map[string]any) { csc(p, where)["runAsUser"] = 0 })
		add(w+"seccomp Unconfined", func(p map[string]any) { csc(p, where)["seccompProfile"] = map[string]any{"type": "Unconfined"} })
		add(w+"apparmor Unconfined", func(p map[string]any) { csc(p, where)["appArmorProfile"] = map[string]any{"type": "Unconfined"} })
		add(w+"selinux type spc_t", func(p map[string]any) { csc(p, where)["seLinuxOptions"] = map[string]any{"type": "spc_t"} })
		add(w+"windows hostProcess", func(p map[string]any) { csc(p, where)["windowsOptions"] = map[string]any{"hostProcess": true} })
		if where != "ephemeralContainers" { // the API forbids ports and probes there
			add(w+"hostPort 8080", func(p map[string]any) {
				container(p, where)["ports"] = []any{map[string]any{"containerPort": 8080, "hostPort": 8080}}
			})
			add(w+"hostPort 0", func(p map[string]any) {
				container(p, where)["ports"] = []any{map[string]any{"containerPort": 8080, "hostPort": 0}}
			})
		}
		if where == "containers" {
			add(w+"probe host", func(p map[string]any) {
				container(p, where)["livenessProbe"] = map[string]any{"httpGet": map[string]any{"host": "10.0.0.1", "port": 80}}
			})
			add(w+"lifecycle host", func(p map[string]any) {
				container(p, where)["lifecycle"] = map[string]any{"preStop": map[string]any{"tcpSocket": map[string]any{"host": "10.0.0.1", "port": 80}}}
			})
		}
	}
	return ms
}

// evaluatorAhead lists what the library deliberately allows although the
// evaluator pinned in go.mod does not: controls of a newer Kubernetes than
// the k8s.io modules. Each must still be a disagreement (so this list
// empties itself as the modules move: a stale entry fails the test).
var evaluatorAhead = map[string]string{
	"sysctl net.ipv4.tcp_notsent_lowat":         "safe sysctl since Kubernetes 1.37",
	"sysctl net.ipv4.tcp_slow_start_after_idle": "safe sysctl since Kubernetes 1.37",
}

// TestPodSecurityDifferential evaluates generated Pods with Kubernetes' own
// Pod Security Admission evaluator and with the built-in PSS initiatives in
// Gatekeeper's engine, and fails on any disagreement about whether a Pod is
// allowed, so the library stays exact as Kubernetes moves.
func TestPodSecurityDifferential(t *testing.T) {
	checkEvaluatorVersion(t)
	evaluator, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	levels := []struct {
		initiative string
		level      psaapi.Level
	}{
		{"pod-security-baseline", psaapi.LevelBaseline},
		{"pod-security-restricted", psaapi.LevelRestricted},
	}
	ms := podMutations()
	// Every mutation alone, and every pair of mutations (a relaxation such as
	// hostUsers: false or os: windows only shows in combination).
	var cases [][]podMutation
	for i := range ms {
		cases = append(cases, []podMutation{ms[i]})
		for j := i + 1; j < len(ms); j++ {
			if pairRelevant(ms[i], ms[j]) {
				cases = append(cases, []podMutation{ms[i], ms[j]})
			}
		}
	}
	for _, lv := range levels {
		t.Run(lv.initiative, func(t *testing.T) {
			out := build(t, lv.initiative)
			eng := loadEngine(t, out, false)
			disagreements := 0
			seenAhead := map[string]bool{}
			for _, c := range cases {
				pod := compliantPod()
				var names []string
				for _, m := range c {
					m.apply(pod)
					names = append(names, m.name)
				}
				name := strings.Join(names, " + ")
				var typed corev1.Pod
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(pod, &typed); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				results := evaluator.EvaluatePod(psaapi.LevelVersion{Level: lv.level, Version: psaapi.LatestVersion()}, &typed.ObjectMeta, &typed.Spec)
				var reasons []string
				for _, r := range results {
					if !r.Allowed {
						reasons = append(reasons, r.ForbiddenReason+": "+r.ForbiddenDetail)
					}
				}
				vs, err := eng.Review(ctx, &unstructured.Unstructured{Object: pod})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				psaAllows, edictAllows := len(reasons) == 0, len(vs) == 0
				if len(c) == 1 {
					if why, ok := evaluatorAhead[name]; ok {
						seenAhead[name] = true
						if psaAllows || !edictAllows {
							t.Errorf("%s: listed as ahead of the evaluator (%s) but PSA allows=%v, edict allows=%v; remove it from evaluatorAhead", name, why, psaAllows, edictAllows)
						}
						continue
					}
				}
				if aheadIn(names) {
					continue
				}
				if psaAllows != edictAllows {
					disagreements++
					if disagreements <= 20 {
						raw, _ := json.Marshal(pod["spec"])
						t.Errorf("%s: Pod Security Admission allows=%v %v; %s allows=%v %v\n  spec: %s", name, psaAllows, reasons, lv.initiative, edictAllows, refsOf(out, vs), raw)
					}
				}
			}
			if disagreements > 20 {
				t.Errorf("%d disagreements in all (first 20 shown)", disagreements)
			}
			for name := range evaluatorAhead {
				if !seenAhead[name] {
					t.Errorf("evaluatorAhead names %q, which no generated Pod uses", name)
				}
			}
			t.Logf("%d Pods compared", len(cases))
		})
	}
}

func aheadIn(names []string) bool {
	for _, n := range names {
		if _, ok := evaluatorAhead[n]; ok {
			return true
		}
	}
	return false
}

// pairRelevant keeps the pairs that can interact: a change that relaxes a
// control (a user namespace, a Windows Pod, a pod-level setting a container
// may override) with a change to the app container. Two violations of
// unrelated controls say nothing one alone does not.
func pairRelevant(a, b podMutation) bool {
	relaxing := map[string]bool{"hostUsers=false": true, "os=windows": true, "pod runAsNonRoot unset": true, "pod seccomp unset": true, "pod runAsUser=1000": true}
	app := func(m podMutation) bool { return strings.HasPrefix(m.name, "containers ") }
	return (relaxing[a.name] && app(b)) || (relaxing[b.name] && app(a))
}

// checkEvaluatorVersion insists that the Pod Security Admission module is
// the release of the k8s.io modules the project builds with.
func checkEvaluatorVersion(t *testing.T) {
	data, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && strings.HasPrefix(f[0], "k8s.io/") {
			versions[f[0]] = f[1]
		}
	}
	api, psa := versions["k8s.io/api"], versions["k8s.io/pod-security-admission"]
	if api == "" || api != psa {
		t.Fatalf("go.mod pins k8s.io/pod-security-admission %q and k8s.io/api %q; pin them to the same release", psa, api)
	}
}
