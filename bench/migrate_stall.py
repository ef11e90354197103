"""MIGRATE of one large key, swredisd -> swredisd beside redis-server -> redis-server, in one run: how long the
MIGRATE takes and the longest stall a client pinging each side sees meanwhile (the time between two PING replies,
a PING sent every millisecond). A cluster node that stalls past cluster-node-timeout would be failed over; this is
the number that says how large a key can be moved safely. A measurement, never a test.

    python3 bench/migrate_stall.py [--swredisd .build/release/swredisd] [--members 1000000] [--rounds 3]
"""

import argparse
import statistics
import subprocess
import threading
import time

import redis

from bench import Server


class Pinger(threading.Thread):
    """PINGs a server in a loop and keeps the longest gap between two replies."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.client = redis.Redis(port=port, socket_timeout=120)
        self.stop = threading.Event()
        self.longest = 0.0

    def run(self):
        last = time.monotonic()
        while not self.stop.is_set():
            self.client.ping()
            now = time.monotonic()
            self.longest = max(self.longest, now - last)
            last = now
            time.sleep(0.001)


def fill(port, members):
    """A set of `members` integers, written through a pipe of SADDs of 1000 members each."""
    commands = []
    for start in range(0, members, 1000):
        values = [str(v) for v in range(start, min(start + 1000, members))]
        commands.append("*%d\r\n$4\r\nSADD\r\n$6\r\nbigset\r\n" % (len(values) + 2) +
                        "".join(f"${len(v)}\r\n{v}\r\n" for v in values))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input="".join(commands).encode(), check=True,
                   capture_output=True, timeout=600)


def migrate_once(argv, members):
    source, target = Server("source", argv), Server("target", argv)
    try:
        fill(source.port, members)
        assert int(source.cli("SCARD", "bigset")) == members
        pingers = [Pinger(source.port), Pinger(target.port)]
        for pinger in pingers:
            pinger.start()
        time.sleep(0.2)
        started = time.monotonic()
        reply = source.cli("MIGRATE", "127.0.0.1", str(target.port), "bigset", "0", "120000").strip()
        elapsed = time.monotonic() - started
        time.sleep(0.2)
        for pinger in pingers:
            pinger.stop.set()
            pinger.join()
        assert reply == "OK", reply
        assert int(target.cli("SCARD", "bigset")) == members
        return elapsed, pingers[0].longest, pingers[1].longest
    finally:
        source.stop()
        target.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swredisd", default=".build/release/swredisd")
    parser.add_argument("--members", type=int, default=1000000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kinds = [("swredis", [args.swredisd, "server"]), ("redis", ["redis-server"])]
    print(f"MIGRATE of a {args.members}-member set, medians of {args.rounds} rounds")
    print(f"{'':32} {'swredis':>10} {'redis':>10}")
    results = {name: [migrate_once(argv, args.members) for _ in range(args.rounds)] for name, argv in kinds}
    for label, index in (("MIGRATE took", 0), ("longest stall on the source", 1), ("longest stall on the target", 2)):
        values = [statistics.median(r[index] for r in results[name]) for name, _ in kinds]
        print(f"{label:32} {values[0]:9.2f}s {values[1]:9.2f}s")


if __name__ == "__main__":
    main()
