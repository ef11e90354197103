"""redis-benchmark against redis-server and swredisd in one run, alternating, medians of several runs.

With SWREDISD_BASELINE set to another swredisd binary (an older build), that binary runs in the same rotation and
the table adds its column and the new/baseline ratio: a change is compared with what it replaced in one run.

Prints a table of requests/s for both servers and their ratio, with and without pipelining, then the memory
(RSS and INFO used_memory) each needs for one million small keys. Both servers run with persistence off on
loopback; every process started here is stopped here. This is a measurement, not a test: it never fails on speed.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET",
         "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100", "LRANGE_600"]

# Memory datasets: (label, redis-benchmark test, how to count what was stored).
MEMORY_DATASETS = [
    ("1M small keys", "SET", ["DBSIZE"]),
    ("1M-member hash", "HSET", ["HLEN", "myhash"]),
    ("1M-member set", "SADD", ["SCARD", "myset"]),
    ("1M-member zset", "ZADD", ["ZCARD", "myzset"]),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, argv):
        self.name = name
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.process = subprocess.Popen(
            argv + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", self.dir, "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if self.cli("PING").strip() == "PONG":
                    return
            except subprocess.CalledProcessError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{name} did not start")

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], check=True, capture_output=True,
                              text=True, timeout=60).stdout

    def info(self, field):
        for line in self.cli("INFO", "memory").splitlines():
            if line.startswith(field + ":"):
                return int(line.split(":", 1)[1])
        return 0

    def rss(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def benchmark(port, tests, requests, pipeline, clients):
    """Runs redis-benchmark once; returns {test: requests per second}."""
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests), "-P", str(pipeline),
         "-r", "100000", "-t", ",".join(tests), "--csv", "-q"],
        check=True, capture_output=True, text=True, timeout=600).stdout
    result = {}
    for line in out.splitlines():
        parts = [p.strip('"') for p in line.split(",")]
        if len(parts) >= 2 and parts[0] != "test":
            name = parts[0].split(" ")[0]
            try:
                result[name] = float(parts[1])
            except ValueError:
                pass
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--memory-keys", type=int, default=1000000)
    parser.add_argument("--tests", default=",".join(TESTS))
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    swredisd = os.environ.get("SWREDISD", ".build/release/swredisd")
    baseline = os.environ.get("SWREDISD_BASELINE")
    tests = args.tests.split(",")

    def start_servers():
        started = [Server("redis", ["redis-server"]), Server("swredis", [swredisd, "server"])]
        if baseline:
            started.append(Server("baseline", [baseline, "server"]))
        return started

    servers = start_servers()
    try:
        for pipeline in () if args.skip_throughput else (1, 16):
            samples = {s.name: {t: [] for t in tests} for s in servers}
            for run in range(args.runs):
                order = servers[run % len(servers):] + servers[:run % len(servers)]
                for server in order:
                    server.cli("FLUSHALL")
                    for test, rps in benchmark(server.port, tests, args.requests * (4 if pipeline > 1 else 1),
                                               pipeline, args.clients).items():
                        if test in samples[server.name]:
                            samples[server.name][test].append(rps)
            print(f"\nredis-benchmark -c {args.clients} -P {pipeline} -r 100000, median of {args.runs} runs (requests/s)")
            print(f"{'test':<14}{'redis-server':>16}{'swredisd':>16}{'ratio':>9}"
                  + (f"{'baseline':>16}{'new/base':>10}" if baseline else ""))
            for test in tests:
                r = samples["redis"][test]
                s = samples["swredis"][test]
                if not r or not s:
                    continue
                mr, ms = statistics.median(r), statistics.median(s)
                line = f"{test:<14}{mr:>16.0f}{ms:>16.0f}{ms / mr:>8.2f}x"
                if baseline and samples["baseline"][test]:
                    mb = statistics.median(samples["baseline"][test])
                    line += f"{mb:>16.0f}{ms / mb:>9.2f}x"
                print(line)
            sys.stdout.flush()
        if not args.skip_memory:
            print(f"\nmemory after ~{args.memory_keys} random inserts (-r {args.memory_keys}, 3-byte values), fresh servers")
            print(f"{'dataset':<18}{'redis RSS MB':>14}{'swredis RSS MB':>16}{'RSS ratio':>11}{'redis used MB':>15}{'swredis used MB':>17}"
                  + (f"{'baseline RSS MB':>17}" if baseline else ""))
            for label, test, count_command in MEMORY_DATASETS:
                for server in servers:
                    server.stop()
                servers = start_servers()
                results = {}
                for server in servers:
                    subprocess.run(["redis-benchmark", "-p", str(server.port), "-c", "50", "-P", "64", "-t", test,
                                    "-n", str(args.memory_keys * 3), "-r", str(args.memory_keys), "-d", "3", "-q"],
                                   check=True, capture_output=True, timeout=900)
                    stored = server.cli(*count_command).strip()
                    results[server.name] = (server.rss(), server.info("used_memory"), stored)
                r, w = results["redis"], results["swredis"]
                extra = f"{results['baseline'][0] / 1e6:>17.1f}" if baseline else ""
                print(f"{label:<18}{r[0] / 1e6:>14.1f}{w[0] / 1e6:>16.1f}{w[0] / r[0]:>10.2f}x{r[1] / 1e6:>15.1f}{w[1] / 1e6:>17.1f}"
                      f"{extra}   ({r[2]} / {w[2]} stored)")
                sys.stdout.flush()
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
