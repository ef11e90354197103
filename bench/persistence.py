"""RDB persistence side by side: redis-server and swredisd on the same one-million-key dataset.

Measures, medians of several runs: SAVE time and RDB size, load time at startup (the "DB loaded from disk"
log line), GET latency (p50/p99 from redis-benchmark) idle and while BGSAVE runs back to back, and the extra
memory a BGSAVE costs while clients overwrite random keys (swredisd: peak RSS growth of the one process;
redis-server: the forked child's copy-on-write size it reports as rdb_last_cow_size). A measurement, never a test.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

from bench import Server, free_port

KEY_COUNT = 1_000_000


def write_dataset(path, keys):
    """RESP for `keys` SETs of key:<n> to a 10-byte value, for redis-cli --pipe."""
    with open(path, "wb") as out:
        for start in range(0, keys, 10000):
            chunk = []
            for n in range(start, min(keys, start + 10000)):
                key = b"key:%d" % n
                chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\nvalue%05d\r\n" % (len(key), key, n % 100000))
            out.write(b"".join(chunk))


def load(server, dataset):
    with open(dataset, "rb") as data:
        subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], stdin=data, check=True, capture_output=True,
                       timeout=600)


def info(server, section):
    fields = {}
    for line in server.cli("INFO", section).splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name] = value.strip()
    return fields


def wait_bgsave(server, limit=300):
    deadline = time.time() + limit
    while time.time() < deadline:
        if info(server, "persistence").get("rdb_bgsave_in_progress") == "0":
            return
        time.sleep(0.02)
    raise RuntimeError("BGSAVE did not finish")


def get_latency(server, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-c", "50", "-n", str(requests), "-r", str(KEY_COUNT),
                          "-t", "get", "--csv"], check=True, capture_output=True, text=True, timeout=600).stdout
    for line in out.splitlines():
        parts = [p.strip('"') for p in line.split(",")]
        if parts and parts[0] == "GET":
            return float(parts[1]), float(parts[4]), float(parts[6])
    raise RuntimeError("no GET line in redis-benchmark output")


def bgsave_loop(server, stop):
    while not stop.is_set():
        try:
            server.cli("BGSAVE")
        except subprocess.CalledProcessError:
            pass
        wait_bgsave(server)


def memory_during_bgsave(server, name):
    """Extra memory of one BGSAVE while SETs overwrite random keys."""
    before = server.rss()
    writer = subprocess.Popen(["redis-benchmark", "-p", str(server.port), "-c", "20", "-n", "3000000", "-r", str(KEY_COUNT),
                               "-t", "set", "-d", "10", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        server.cli("BGSAVE")
        peak = before
        deadline = time.time() + 300
        while time.time() < deadline:
            peak = max(peak, server.rss())
            if info(server, "persistence").get("rdb_bgsave_in_progress") == "0":
                break
            time.sleep(0.01)
    finally:
        writer.terminate()
        writer.wait()
    if name == "redis":
        return int(info(server, "persistence").get("rdb_last_cow_size", "0"))
    return max(0, peak - before)


def wait_for_log(log_path, text, limit):
    deadline = time.time() + limit
    while time.time() < deadline:
        if os.path.exists(log_path):
            with open(log_path, errors="replace") as log:
                if text in log.read():
                    return
        time.sleep(0.05)


def loaded_seconds(log_path):
    with open(log_path, errors="replace") as log:
        found = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", log.read())
    return float(found[-1]) if found else float("nan")


def aof_throughput(argv, name, fsync, requests):
    """SET requests/s with the AOF on, one fresh server."""
    server = Server(name, argv + ["--appendonly", "yes", "--appendfsync", fsync])
    try:
        out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-c", "50", "-n", str(requests), "-r", "100000",
                              "-t", "set", "--csv"], check=True, capture_output=True, text=True, timeout=600).stdout
        for line in out.splitlines():
            parts = [p.strip('"') for p in line.split(",")]
            if parts and parts[0] == "SET":
                return float(parts[1])
    finally:
        server.stop()
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300000)
    parser.add_argument("--aof-only", action="store_true")
    args = parser.parse_args()
    swredisd_argv = [os.environ.get("SWREDISD", ".build/release/swredisd"), "server"]
    print(f"\nAOF: redis-benchmark -t set -c 50, requests/s, median of {args.runs} runs (fresh server each)")
    print(f"{'appendfsync':<14}{'redis-server':>14}{'swredisd':>14}{'ratio':>9}")
    for fsync, requests in (("always", 20000), ("everysec", 200000)):
        r = statistics.median(aof_throughput(["redis-server"], "redis", fsync, requests) for _ in range(args.runs))
        s_ = statistics.median(aof_throughput(swredisd_argv, "swredis", fsync, requests) for _ in range(args.runs))
        print(f"{fsync:<14}{r:>14.0f}{s_:>14.0f}{s_ / r:>8.2f}x")
    if args.aof_only:
        return
    swredisd = os.environ.get("SWREDISD", ".build/release/swredisd")
    work = tempfile.mkdtemp(prefix="bench-persistence-")
    dataset = os.path.join(work, "dataset.resp")
    write_dataset(dataset, KEY_COUNT)
    rows = {}
    try:
        for name, argv in (("redis", ["redis-server"]), ("swredis", [swredisd, "server"])):
            server = Server(name, argv)
            try:
                load(server, dataset)
                used = int(info(server, "memory")["used_memory"])
                save_times = []
                for _ in range(args.runs):
                    started = time.monotonic()
                    server.cli("SAVE")
                    save_times.append(time.monotonic() - started)
                size = os.path.getsize(os.path.join(server.dir, "dump.rdb"))
                idle = [get_latency(server, args.requests) for _ in range(args.runs)]
                stop = threading.Event()
                saver = threading.Thread(target=bgsave_loop, args=(server, stop))
                saver.start()
                try:
                    busy = [get_latency(server, args.requests) for _ in range(args.runs)]
                finally:
                    stop.set()
                    saver.join()
                saves = info(server, "persistence").get("rdb_saves", "?")
                extra = statistics.median(memory_during_bgsave(server, name) for _ in range(args.runs))
                rdb = os.path.join(server.dir, "dump.rdb")
                shutil.copy(rdb, os.path.join(work, f"{name}.rdb"))
            finally:
                server.stop()
            load_times = []
            for _ in range(args.runs):
                directory = tempfile.mkdtemp(prefix=f"bench-load-{name}-", dir=work)
                shutil.copy(os.path.join(work, f"{name}.rdb"), os.path.join(directory, "dump.rdb"))
                log_path = os.path.join(directory, "server.log")
                process = subprocess.Popen(argv + ["--port", str(free_port()), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--logfile", log_path])
                wait_for_log(log_path, "DB loaded from disk", 300)
                process.terminate()
                process.wait(timeout=30)
                load_times.append(loaded_seconds(log_path))
            rows[name] = dict(save=statistics.median(save_times), size=size, load=statistics.median(load_times),
                              idle_p50=statistics.median(r[1] for r in idle), idle_p99=statistics.median(r[2] for r in idle),
                              busy_p50=statistics.median(r[1] for r in busy), busy_p99=statistics.median(r[2] for r in busy),
                              busy_rps=statistics.median(r[0] for r in busy), idle_rps=statistics.median(r[0] for r in idle),
                              extra=extra, used=used, saves=saves)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r, s = rows["redis"], rows["swredis"]
    print(f"\nRDB persistence, {KEY_COUNT} keys (10-byte values), median of {args.runs} runs")
    print(f"{'measure':<34}{'redis-server':>14}{'swredisd':>14}{'ratio':>9}")

    def line(label, a, b, unit="", digits=3):
        ratio = b / a if a else float("nan")
        print(f"{label:<34}{a:>13.{digits}f}{unit}{b:>13.{digits}f}{unit}{ratio:>8.2f}x")

    line("SAVE (s)", r["save"], s["save"])
    line("RDB size (MB)", r["size"] / 1e6, s["size"] / 1e6, digits=1)
    line("load at startup (s)", r["load"], s["load"])
    line("GET rps idle", r["idle_rps"], s["idle_rps"], digits=0)
    line("GET p99 idle (ms)", r["idle_p99"], s["idle_p99"])
    line("GET rps during BGSAVE", r["busy_rps"], s["busy_rps"], digits=0)
    line("GET p99 during BGSAVE (ms)", r["busy_p99"], s["busy_p99"])
    line("extra memory, BGSAVE + writes (MB)", r["extra"] / 1e6, s["extra"] / 1e6, digits=1)
    for name, row in rows.items():
        print(f"{name}: p99 during/idle {row['busy_p99'] / row['idle_p99']:.2f}x; extra memory {row['extra'] * 100 / row['used']:.0f}% "
              f"of used_memory {row['used'] / 1e6:.0f} MB; {row['saves']} saves during the GET runs")


if __name__ == "__main__":
    main()
