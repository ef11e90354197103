"""Redis Cluster side by side: a swredisd cluster beside a redis-server cluster of the same shape (three masters,
a replica each, created by `redis-cli --cluster create --cluster-replicas 1`), in one run.

Measures, medians of several rounds:
  * `redis-benchmark --cluster` SET and GET requests/s (pipelined 1 and 16) and the ratio swredis/redis;
  * failover time after kill -9 of a master: from the kill to the first SET acknowledged on a key of one of its
    slots (the client retries every 10 ms), and to cluster_state:ok on every surviving node.
A measurement, never a test.

    python3 bench/cluster.py [--swredisd .build/release/swredisd] [--requests 200000] [--rounds 3]
        [--failovers 3] [--node-timeout 2000]
"""

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time


def cluster_port():
    """A free port whose bus port (port + 10000) is free too."""
    for _ in range(500):
        port = random.randrange(20000, 50000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", candidate))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


def cli(port, *args, timeout=10):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          timeout=timeout).stdout


class Node:
    def __init__(self, argv, node_timeout):
        self.argv = argv
        self.port = cluster_port()
        self.dir = tempfile.mkdtemp(prefix="bench-cluster-")
        self.node_timeout = node_timeout
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            self.argv + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", self.dir, "--protected-mode", "no", "--cluster-enabled", "yes",
                         "--cluster-node-timeout", str(self.node_timeout), "--repl-diskless-sync-delay", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline and cli(self.port, "PING").strip() != "PONG":
            time.sleep(0.05)

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    def __init__(self, argv, node_timeout):
        self.nodes = [Node(argv, node_timeout) for _ in range(6)]
        subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in self.nodes],
                        "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, check=True, timeout=120)
        self.wait_ok(self.nodes)
        self.wait_replicas()

    def wait_ok(self, nodes, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all("cluster_state:ok" in cli(n.port, "CLUSTER", "INFO") for n in nodes):
                return
            time.sleep(0.02)
        raise RuntimeError("cluster not ok")

    def wait_replicas(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            lines = cli(self.nodes[0].port, "CLUSTER", "NODES").splitlines()
            if sum(" slave " in f" {line.split()[2].replace(',', ' ')} " for line in lines) == 3:
                return
            time.sleep(0.05)
        raise RuntimeError("replicas not attached")

    def master_with_replica(self):
        """A master node (each has a replica) and the first of its slots."""
        for line in cli(self.nodes[0].port, "CLUSTER", "NODES").splitlines():
            fields = line.split()
            if "master" in fields[2] and len(fields) > 8:
                port = int(fields[1].split(":")[1].split("@")[0])
                return next(n for n in self.nodes if n.port == port), int(fields[8].split("-")[0])
        raise RuntimeError("no master")

    def stop(self):
        for node in self.nodes:
            node.stop()


def key_in_slot(port, slot):
    for i in range(200000):
        key = f"key:{{{i}}}"
        if int(cli(port, "CLUSTER", "KEYSLOT", key)) == slot:
            return key
    raise RuntimeError("no key")


def benchmark(port, test, pipeline, requests):
    out = subprocess.run(
        ["redis-benchmark", "--cluster", "-p", str(port), "-c", "50", "-n", str(requests), "-P", str(pipeline),
         "-r", "100000", "-t", test, "--csv", "-q"], capture_output=True, text=True, timeout=600).stdout
    for line in out.splitlines():
        fields = [f.strip('"') for f in line.split(",")]
        if fields and fields[0] == test.upper():
            return float(fields[1])
    raise RuntimeError(f"no result for {test}: {out}")


def failover(argv, node_timeout):
    """Seconds from kill -9 of a master to the first acknowledged write in its slot, and to ok everywhere."""
    cluster = Cluster(argv, node_timeout)
    try:
        victim, slot = cluster.master_with_replica()
        others = [n for n in cluster.nodes if n is not victim]
        key = key_in_slot(others[0].port, slot)
        killed = time.monotonic()
        victim.kill()
        written = None
        while time.monotonic() - killed < 60:
            out = subprocess.run(["redis-cli", "-c", "-p", str(others[0].port), "SET", key, "x"],
                                 capture_output=True, text=True, timeout=10).stdout.strip()
            if out == "OK":
                written = time.monotonic() - killed
                break
            time.sleep(0.01)
        cluster.wait_ok(others)
        ok = time.monotonic() - killed
        return written, ok
    finally:
        cluster.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swredisd", default=".build/release/swredisd")
    parser.add_argument("--requests", type=int, default=200000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--failovers", type=int, default=3)
    parser.add_argument("--node-timeout", type=int, default=2000)
    args = parser.parse_args()
    kinds = [("swredis", [args.swredisd, "server"]), ("redis", ["redis-server"])]
    clusters = {name: Cluster(argv, args.node_timeout) for name, argv in kinds}
    try:
        print(f"{'redis-benchmark --cluster':28} {'swredis':>12} {'redis':>12} {'ratio':>7}")
        for pipeline in (1, 16):
            for test in ("set", "get"):
                rates = {name: [] for name, _ in kinds}
                for _ in range(args.rounds):
                    for name, _ in kinds:
                        rates[name].append(benchmark(clusters[name].nodes[0].port, test, pipeline, args.requests))
                ours, theirs = statistics.median(rates["swredis"]), statistics.median(rates["redis"])
                print(f"{test.upper() + ' -P ' + str(pipeline):28} {ours:12.0f} {theirs:12.0f} {ours / theirs:7.2f}")
    finally:
        for cluster in clusters.values():
            cluster.stop()
    print(f"\nfailover after kill -9 of a master (node timeout {args.node_timeout} ms), medians of {args.failovers}:")
    print(f"{'':28} {'swredis':>12} {'redis':>12}")
    results = {name: [failover(argv, args.node_timeout) for _ in range(args.failovers)] for name, argv in kinds}
    for label, index in (("first write acknowledged", 0), ("cluster_state ok everywhere", 1)):
        values = [statistics.median(r[index] for r in results[name]) for name, _ in kinds]
        print(f"{label:28} {values[0]:11.2f}s {values[1]:11.2f}s")


if __name__ == "__main__":
    main()
