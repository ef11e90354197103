#!/bin/bash
# Server CPU per request: runs `swredisd server` (or redis-server), sends N pipelined requests of one redis-benchmark
# test, and prints the server's utime+stime divided by N. Steadier than requests/s on a shared 2-core machine: what
# the client and the scheduler do does not count. A measurement, never a test.
#
#   bench/cpu_per_request.sh BINARY TEST N      e.g. bench/cpu_per_request.sh .build/release/swredisd set 3000000
#
# TEST is a redis-benchmark test name, or `evalsha` / `fcall` for bench/scripting.sh's script and function.
set -euo pipefail
binary=$1; test=$2; requests=$3
port=$((40000 + RANDOM % 20000)); dir=$(mktemp -d)
if [[ $(basename "$binary") == redis-server ]]; then args=(); else args=(server); fi
"$binary" "${args[@]}" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --protected-mode no \
    >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
body="return redis.call('incr', KEYS[1])"
case $test in
evalsha) command=(EVALSHA "$(redis-cli -p "$port" script load "$body")" 1 counter) ;;
fcall)
    redis-cli -p "$port" function load \
        $'#!lua name=bench\nredis.register_function(\'incr\', function(keys) return redis.call(\'incr\', keys[1]) end)' \
        >/dev/null
    command=(FCALL incr 1 counter) ;;
*) command=(-r 100000 -t "$test") ;;
esac
read -r user1 system1 < <(awk '{print $14, $15}' /proc/$pid/stat)
redis-benchmark -p "$port" -c 50 -P 16 -n "$requests" -q "${command[@]}" >/dev/null
read -r user2 system2 < <(awk '{print $14, $15}' /proc/$pid/stat)
ticks=$(getconf CLK_TCK)
echo "$test $(basename "$binary") $(( (user2 + system2 - user1 - system1) * 1000000000 / ticks / requests )) ns/request"
