"""The supervisor's two operator-facing times, medians of several runs (a measurement, never a test):
  * start to READY=1: from starting `swredisd` on the default topology (etc/swredis: a master, two replicas, three sentinels,
    empty data, on free ports) until systemd would get READY=1 on its NOTIFY_SOCKET;
  * kill -9 to serving again: from SIGKILL of an instance until a new connection gets +PONG from its port.
Targets (issue 6): under 1 s to READY; restart under 300 ms.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

from bench import free_port

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_conf(root):
    """etc/swredis with free ports, and directories under `root`."""
    conf = os.path.join(root, "conf")
    shutil.copytree(os.path.join(REPO, "etc", "swredis"), conf)
    ports = {name: free_port() for name in ("6379", "6380", "6381", "26379", "26380", "26381")}
    for name in list(ports) + ["sentinel-common"]:
        path = os.path.join(conf, f"{name}.conf")
        text = open(path).read()
        for original, port in ports.items():
            text = re.sub(rf"\b{original}\b", str(port), text)
        open(path, "w").write(text)
    with open(os.path.join(conf, "swredisd.conf"), "a") as f:
        f.write(f"run-dir {root}/run\nstate-dir {root}/lib\nlog-dir {root}/log\nlog-target file\nrestart-stable-seconds 1\n")
    return conf, ports


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.05) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16) == b"+PONG\r\n"
    except OSError:
        return False


def one_run(swredisd, kills):
    root = tempfile.mkdtemp(prefix="bench-supervisor-")
    conf, ports = make_conf(root)
    notify_path = os.path.join(root, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(10)
    started = time.monotonic()
    proc = subprocess.Popen([swredisd, "--conf-dir", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, NOTIFY_SOCKET=notify_path))
    try:
        ready = None
        while ready is None:
            if b"READY=1" in notify.recv(65536).split(b"\n"):
                ready = time.monotonic() - started
        restarts = []
        for index in range(kills):
            name = ("6379", "6380", "6381")[index % 3]
            pid = int(open(os.path.join(root, "run", f"{name}.pid")).read())
            time.sleep(1.2)  # longer than restart-stable-seconds: each kill is a "first" death
            killed = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            while not ping(ports[name]) or int(open(os.path.join(root, "run", f"{name}.pid")).read()) == pid:
                if time.monotonic() - killed > 10:
                    raise RuntimeError("instance did not come back")
                time.sleep(0.001)
            restarts.append(time.monotonic() - killed)
        return ready, restarts
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        notify.close()
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    swredisd = os.environ.get("SWREDISD", os.path.join(REPO, ".build", "release", "swredisd"))
    readies, restarts = [], []
    for _ in range(args.runs):
        ready, times = one_run(swredisd, args.kills)
        readies.append(ready)
        restarts += times
    print(f"supervisor, default topology (3 data instances and 3 sentinels, empty data), {args.runs} runs")
    print(f"start to READY=1          median {statistics.median(readies) * 1000:7.1f} ms   max {max(readies) * 1000:7.1f} ms")
    print(f"kill -9 to serving again  median {statistics.median(restarts) * 1000:7.1f} ms   max {max(restarts) * 1000:7.1f} ms"
          f"   ({len(restarts)} kills)")


if __name__ == "__main__":
    main()
