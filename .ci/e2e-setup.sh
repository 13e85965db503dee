#!/usr/bin/env bash
# Installs what the end-to-end tests (go test -tags e2e ./e2e/...) run against:
#   - Debian's docker-registry (distribution 2.8), started by the tests themselves on
#     127.0.0.1 with their own config; the packaged service is never started;
#   - the cosign CLI v3.1.3 into ./.tools (git-ignored), used to check that real cosign
#     accepts edict's signatures. Compiling it takes several minutes on two cores,
#     so an existing binary is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ ! -x /usr/bin/docker-registry ]; then
  # Keep the package's service from starting (it would listen on :5000 on every
  # interface): a policy-rc.d that refuses service starts, only for this install.
  added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry
  if [ -n "$added_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
/usr/bin/docker-registry --version

mkdir -p .tools
if [ ! -x .tools/cosign ]; then
  GOBIN="$PWD/.tools" go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3
fi
.tools/cosign version 2>/dev/null | grep -i gitversion || true
