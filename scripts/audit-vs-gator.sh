#!/usr/bin/env bash
# Side-by-side: edict audit against gator test (Gatekeeper's CLI) on the same
# bundle and the same objects, whole process, wall time and peak memory.
#
#   make audit-vs-gator            # 5,000 Pods
#   PODS=20000 make audit-vs-gator
#
# The bundle is the built-in pod-security-restricted initiative rendered with
# effect deny. The Pods are generated: a mix of compliant and violating
# containers across 50 namespaces. gator is installed into .tools/ at the
# version edict's engine comes from. Not run by CI: it measures, it does not test.
set -euo pipefail

PODS=${PODS:-5000}
GATOR_VERSION=${GATOR_VERSION:-v3.23.1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=$ROOT/.tools
WORK=${WORK:-$(mktemp -d)}
EDICT=$ROOT/bin/edict

cd "$ROOT"
go build -o "$EDICT" ./cmd/edict
if [ -z "${SKIP_GATOR:-}" ] && [ ! -x "$TOOLS/gator" ]; then
  GOBIN=$TOOLS go install "github.com/open-policy-agent/gatekeeper/v3/cmd/gator@$GATOR_VERSION"
fi

# The bundle: pod-security-restricted with every reference denying.
mkdir -p "$WORK/repo/initiatives"
cat > "$WORK/repo/initiatives/restricted-deny.yaml" <<'YAML'
apiVersion: edict.dev/v1alpha1
kind: Initiative
metadata:
  name: restricted-deny
spec:
  version: 1.0.0
  extends: pod-security-restricted
  defaults:
    effect: deny
YAML
(cd "$WORK/repo" && "$EDICT" build initiatives/restricted-deny.yaml -o "$WORK/dist" >/dev/null)
# gator reads every YAML file it is given; hand it the manifests only.
mkdir -p "$WORK/gator-bundle"
find "$WORK/dist/restricted-deny" -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$WORK/gator-bundle/" \;

# The workload: PODS Pods in one multi-document file.
awk -v n="$PODS" 'BEGIN {
  for (i = 0; i < n; i++) {
    ns = "team-" (i % 50)
    printf "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app-%d\n  namespace: %s\n  labels: {app: app-%d}\nspec:\n", i, ns, i
    if (i % 3 == 0) {
      printf "  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}\n"
      printf "  containers:\n  - name: app\n    image: ghcr.io/example/app:%d\n", i % 7
      printf "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n"
    } else if (i % 3 == 1) {
      printf "  hostNetwork: true\n  containers:\n  - name: app\n    image: docker.io/library/app:%d\n", i % 7
      printf "    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}\n"
      printf "    ports: [{containerPort: 80, hostPort: 80}]\n"
    } else {
      printf "  volumes: [{name: data, hostPath: {path: /var/lib/app}}]\n"
      printf "  containers:\n  - name: app\n    image: quay.io/example/app:%d\n", i % 7
      printf "    volumeMounts: [{name: data, mountPath: /data}]\n"
      printf "  - name: sidecar\n    image: quay.io/example/sidecar:1\n    securityContext: {runAsUser: 0}\n"
    }
  }
}' > "$WORK/pods.yaml"

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
  read -r secs kib < <(tail -n 1 "$WORK/$name.time")  # time prints a status line first when the command fails
  echo "$name $secs $kib"
}

echo "$PODS Pods, bundle restricted-deny ($(ls "$WORK/gator-bundle" | wc -l) manifests), $(nproc) CPUs"
if [ -n "${SKIP_GATOR:-}" ]; then g="gator 0 0"; fi
e=$(measure edict "$EDICT" audit "$WORK/dist/restricted-deny" "$WORK/pods.yaml" --fail-on none --format json --output "$WORK/edict.json")
[ -n "${SKIP_GATOR:-}" ] || g=$(measure gator "$TOOLS/gator" test -f "$WORK/gator-bundle" -f "$WORK/pods.yaml" -o json)
read -r _ es ek <<<"$e"
read -r _ gs gk <<<"$g"
edict_results=$(grep -c '"message"' "$WORK/edict.json" || true)
gator_results=$(grep -c '"msg"' "$WORK/gator.out" || true)
printf "%-6s %8s s %8s MiB peak RSS  %6s results\n" edict "$es" "$((ek / 1024))" "$((edict_results - 0))"
printf "%-6s %8s s %8s MiB peak RSS  %6s results\n" gator "$gs" "$((gk / 1024))" "$gator_results"
awk -v e="$es" -v g="$gs" 'BEGIN { if (e > 0) printf "edict is %.1fx faster\n", g / e }'
echo "work folder: $WORK"
