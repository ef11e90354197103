# swredis — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
DEBUG_BIN := .build/debug/swredisd
RELEASE_BIN := .build/release/swredisd
APT_PACKAGES := libsystemd-dev redis-server redis-tools redis-sentinel pkg-config systemd adduser iproute2 man-db lintian binutils
SWIFT_RELEASE_FLAGS := -c release -Xswiftc -enforce-exclusivity=unchecked


.PHONY: deb
.PHONY: deps build release test unit-test integration-test run bench bench-persistence bench-replication bench-supervisor clean

## Installs the system and Python packages the build and the tests need (idempotent).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@# Debian starts redis-server/redis-sentinel services where systemd runs; tests start their own.
	@-systemctl stop redis-server redis-sentinel >/dev/null 2>&1 || true
	@$(PYTHON) -c "import redis, pytest" 2>/dev/null || $(PYTHON) -m pip install -q redis pytest

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

test: unit-test integration-test

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
