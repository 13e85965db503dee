# edict — common tasks. `make demo` and `make test` are the two commands a
# fresh machine needs; everything they use is installed by Go modules.
GO        ?= go
BIN       ?= bin/edict
DIST      ?= dist
BENCHOUT  ?= bench.txt
# Release metadata: a tag (or the commit) names the release; SOURCE_DATE_EPOCH
# (the commit time) dates the image, so a rebuild gives the same bytes.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
RELEASE   ?= $(DIST)/release

.PHONY: build release docs test policy-test bench benchcmp lint demo e2e fuzz golden clean audit-vs-gator bench-compare

build:
	$(GO) build -o $(BIN) ./cmd/edict

test:
	$(GO) test ./...

# Static, stripped, reproducible binaries for linux and darwin on amd64 and
# arm64, SHA256SUMS, and the container image as an OCI layout
# ($(RELEASE)/edict-image.oci), built without a container daemon. Slow (four
# full cross-builds), so not part of CI.
release:
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(GO) run ./release/cmd/edict-release -o $(RELEASE) -version $(VERSION) -commit $(COMMIT)

# edict's own test command over the built-in library, the built-in
# initiatives' workload tests and the example, with a coverage gate.
policy-test: build
	$(BIN) test . initiatives/testdata --coverage-min 90

# Benchmarks, 6 runs each so that benchstat can compare two result files:
#   make bench BENCHOUT=old.txt; (change); make bench BENCHOUT=new.txt; make benchcmp
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee $(BENCHOUT)

benchcmp:
	$(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da old.txt new.txt

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/...

# The main job on the embedded default: build the built-in Pod Security
# Standards baseline initiative and the worked example, test them, and publish
# both to an OCI image layout folder (no registry needed).
demo: build
	$(BIN) build pod-security-baseline examples/contoso -o $(DIST) --test
	$(BIN) push $(DIST)/pod-security-baseline --output json
	$(BIN) push $(DIST)/contoso-prod --output json

# End-to-end: a real registry (Debian's docker-registry), the cosign CLI and
# Flux's own pull code. .ci/e2e-setup.sh installs the first two.
e2e:
	bash .ci/e2e-setup.sh
	$(GO) test -tags e2e -count=1 ./e2e/...

# Short fuzzing of every loader (seconds each); CI runs the seed corpus via `make test`.
fuzz:
	$(GO) test ./compile -run '^$$' -fuzz FuzzLoadInitiative -fuzztime 30s
	$(GO) test ./compile -run '^$$' -fuzz FuzzLoadPolicy -fuzztime 30s
	$(GO) test ./input -run '^$$' -fuzz FuzzParseDocument -fuzztime 30s
	$(GO) test ./policytest -run '^$$' -fuzz FuzzSuiteFile -fuzztime 30s
	$(GO) test ./policytest -run '^$$' -fuzz FuzzInitiativeTestFile -fuzztime 30s
	$(GO) test ./bundle -run '^$$' -fuzz FuzzReadArchive -fuzztime 30s
	$(GO) test ./bundle -run '^$$' -fuzz FuzzWriteArchive -fuzztime 30s
	$(GO) test ./atomicwrite -run '^$$' -fuzz FuzzTree -fuzztime 30s
	$(GO) test ./rendered -run '^$$' -fuzz FuzzParseIndex -fuzztime 30s
	$(GO) test ./rendered -run '^$$' -fuzz FuzzParse$$ -fuzztime 30s
	$(GO) test ./lint -run '^$$' -fuzz FuzzLint -fuzztime 30s
	$(GO) test ./library -run '^$$' -fuzz FuzzParseAzureMapping -fuzztime 30s
	$(GO) test ./azureimport -run '^$$' -fuzz FuzzParseJSON -fuzztime 30s
	$(GO) test ./azureimport -run '^$$' -fuzz FuzzEval -fuzztime 30s
	$(GO) test ./azureimport -run '^$$' -fuzz FuzzImport -fuzztime 30s

# Regenerate the markdown reference of the built-in library (docs/reference).
docs:
	$(GO) run ./cmd/edict docs

# Regenerate golden files after an intended output change; review the diff.
golden:
	$(GO) test ./... -update

clean:
	rm -rf bin $(DIST)

# edict audit against gator test on 5,000 generated Pods (wall time and peak
# memory, whole process). Installs gator into .tools/. Not part of CI.
audit-vs-gator:
	bash scripts/audit-vs-gator.sh

# Whole-process timing and peak memory of edict build (10x10, 100x10, 100x50
# generated repositories) and of edict test against gator verify on the same
# suite trees, paired runs, with the ratios. Fetches nothing (gator from
# .tools/, GATOR or PATH). Not part of CI.
bench-compare:
	bash scripts/bench-compare.sh
