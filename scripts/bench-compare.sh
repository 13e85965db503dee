#!/usr/bin/env bash
# Whole-process measurements of edict, as users run it (make bench-compare):
#   - edict version and edict library list (startup);
#   - edict build over generated repositories of POLICIESxINITIATIVES, the
#     shape of BenchmarkBuild100Policies10Initiatives (10x10, 100x10, 100x50);
#   - edict test against gator verify on the same suite trees: the generated
#     suites of BenchmarkGeneratedSuites, edict's library rendered for gator,
#     and any tree in SUITES (for example a gatekeeper-library checkout's
#     library/ folder), with the verdicts of both compared case by case.
# Every measurement is RUNS paired runs (wall, CPU, peak RSS, from rusage).
#
#   make bench-compare
#   RUNS=9 SHAPES=100x10 SUITES=../gatekeeper-library/library make bench-compare
#
# Nothing is fetched: gator is GATOR, .tools/gator (make audit-vs-gator
# installs it there) or gator on PATH; without one the test comparison is
# skipped. Not run by CI: it measures, it does not test.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
SHAPES=${SHAPES:-10x10,100x10,100x50}
WORK=${WORK:-$(mktemp -d)}
EDICT=$ROOT/bin/edict
GATOR=${GATOR:-}
if [ -z "$GATOR" ] && [ -x "$ROOT/.tools/gator" ]; then GATOR=$ROOT/.tools/gator; fi
if [ -z "$GATOR" ]; then GATOR=$(command -v gator || true); fi

cd "$ROOT"
go build -o "$EDICT" ./cmd/edict
args=(-edict "$EDICT" -runs "$RUNS" -shapes "$SHAPES" -work "$WORK")
if [ -n "$GATOR" ]; then
  # The suite trees, written by the policytest benchmarks' own generators.
  go test ./policytest -run '^$' -bench 'BenchmarkGeneratedSuites|BenchmarkLibrary' -benchtime 1x \
    -benchtree "$WORK/generated" -libtree "$WORK/edict-library" > /dev/null
  args+=(-gator "$GATOR" -suites "$WORK/generated" -suites "$WORK/edict-library")
  for s in ${SUITES:-}; do args+=(-suites "$(cd "$s" && pwd)"); done
fi
go run ./scripts/benchcompare "${args[@]}"
echo "work folder: $WORK"
