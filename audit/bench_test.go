package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/resources"
	"github.com/edict-policy/edict/source"
)

// benchPods writes n generated Pods (a third compliant, the rest violating
// several restricted controls) into one multi-document file.
func benchPods(b *testing.B, n int) string {
	b.Helper()
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app-%d\n  namespace: team-%d\nspec:\n", i, i%50)
		switch i % 3 {
		case 0:
			sb.WriteString("  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: app\n    image: ghcr.io/example/app:1\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n")
		case 1:
			sb.WriteString("  hostNetwork: true\n  containers:\n  - name: app\n    image: docker.io/library/app:1\n    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}\n    ports: [{containerPort: 80, hostPort: 80}]\n")
		default:
			sb.WriteString("  volumes: [{name: data, hostPath: {path: /var/lib/app}}]\n  containers:\n  - name: app\n    image: quay.io/example/app:1\n  - name: sidecar\n    image: quay.io/example/sidecar:1\n    securityContext: {runAsUser: 0}\n")
		}
	}
	p := filepath.Join(b.TempDir(), "pods.yaml")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkAudit is the audit path of `edict audit pod-security-restricted
// pods.yaml`: read, decode, review with Gatekeeper's engine in parallel,
// collect. One op audits 500 Pods.
func BenchmarkAudit(b *testing.B) {
	ctx := context.Background()
	bundles, err := source.Resolve(ctx, "pod-security-restricted", source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := Load(ctx, bundles)
	if err != nil {
		b.Fatal(err)
	}
	pods := benchPods(b, 500)
	b.ResetTimer()
	for b.Loop() {
		in, err := resources.Open([]string{pods}, nil, resources.Options{})
		if err != nil {
			b.Fatal(err)
		}
		c := NewCollector(bundles, nil)
		if err := Run(ctx, p, in, Options{}, c.Add); err != nil {
			b.Fatal(err)
		}
		in.Close()
		if c.Report().Summary.Objects != 500 {
			b.Fatal("not every Pod was reviewed")
		}
	}
}
