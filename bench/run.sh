#!/usr/bin/env bash
# Side-by-side benchmark: the same redis-benchmark workload against Debian's redis-server and swredisd.
# Usage: SWREDISD=.build/release/swredisd bench/run.sh [--runs N] [--requests N] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "$@"
