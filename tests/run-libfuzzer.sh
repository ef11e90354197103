#!/usr/bin/env bash
# Runs swredis-fuzz targets for a while each (`make fuzz`, `make fuzz-test`):
#
#   tests/run-libfuzzer.sh BINARY SECONDS TARGET...
#
# Each target starts from its seeds here (tests/fuzz-corpus/<target>/, read only) plus the corpus earlier runs
# grew in the scratch directory (.build-fuzz/fuzz-work/<target>/corpus, where libFuzzer writes new entries); the
# repository is never written. A crash, timeout or out-of-memory leaves its reproducer under
# .build-fuzz/fuzz-work/<target>/artifacts/, which is printed, and makes the script fail.
set -uo pipefail
cd "$(dirname "$0")/.."

binary=$1 seconds=$2
shift 2
work=${FUZZ_WORK:-.build-fuzz/fuzz-work}
failed=()
for target in "$@"; do
    seeds=tests/fuzz-corpus/$target
    corpus=$work/$target/corpus
    artifacts=$work/$target/artifacts
    log=$work/$target/last.log
    [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }
    mkdir -p "$corpus"
    rm -rf "$artifacts" && mkdir -p "$artifacts"
    # -rss_limit_mb/-malloc_limit_mb: a decoder that allocates without bound is a finding; -timeout: so is a hang.
    "$binary" "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1
    status=$?
    # The last coverage line (cov: edges, ft: features, corp: entries/size) and the final stats.
    coverage=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+//; s/ (lim|L|MS|exec\/s):.*//')
    runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
    rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}')
    rss=$(grep -E '^stat::peak_rss_mb:' "$log" | awk '{print $2}')
    summary="${runs:-?} runs, $coverage, peak rss ${rss:-?} MB"
    found=$(ls "$artifacts" 2>/dev/null | grep -E '^(crash|timeout|oom|leak)-' || true)
    if [ $status -ne 0 ] || [ -n "$found" ]; then
        echo "fuzz $target: FAILED (status $status) after ${seconds}s: $summary"
        grep -E '^(.*Fatal error|==[0-9]+== ?ERROR|SUMMARY|.*out-of-memory|.*ALARM)' "$log" | head -5 | cut -c1-400 | sed 's/^/    /'
        for file in $found; do
            echo "    reproducer: $artifacts/$file"
            echo "    replay:     $binary $target $artifacts/$file"
        done
        echo "    log:        $log"
        failed+=("$target")
    else
        echo "fuzz $target: ok, ${seconds}s, ${rate:-?} exec/s: $summary"
    fi
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz: findings in ${failed[*]}" >&2
    exit 1
fi
