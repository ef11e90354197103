# swredis — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
DEBUG_BIN := .build/debug/swredisd
RELEASE_BIN := .build/release/swredisd
APT_PACKAGES := libsystemd-dev redis-server redis-tools redis-sentinel pkg-config systemd adduser iproute2 iptables man-db lintian binutils liblua5.1-0-dev lua-cjson-dev lua-bitop-dev iputils-arping
SWIFT_RELEASE_FLAGS := -c release -Xswiftc -enforce-exclusivity=unchecked


.PHONY: deb
.PHONY: deps build release test unit-test integration-test run bench bench-persistence bench-replication bench-supervisor clean
.PHONY: fuzz fuzz-build fuzz-test lint format

## Installs the system and Python packages the build and the tests need (idempotent).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@# Debian starts redis-server/redis-sentinel services where systemd runs; tests start their own.
	@-systemctl stop redis-server redis-sentinel >/dev/null 2>&1 || true
	@$(PYTHON) -c "import redis, pytest, redis_lock, limits" 2>/dev/null || $(PYTHON) -m pip install -q redis pytest python-redis-lock limits

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(SWIFT_RELEASE_FLAGS)

unit-test: deps
	$(SWIFT) test

integration-test: build
	deb=$$(packaging/build-deb.sh $(CURDIR)/dist | tail -1) && \
		SWREDIS_DEB=$$deb SWREDIS_REQUIRED=1 SWREDISD=$(CURDIR)/$(DEBUG_BIN) $(PYTHON) -m pytest -q tests/

## Builds dist/swredis_<version>_<arch>.deb (release, Swift standard library linked statically).
deb: deps
	packaging/build-deb.sh $(CURDIR)/dist

test: lint unit-test integration-test fuzz-test

## The toolchain's swift-format with the repository's .swift-format (4 spaces, 120 columns). `make format` applies
## it; `make lint` (part of `make test`) fails when a file is not formatted.
SWIFT_FORMAT_PATHS := Sources Tests Package.swift
lint:
	$(SWIFT) format lint --strict --recursive --parallel $(SWIFT_FORMAT_PATHS)

format:
	$(SWIFT) format format --in-place --recursive --parallel $(SWIFT_FORMAT_PATHS)

## libFuzzer on every decoder of untrusted bytes (Sources/swredis-fuzz: resp, rdb, aof, config, reply, cluster), built into its own
## .build-fuzz so the normal build is untouched. `make fuzz` runs each target FUZZ_SECONDS (default 10); longer by
## hand: `make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS=rdb`. Seeds: tests/fuzz-corpus/<target>/; the grown corpus and
## any crash reproducer: .build-fuzz/fuzz-work/<target>/. `make test` runs a short round (fuzz-test).
FUZZ_SECONDS ?= 10
FUZZ_TEST_SECONDS ?= 4
FUZZ_TARGETS ?= resp rdb aof config reply cluster
FUZZ_BUILD := .build-fuzz
FUZZ_BIN := $(FUZZ_BUILD)/release/swredis-fuzz
# AddressSanitizer (-sanitize=address) catches what Swift's -O build doesn't check: out-of-bounds use of unsafe
# buffer pointers (their bounds checks are debug-only), and it is what makes -malloc_limit_mb work. Coverage
# instrumentation is passed to the frontend only: the driver's -sanitize=fuzzer would also link libFuzzer's own
# main, which clashes with the main SwiftPM gives executables; ours hands argv to LLVMFuzzerRunDriver from
# libclang_rt.fuzzer_no_main, found next to the toolchain's clang.
FUZZ_RUNTIME = $(shell $(dir $(realpath $(shell command -v $(SWIFT))))clang -print-resource-dir)/lib/linux
FUZZ_ARCH := $(shell uname -m)
FUZZ_BUILD_FLAGS = -c release --product swredis-fuzz -Xswiftc -sanitize=address -Xswiftc -Xfrontend -Xswiftc -sanitize=fuzzer \
	-Xswiftc -DSWREDIS_FUZZ -Xlinker --whole-archive -Xlinker $(FUZZ_RUNTIME)/libclang_rt.fuzzer_no_main-$(FUZZ_ARCH).a \
	-Xlinker --no-whole-archive -Xlinker -lstdc++

fuzz-build:
	$(SWIFT) build --build-path $(FUZZ_BUILD) $(FUZZ_BUILD_FLAGS)

fuzz: fuzz-build
	tests/run-libfuzzer.sh $(FUZZ_BIN) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## The short round in `make test` uses a fixed seed, so every machine replays the same inputs.
fuzz-test: fuzz-build
	FUZZ_ARGS=-seed=1 tests/run-libfuzzer.sh $(FUZZ_BIN) $(FUZZ_TEST_SECONDS) $(FUZZ_TARGETS)

## Starts the default topology (a master on 6379, replicas on 6380 and 6381) under the supervisor, in the
## foreground, with runtime files, data and logs under .run/ (Ctrl-C stops the replicas, then the master).
run: release
	$(RELEASE_BIN) --conf-dir etc/swredis --run-dir $(CURDIR)/.run/run --state-dir $(CURDIR)/.run/lib \
		--log-dir $(CURDIR)/.run/log --log-target stdout

## redis-benchmark against Debian's redis-server and swredisd, side by side.
bench: release
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) bench/run.sh
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) python3 bench/persistence.py
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) python3 bench/replication.py
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) python3 bench/supervisor.py

## Only the supervisor figures (start to READY=1, kill -9 to serving again).
bench-supervisor: release
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) python3 bench/supervisor.py

## Only the replication figures (full sync of 1M keys, replica lag and SET rate under load).
bench-replication: release
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) python3 bench/replication.py

## Only the persistence figures (SAVE/load time, RDB size, latency and memory during BGSAVE).
bench-persistence: release
	SWREDISD=$(CURDIR)/$(RELEASE_BIN) python3 bench/persistence.py

clean:
	rm -rf .build .build-static dist
