#!/bin/bash
# EVALSHA of a small script (`return redis.call('incr', KEYS[1])`), EVAL of the same body and FCALL of a function
# with that body, on swredisd and on Debian's redis-server in one run: requests/s of `redis-benchmark -c 50` (pipelined 1 and 16), several rounds each,
# medians and the ratio swredis/redis. A measurement, never a test.
#
#   bench/scripting.sh [SWREDISD] [REQUESTS] [ROUNDS]     defaults: .build/release/swredisd 200000 3
set -euo pipefail
swredisd=${1:-.build/release/swredisd}; requests=${2:-200000}; rounds=${3:-3}
body="return redis.call('incr', KEYS[1])"
sha=$(printf '%s' "$body" | sha1sum | cut -d' ' -f1)
library=$'#!lua name=bench\nredis.register_function(\'incr\', function(keys) return redis.call(\'incr\', keys[1]) end)'
dirs=(); pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "${dirs[@]}"; }
trap cleanup EXIT
start() { # binary args... ; sets $port (not run in a subshell, so cleanup knows the pid)
    local dir; port=$((40000 + RANDOM % 20000)); dir=$(mktemp -d); dirs+=("$dir")
    "$@" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --protected-mode no >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$port" script load "$body" >/dev/null
    redis-cli -p "$port" function load "$library" >/dev/null
}
start "$swredisd" server; swredis_port=$port
start redis-server; redis_port=$port
rate() { # port pipeline command...
    local port=$1 pipeline=$2; shift 2
    redis-benchmark -p "$port" -c 50 -P "$pipeline" -n "$requests" --csv "$@" | tail -1 | cut -d'"' -f4
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf '%-24s %12s %12s %7s\n' test swredis redis ratio
for pipeline in 1 16; do
    for kind in evalsha eval fcall; do
        case $kind in
        evalsha) command=(EVALSHA "$sha" 1 counter) ;;
        eval) command=(EVAL "$body" 1 counter) ;;
        fcall) command=(FCALL incr 1 counter) ;;
        esac
        ours=(); theirs=()
        for _ in $(seq "$rounds"); do
            ours+=("$(rate "$swredis_port" "$pipeline" "${command[@]}")")
            theirs+=("$(rate "$redis_port" "$pipeline" "${command[@]}")")
        done
        a=$(printf '%s\n' "${ours[@]}" | median); b=$(printf '%s\n' "${theirs[@]}" | median)
        printf '%-24s %12.0f %12.0f %7.2f\n' "$kind -P $pipeline" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
    done
done
