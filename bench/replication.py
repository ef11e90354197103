"""Replication side by side: redis-server -> redis-server beside swredisd -> swredisd.

Measures, medians of several runs:
  * full sync of one million keys: from REPLICAOF until the replica reports the link up with the master's
    offset (diskless and disk transfers);
  * replica lag under a redis-benchmark SET load on the master: the master's offset minus the replica's
    (the replica read first, so the figure is an upper bound), sampled every 20 ms while the load runs
    (median and p99 bytes), and the SET rate with the replica attached.
A measurement, never a test.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time

from bench import Server
from persistence import KEY_COUNT, info, load, write_dataset

REPL_ARGS = ["--repl-diskless-sync-delay", "0"]


def kinds(swredisd):
    return [("redis-server", ["redis-server"]), ("swredisd", [swredisd, "server"])]


def in_sync(master, replica):
    ours = info(replica, "replication")
    if ours.get("master_link_status") != "up" or ours.get("master_sync_in_progress") != "0":
        return False
    return ours.get("slave_repl_offset") == info(master, "replication").get("master_repl_offset")


def full_sync_seconds(argv, dataset, diskless):
    master = Server("master", argv + REPL_ARGS + ["--repl-diskless-sync", diskless])
    replica = Server("replica", argv + REPL_ARGS)
    try:
        load(master, dataset)
        started = time.monotonic()
        replica.cli("REPLICAOF", "127.0.0.1", str(master.port))
        deadline = started + 600
        while not in_sync(master, replica):
            if time.monotonic() > deadline:
                raise RuntimeError("full sync did not finish")
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        keys = int(replica.cli("DBSIZE").strip())
        if keys != KEY_COUNT:
            raise RuntimeError(f"replica holds {keys} keys")
        return elapsed
    finally:
        replica.stop()
        master.stop()


def lag_under_load(argv, requests):
    master = Server("master", argv + REPL_ARGS)
    replica = Server("replica", argv + REPL_ARGS)
    try:
        replica.cli("REPLICAOF", "127.0.0.1", str(master.port))
        while not in_sync(master, replica):
            time.sleep(0.01)
        samples = []
        done = threading.Event()

        def sample():
            while not done.is_set():
                # Replica first: the difference is an upper bound (it includes the time between the two reads).
                replica_offset = int(info(replica, "replication")["slave_repl_offset"])
                master_offset = int(info(master, "replication")["master_repl_offset"])
                samples.append(max(0, master_offset - replica_offset))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        out = subprocess.run(["redis-benchmark", "-p", str(master.port), "-c", "50", "-n", str(requests), "-r", "100000",
                              "-t", "set", "--csv"], check=True, capture_output=True, text=True, timeout=600).stdout
        done.set()
        sampler.join()
        rate = next(float(line.split(",")[1].strip('"')) for line in out.splitlines() if line.startswith('"SET"'))
        samples.sort()
        return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))], rate
    finally:
        replica.stop()
        master.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300_000)
    args = parser.parse_args()
    swredisd = os.environ.get("SWREDISD", ".build/release/swredisd")
    work = tempfile.mkdtemp(prefix="bench-repl-")
    dataset = os.path.join(work, "dataset.resp")
    write_dataset(dataset, KEY_COUNT)
    results = {}
    for name, argv in kinds(swredisd):
        for diskless in ("yes", "no"):
            times = [full_sync_seconds(argv, dataset, diskless) for _ in range(args.runs)]
            results[(name, f"full sync diskless={diskless}")] = statistics.median(times)
        lags = [lag_under_load(argv, args.requests) for _ in range(args.runs)]
        results[(name, "lag median bytes")] = statistics.median(l[0] for l in lags)
        results[(name, "lag p99 bytes")] = statistics.median(l[1] for l in lags)
        results[(name, "SET rps with a replica")] = statistics.median(l[2] for l in lags)
    os.remove(dataset)
    os.rmdir(work)
    print(f"replication, 1M keys / {args.requests} SETs, median of {args.runs} runs")
    print(f"{'measure':<32}{'redis-server':>14}{'swredisd':>14}{'ratio':>8}")
    for measure in ["full sync diskless=yes", "full sync diskless=no", "lag median bytes", "lag p99 bytes",
                    "SET rps with a replica"]:
        ours, theirs = results[("swredisd", measure)], results[("redis-server", measure)]
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        print(f"{measure:<32}{theirs:>14.3f}{ours:>14.3f}{ratio:>8}")


if __name__ == "__main__":
    main()
